/**
 * The demo's backend, as a Vite plugin: `/api/avatar-token` hands out HeyGen session tokens,
 * `/api/liveavatar-token` and `/api/liveavatar-lite-token` LiveAvatar ones (the session chosen
 * here, on the server), `/api/speech` audio for LITE (the emulator's eSpeak NG as a stand-in for
 * a text-to-speech service), `/api/model` the demo's own model (an OpenAI-compatible
 * chat-completions endpoint) with `/api/liveavatar-own-model-token` for LiveAvatar FULL sessions
 * that answer from it, and `/api/avatars` lists avatars, all with the API keys kept on the server
 * (`streaming-avatar-kit/server`). Reads AVATAR_API_KEY, LIVEAVATAR_API_KEY and AVATAR_EMULATOR_URL.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { synthesize } from '../emulator/src/speech.js';
import { StreamingApiClient } from '../src/index.js';
import {
  createChatCompletionsHandler,
  createLiveAvatarTokenHandler,
  createSessionTokenHandler,
  type LiveAvatarSessionSettings,
  registerLiveAvatarModel,
  toNodeListener,
} from '../src/server/index.js';
import { faqModel } from './faq-model.js';

/** LiveAvatar's sandbox avatar, "Wayne" (liveavatar-api.md §2), which the emulator serves too. */
const LIVEAVATAR_AVATAR_ID = 'dd73ea75-1218-4ef3-92ce-606d5f7fbc0a';
/** The secret LiveAvatar sends to the demo's model; a real deployment keeps it in its configuration. */
const MODEL_SECRET = randomBytes(24).toString('base64url');

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
      const liveAvatarKey = process.env.LIVEAVATAR_API_KEY;
      if (liveAvatarKey) {
        // Every LiveAvatar route: the server chooses the session (the avatar, FULL or LITE, the model).
        const liveAvatarTokens = (session: LiveAvatarSessionSettings) =>
          toNodeListener(
            createLiveAvatarTokenHandler({
              apiKey: liveAvatarKey,
              baseUrl: baseUrl === undefined ? undefined : `${baseUrl}/liveavatar`,
              allowAnonymous: true,
              tokensPerMinute: 60,
              warn: () => undefined,
              session,
            }),
          );
        const fullTokens = liveAvatarTokens({
          avatarId: LIVEAVATAR_AVATAR_ID,
          avatarPersona: { language: 'en' },
        });
        server.middlewares.use(
          '/api/liveavatar-token',
          (request, response) => void fullTokens(request, response),
        );
        const liteTokens = liveAvatarTokens({ mode: 'LITE', avatarId: LIVEAVATAR_AVATAR_ID });
        server.middlewares.use(
          '/api/liveavatar-lite-token',
          (request, response) => void liteTokens(request, response),
        );
        // LiveAvatar FULL answering from the demo's own model: registered once the server listens,
        // since the model's address is this server's.
        const ownModelTokens = new Promise<ReturnType<typeof toNodeListener>>((resolve, reject) => {
          server.httpServer?.once('listening', () => {
            const { port } = server.httpServer!.address() as AddressInfo;
            registerLiveAvatarModel({
              apiKey: liveAvatarKey,
              baseUrl: baseUrl === undefined ? undefined : `${baseUrl}/liveavatar`,
              endpointBaseUrl: `http://127.0.0.1:${port}/api/model`,
              secret: MODEL_SECRET,
              modelName: 'demo-faq',
            }).then(
              (configurationId) =>
                resolve(
                  liveAvatarTokens({
                    avatarId: LIVEAVATAR_AVATAR_ID,
                    avatarPersona: { language: 'en' },
                    llm: { configurationId },
                  }),
                ),
              reject,
            );
          });
        });
        ownModelTokens.catch((error: Error) =>
          server.config.logger.warn(
            `The demo's own model could not be registered with LiveAvatar: ${error.message}`,
          ),
        );
        server.middlewares.use('/api/liveavatar-own-model-token', (request, response) => {
          ownModelTokens.then(
            (tokens) => void tokens(request, response),
            () => response.writeHead(503).end(),
          );
        });
        // LITE speaks audio the page brings: this stands in for your own text-to-speech service.
        server.middlewares.use('/api/speech', (request, response) => {
          const text = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('text') ?? '';
          synthesize(text.slice(0, 2000))
            .then((speech) => {
              response.writeHead(200, {
                'content-type': 'application/octet-stream',
                'x-sample-rate': String(speech.sampleRate),
              });
              response.end(
                Buffer.from(speech.samples.buffer, speech.samples.byteOffset, speech.samples.byteLength),
              );
            })
            .catch((error: Error) => {
              response.writeHead(500, { 'content-type': 'application/json' });
              response.end(JSON.stringify({ message: error.message }));
            });
        });
      }
      // The demo's own model: LiveAvatar calls it with the secret; the demo's own pages (same
      // origin, as the browser says) may call it too.
      const model = toNodeListener(
        createChatCompletionsHandler({
          respond: faqModel,
          secret: MODEL_SECRET,
          authorize: (request) => request.headers.get('sec-fetch-site') === 'same-origin',
        }),
      );
      server.middlewares.use(
        '/api/model/v1/chat/completions',
        (request, response) => void model(request, response),
      );
      // The drop-in file as the package ships it (`npm run build` writes dist/cdn/), for plain.html.
      server.middlewares.use('/cdn', (request, response) => {
        const name = (request.url ?? '').replace(/^\//, '').split('?')[0] ?? '';
        if (!/^[\w.-]+\.js$/.test(name)) {
          response.writeHead(404).end();
          return;
        }
        readFile(resolve(import.meta.dirname, '../dist/cdn', name))
          .then((file) => {
            response.writeHead(200, { 'content-type': 'text/javascript' });
            response.end(file);
          })
          .catch(() => response.writeHead(404).end('Not built: run npm run build.'));
      });
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
