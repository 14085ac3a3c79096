/**
 * The steps of a session's connect that stand on their own: the `streaming.new` request and its
 * bound, telling the token's issuer which session its token created, the transport's loading, and
 * naming a failed start.
 */
import type { NewSessionRequest } from '../api/schemas.js';
import { MediaError, StreamingAvatarError } from '../errors.js';
import { untilAborted } from '../internal/abort.js';
import type { Clock } from '../internal/clock.js';
import { withTimeout } from '../internal/timeout.js';
import type { CreatedSession, StreamingProvider } from '../provider.js';
import type { SessionTokenSource } from '../tokens.js';
import { stopWithRetries } from './server-stop.js';
import type { SessionOptions } from './session-options.js';
import type { AvatarTransport } from './transport.js';

/** How `streaming.new` is asked and bounded. */
export interface CreateSessionOptions {
  clock: Clock;
  /** Give up waiting after this many milliseconds. */
  timeoutMs: number;
  signal: AbortSignal;
  /** Whether the page is going away (a late session is then stopped with a request that survives it). */
  pageHidden: () => boolean;
  log: ((message: string) => void) | undefined;
}

/**
 * `streaming.new`, bounded by `timeoutMs` and by `signal`. Once asked, the server may create the
 * session whatever happens here, and only its id lets us stop it: so the request is never
 * abandoned, and a session that arrives after the start gave up is stopped at once.
 * @throws {TimeoutError} after `timeoutMs`; the signal's reason when it aborts first.
 */
export async function createSession(
  provider: StreamingProvider,
  request: NewSessionRequest,
  options: CreateSessionOptions,
): Promise<CreatedSession> {
  const { clock, timeoutMs, signal } = options;
  const creating = provider.newSession(request);
  try {
    return await untilAborted(
      withTimeout(creating, timeoutMs, 'streaming.new did not answer in time', clock),
      signal,
    );
  } catch (error) {
    creating.then(
      (late) => {
        options.log?.(`session ${late.sessionId}: created after the start gave up; stopping it`);
        if (options.pageHidden()) provider.stopSessionOnUnload(late.sessionId);
        else
          stopWithRetries(late.sessionId, () => provider.stopSession(late.sessionId), clock).catch(
            () => undefined,
          );
      },
      () => undefined,
    );
    throw error;
  }
}

/**
 * The `streaming.new` request for a session with `options` (defaults: 360p, H264, contract doc).
 * Options left unset are undefined here and absent from the JSON body.
 */
export function newSessionRequest(options: SessionOptions, idleTimeoutSeconds: number): NewSessionRequest {
  return {
    avatar_id: options.avatarId,
    quality: options.quality ?? 'low',
    voice: options.voice,
    language: options.language,
    knowledge_base_id: options.knowledgeBaseId,
    knowledge_base: options.knowledgeBase,
    version: 'v2',
    video_encoding: options.videoEncoding ?? 'H264',
    activity_idle_timeout: idleTimeoutSeconds,
  };
}

/** Tells the token's issuer which session its token created; never holds up the start. */
export function reportSession(
  tokens: SessionTokenSource,
  sessionId: string,
  token: string,
  log: ((message: string) => void) | undefined,
): void {
  const report = tokens.reportSession;
  if (!report) return;
  Promise.resolve()
    .then(() => report(sessionId, token))
    .catch((error: unknown) =>
      log?.(`session ${sessionId}: could not report it to the token endpoint: ${String(error)}`),
    );
}

/** The toolkit's transport on livekit-client, loaded on first use (the module loads once). */
export function loadLiveKitTransport(): Promise<typeof import('./livekit-transport.js')> {
  return import('./livekit-transport.js');
}

/** A LiveKit room, the default transport. */
export async function defaultTransport(): Promise<AvatarTransport> {
  const { LiveKitTransport } = await loadLiveKitTransport();
  return LiveKitTransport.create();
}

/**
 * Loads livekit-client and the toolkit's transport on it ahead of a session's start. Never
 * rejects: a failed load shows when a session starts.
 */
export async function preloadTransport(): Promise<void> {
  await loadLiveKitTransport().catch(() => undefined);
}

/** What a start failed with, as the toolkit's error. */
export function toToolkitError(cause: unknown): StreamingAvatarError {
  if (cause instanceof StreamingAvatarError) return cause;
  return new MediaError(`The session failed to start: ${String(cause)}`, { cause });
}
