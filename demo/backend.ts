/**
 * The demo's backend, as a Vite plugin: `/api/avatar-token` hands out session tokens and
 * `/api/avatars` lists avatars, both with the API key kept on the server
 * (`streaming-avatar-kit/server`). Reads AVATAR_API_KEY and AVATAR_EMULATOR_URL.
 */
import type { Plugin } from 'vite';
import { StreamingApiClient } from '../src/index.js';
import { createSessionTokenHandler, toNodeListener } from '../src/server/index.js';

export function avatarBackend(): Plugin {
  return {
    name: 'avatar-demo-backend',
    configureServer(server) {
      const apiKey = process.env.AVATAR_API_KEY;
      const baseUrl = process.env.AVATAR_EMULATOR_URL;
      if (!apiKey) {
        server.config.logger.warn(
          'AVATAR_API_KEY is not set: /api/avatar-token will fail. Run the demo with npm start.',
        );
        return;
      }
      // A local demo: no sign-in, so tokens are anonymous (the handler warns); the page's own
      // origin only, and enough tokens for a person clicking Start again and again.
      const tokens = toNodeListener(
        createSessionTokenHandler({ apiKey, baseUrl, allowAnonymous: true, tokensPerMinute: 60 }),
      );
      const admin = new StreamingApiClient({ credentials: { apiKey }, baseUrl });
      server.middlewares.use('/api/avatar-token', (request, response) => void tokens(request, response));
      server.middlewares.use('/api/avatars', (_request, response) => {
        admin
          .listAvatars()
          .then((avatars) => {
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end(JSON.stringify(avatars));
          })
          .catch((error: Error) => {
            response.writeHead(502, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ message: error.message }));
          });
      });
    },
  };
}
