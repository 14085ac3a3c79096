/**
 * Builds the benchmark pages (production bundles of this toolkit and of the official SDK: the
 * bench page, and each one's cold-visit page) and serves them with the session token endpoint and
 * a count of the emulator's active sessions.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build, type Plugin, preview } from 'vite';
import { StreamingApiClient } from '../src/api/client.js';
import {
  createChatCompletionsHandler,
  createLiveAvatarTokenHandler,
  createSessionTokenHandler,
  registerLiveAvatarModel,
  toNodeListener,
} from '../src/server/index.js';
import { simulatedModel } from './simulated-model.js';

const LIVEAVATAR_KEY = 'emulator-liveavatar-key';
/** LiveAvatar's sandbox avatar, "Wayne" (liveavatar-api.md §2). */
const LIVEAVATAR_AVATAR_ID = 'dd73ea75-1218-4ef3-92ce-606d5f7fbc0a';
const MODEL_SECRET = 'bench-model-secret';

/**
 * Serves the built page, the session token endpoint, a count of active sessions, and the page's
 * own model (`/api/model`, the simulated model) with LiveAvatar FULL tokens whose sessions answer
 * voice turns from it (`/api/liveavatar-own-model-token`).
 */
function benchBackend(apiUrl: string): Plugin {
  const apiKey = 'emulator-api-key';
  // The bench starts sessions back to back from one page: anonymous, and no practical rate limit.
  const tokens = toNodeListener(
    createSessionTokenHandler({
      apiKey,
      baseUrl: apiUrl,
      allowAnonymous: true,
      tokensPerMinute: 10_000,
      warn: () => undefined,
    }),
  );
  const admin = new StreamingApiClient({ credentials: { apiKey }, baseUrl: apiUrl });
  return {
    name: 'bench-backend',
    configurePreviewServer(server) {
      server.middlewares.use('/api/avatar-token', (request, response) => void tokens(request, response));
      const model = toNodeListener(
        createChatCompletionsHandler({
          secret: MODEL_SECRET,
          respond: (_messages, { signal }) => simulatedModel(signal),
          warn: () => undefined,
        }),
      );
      server.middlewares.use(
        '/api/model/v1/chat/completions',
        (request, response) => void model(request, response),
      );
      const ownModelTokens = new Promise<ReturnType<typeof toNodeListener>>((resolve, reject) => {
        server.httpServer.once('listening', () => {
          const { port } = server.httpServer.address() as AddressInfo;
          registerLiveAvatarModel({
            apiKey: LIVEAVATAR_KEY,
            baseUrl: `${apiUrl}/liveavatar`,
            endpointBaseUrl: `http://127.0.0.1:${port}/api/model`,
            secret: MODEL_SECRET,
            modelName: 'bench-simulated',
          }).then((configurationId) => {
            resolve(
              toNodeListener(
                createLiveAvatarTokenHandler({
                  apiKey: LIVEAVATAR_KEY,
                  baseUrl: `${apiUrl}/liveavatar`,
                  allowAnonymous: true,
                  tokensPerMinute: 10_000,
                  warn: () => undefined,
                  session: {
                    avatarId: LIVEAVATAR_AVATAR_ID,
                    avatarPersona: { language: 'en' },
                    llm: { configurationId },
                  },
                }),
              ),
            );
          }, reject);
        });
      });
      server.middlewares.use('/api/liveavatar-own-model-token', (request, response) => {
        void ownModelTokens.then((tokens) => tokens(request, response));
      });
      server.middlewares.use('/bench/active', (_request, response) => {
        void admin.listActiveSessions({ retry: false }).then((active) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ active: active.length }));
        });
      });
    },
  };
}

/** The page's URL and a way to stop serving it. */
export interface BenchPageServer {
  url: string;
  close(): Promise<void>;
}

export async function serveBenchPage(apiUrl: string): Promise<BenchPageServer> {
  const config = {
    configFile: false as const,
    root: resolve(import.meta.dirname, 'page'),
    logLevel: 'error' as const,
    build: {
      outDir: resolve(import.meta.dirname, '.dist'),
      emptyOutDir: true,
      rollupOptions: {
        input: ['index.html', 'cold-ours.html', 'cold-official.html'].map((page) =>
          resolve(import.meta.dirname, 'page', page),
        ),
      },
    },
    preview: { host: '127.0.0.1', port: 0 },
    plugins: [benchBackend(apiUrl)],
  };
  await build(config);
  const server = await preview(config);
  return { url: server.resolvedUrls!.local[0]!, close: () => server.close() };
}
