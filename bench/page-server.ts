/**
 * Builds the benchmark page (production bundles of this toolkit and of the official SDK) and
 * serves it with the session token endpoint and a count of the emulator's active sessions.
 */
import { resolve } from 'node:path';
import { build, type Plugin, preview } from 'vite';
import { StreamingApiClient } from '../src/api/client.js';
import { createSessionTokenHandler, toNodeListener } from '../src/server/index.js';

/** Serves the built page, the session token endpoint and a count of active sessions. */
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
    build: { outDir: resolve(import.meta.dirname, '.dist'), emptyOutDir: true },
    preview: { host: '127.0.0.1', port: 0 },
    plugins: [benchBackend(apiUrl)],
  };
  await build(config);
  const server = await preview(config);
  return { url: server.resolvedUrls!.local[0]!, close: () => server.close() };
}
