import { createSessionTokenHandler } from 'streaming-avatar-kit/server';

/**
 * The page's session tokens. The API key stays on the server. `HEYGEN_API_BASE` points it at the
 * emulator in development and tests; unset, HeyGen's API.
 */
const tokens = createSessionTokenHandler({
  apiKey: process.env.HEYGEN_API_KEY ?? '',
  baseUrl: process.env.HEYGEN_API_BASE,
  // Replace with your app's auth: only signed-in users may start (paid) sessions.
  authorize: () => process.env.ALLOW_ANONYMOUS_AVATAR === '1',
});

export const POST = (request: Request) => tokens(request);
