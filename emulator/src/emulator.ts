/**
 * The whole emulator in this process: livekit-server (unless `media` is off), the HTTP API and
 * the credit watch. The CLI runs it; callers start the CLI through `startEmulator` (index.ts).
 */
import { createServer } from 'node:http';
import { Account, DEFAULT_KEYS, DEFAULT_LIVEAVATAR_KEYS } from './accounts.js';
import { StreamingApi } from './api.js';
import { Faults } from './faults.js';
import { foreignRequestRefusal, HttpError, send } from './http.js';
import type { StartEmulatorOptions } from './index.js';
import { LIVEAVATAR_PATH, LiveAvatarApi } from './liveavatar-api.js';
import { type LiveKitServer, startLiveKitServer } from './livekit-server.js';
import { liveKitMedia, noMedia } from './media.js';
import { RECOGNISER_ADVICE, recogniserAvailable, stopKeepingSpareRecogniser } from './recogniser.js';
import { attachVoiceChatSocket } from './voice-chat-socket.js';

/** Whether the avatar hears users: `{available: true}`, or `{available: false, reason}` in words. */
export const VOICE_INPUT_PATH = '/_emulator/voice-input';

function voiceInput(media: boolean): { available: boolean; reason?: string } {
  if (!media) return { available: false, reason: 'The emulator runs without media (--no-media).' };
  return recogniserAvailable() ? { available: true } : { available: false, reason: RECOGNISER_ADVICE };
}

/** What the emulator serves, as `startEmulator`'s caller asked, and where its request log goes. */
export interface ServeOptions extends Omit<StartEmulatorOptions, 'onLog' | 'readyTimeoutMs'> {
  log?: (line: string) => void;
}

export interface ServedEmulator {
  /** Base URL of the Streaming API, e.g. `http://127.0.0.1:8787`. */
  apiUrl: string;
  /** LiveKit WebSocket URL, when media is on. */
  livekitUrl: string | undefined;
  /** Base URL of the LiveAvatar API, e.g. `http://127.0.0.1:8787/liveavatar`. */
  liveAvatarUrl: string;
  close(): Promise<void>;
}

export async function serveEmulator(options: ServeOptions = {}): Promise<ServedEmulator> {
  const log = options.log ?? (() => undefined);
  const livekit: LiveKitServer | undefined =
    options.media === false ? undefined : await startLiveKitServer({ port: options.livekitPort ?? 0, log });
  const accounts = new Map(
    Object.entries(options.keys ?? DEFAULT_KEYS).map(([key, config]) => [
      key,
      new Account(key, config.tier, config.credits),
    ]),
  );
  const media = livekit ? liveKitMedia(livekit, options.livekitClientUrl) : noMedia();
  const faults = options.faults
    ? new Faults(accounts, (status, code, message, headers) => new HttpError(status, code, message, headers))
    : undefined;
  const liveAvatar = new LiveAvatarApi({
    keys: options.liveAvatarKeys ?? DEFAULT_LIVEAVATAR_KEYS,
    media,
    faults,
    log,
  });
  const api = new StreamingApi({
    accounts,
    media,
    faults,
    rateLimitPerSecond: options.rateLimitPerSecond,
    sessionDurationLimitSeconds: options.sessionDurationSeconds,
    timeScale: options.timeScale ?? 1,
    log,
  });
  const allowedOrigins = options.allowedOrigins ?? [];
  const server = createServer((request, response) => {
    const refusal = foreignRequestRefusal(request, allowedOrigins);
    if (refusal) {
      log(`${request.method} ${request.url} 403 ${refusal}`);
      send(response, 403, { code: 403, message: refusal });
      return;
    }
    const path = request.url ?? '';
    // Always served (not a control endpoint): pages say when the avatar cannot hear.
    if (path === VOICE_INPUT_PATH && request.method === 'GET') {
      send(response, 200, voiceInput(livekit !== undefined));
      return;
    }
    if (path === LIVEAVATAR_PATH || path.startsWith(`${LIVEAVATAR_PATH}/`))
      void liveAvatar.handle(request, response);
    else void api.handle(request, response);
  });
  // A request Node cannot even parse gets a 400 and its socket closed, never an exception.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  attachVoiceChatSocket(server, api, liveAvatar, log, (request) =>
    foreignRequestRefusal(request, allowedOrigins),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const creditWatch = setInterval(() => {
    api.enforceCredits();
    liveAvatar.enforceCredits();
  }, 1000);

  let closing: Promise<void> | undefined;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    livekitUrl: livekit?.wsUrl,
    liveAvatarUrl: `http://127.0.0.1:${port}${LIVEAVATAR_PATH}`,
    close() {
      closing ??= (async () => {
        clearInterval(creditWatch);
        stopKeepingSpareRecogniser();
        await Promise.all([api.closeAll(), liveAvatar.closeAll()]);
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await livekit?.stop();
      })();
      return closing;
    },
  };
}
