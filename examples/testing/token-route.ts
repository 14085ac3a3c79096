/**
 * Your backend's session token route (here as a Fetch-API handler, as Next.js, Hono, Remix or
 * Deno serve it). The API key stays on the server; the page only ever gets a session token.
 */
import { createSessionTokenHandler } from 'streaming-avatar-kit/server';

export function tokenRoute(env: { HEYGEN_API_KEY: string; HEYGEN_API_BASE?: string }) {
  return createSessionTokenHandler({
    apiKey: env.HEYGEN_API_KEY,
    baseUrl: env.HEYGEN_API_BASE, // unset in production: HeyGen's API
    // Only signed-in users may start (paid) sessions.
    authorize: (request) => request.headers.get('authorization') === 'Bearer signed-in-user',
  });
}
