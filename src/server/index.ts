/**
 * `streaming-avatar-kit/server`: exchanges the HeyGen API key for single-use session tokens on
 * your backend, so the key never reaches a browser. Safe by default: every request must be
 * authorized (or the endpoint explicitly anonymous), come from an allowed Origin, stay within a
 * per-client rate limit and a body limit; nothing a request sends can crash the process. Uses
 * only the Fetch API (`Request` → `Response`), so it serves from Node's http (through
 * {@link toNodeListener}), Express, Hono, Bun or a Next.js route.
 *
 * @module streaming-avatar-kit/server
 */

import type { ActiveSession } from '../api/account-schemas.js';
import { StreamingApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { StreamingAvatarError } from '../errors.js';
import {
  END_CLAIM_TTL_SECONDS,
  endOwnedSession,
  guardedTokenEndpoint,
  hashToken,
  refuse,
  sessionClaimHash,
  TOKEN_CLAIM_TTL_SECONDS,
  type TokenEndpointGuards,
  type TokenEndpointWithSessions,
  withSessions,
} from './guard.js';
import { memoryStore } from './store.js';

export type { LiveAvatarSessionSummary } from '../api/liveavatar-client.js';
export {
  type ChatCompletionsHandlerOptions,
  type ChatMessage,
  createChatCompletionsHandler,
  type RespondContext,
} from './chat-completions.js';
export type { RequestInfo, TokenEndpointGuards, TokenEndpointWithSessions } from './guard.js';
export {
  createLiveAvatarTokenHandler,
  type LiveAvatarSessionSettings,
  type LiveAvatarTokenHandler,
  type LiveAvatarTokenHandlerOptions,
} from './liveavatar.js';
export { type LiveAvatarModelRegistration, registerLiveAvatarModel } from './liveavatar-model.js';
export { type NodeRequestLike, type NodeResponseLike, toNodeListener } from './node.js';
export { type RedisClientLike, type RedisStoreOptions, redisStore } from './redis-store.js';
export {
  memoryStore,
  type RateLimiter,
  type RateLimitOptions,
  type SessionTokenStore,
  StoreUnavailableError,
} from './store.js';

/** Options of {@link createSessionTokenHandler}. */
export interface SessionTokenHandlerOptions extends TokenEndpointGuards {
  /** The HeyGen API key. Read it from the environment; never ship it to a page. */
  apiKey: string;
  /** Streaming API base URL (default HeyGen's; the emulator's in development). */
  baseUrl?: string | undefined;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
}

/**
 * A Fetch-API handler for the page's token endpoint, plus the sessions its tokens created.
 *
 * `POST` with an empty JSON body (`{}`) answers 200 `{"token": "..."}`. `POST
 * {"session_id", "token"}` is the page reporting which session its token created
 * (`fromEndpoint` does it): the handler checks with HeyGen that the token is bound to that session
 * and records it as this backend's, answering 204. Refusals: 403 (not authorized, Origin not
 * allowed, a token that is not this backend's), 405 (not POST), 413 (body too large), 400
 * (malformed body), 429 (rate limit, with `Retry-After` in seconds).
 */
export type SessionTokenHandler = TokenEndpointWithSessions<ActiveSession>;

/**
 * Creates the token endpoint. HeyGen's errors are passed on with their status and
 * `{code, message}` envelope, so `fromEndpoint` in the page throws the same typed error.
 * @throws {InvalidOptionError} when neither `authorize` nor `allowAnonymous` is given, or a
 *   number option is out of range.
 */
export function createSessionTokenHandler(options: SessionTokenHandlerOptions): SessionTokenHandler {
  const client = new StreamingApiClient({
    credentials: { apiKey: options.apiKey },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  const store = options.store ?? memoryStore();

  const recordSession = async (sessionId: string, token: string): Promise<Response> => {
    const tokenHash = await hashToken(token);
    if (!(await store.hasToken(tokenHash))) {
      return refuse(403, 'This token was not issued here, has expired, or was already reported.');
    }
    const tokenClient = new StreamingApiClient({
      credentials: { sessionToken: token },
      baseUrl: options.baseUrl,
      fetch: options.fetch,
    });
    // Keeping the session alive with the token proves the token created it; a 5xx or network
    // failure is retried with backoff, as for every call that cannot bill twice.
    const proof = await tokenClient.keepAlive(sessionId).then(
      () => undefined,
      (error: unknown) => error,
    );
    const bound =
      proof === undefined ||
      (proof instanceof StreamingAvatarError && ['session_state', 'session_closed'].includes(proof.code));
    if (!bound) {
      // HeyGen could not answer (5xx, network, rate limit): the token stays claimable for a retry.
      if (!isRefusal(proof)) {
        return refuse(502, 'HeyGen could not confirm the session; the token can report it again.', {
          'retry-after': '1',
        });
      }
      return refuse(403, 'That session was not created with this token.');
    }
    // Claimed only once HeyGen confirmed: of two reports at once, exactly one records it.
    if (!(await store.claimToken(tokenHash))) {
      return refuse(403, 'This token was not issued here, has expired, or was already reported.');
    }
    await store.addSession(sessionId);
    await store.rememberToken(await sessionClaimHash('end', sessionId, token), END_CLAIM_TTL_SECONDS);
    return new Response(null, { status: 204 });
  };

  const stopSession = async (sessionId: string): Promise<void> => {
    await client.stopSession(sessionId);
    await store.forgetSessions([sessionId]);
  };

  const guarded = guardedTokenEndpoint(options, store, {
    async issue(request) {
      const token = await client.createSessionToken({ signal: request.signal });
      await store.rememberToken(await hashToken(token), TOKEN_CLAIM_TTL_SECONDS);
      return { token };
    },
    report: recordSession,
    end: (sessionId, token) => endOwnedSession(store, sessionId, token, stopSession),
  });

  const listSessions = async (): Promise<ActiveSession[]> => {
    const owned = new Set(await store.ownedSessions());
    if (owned.size === 0) return [];
    const active = await client.listActiveSessions();
    const activeIds = new Set(active.map((session) => session.session_id));
    await store.forgetSessions([...owned].filter((id) => !activeIds.has(id)));
    return active.filter((session) => owned.has(session.session_id));
  };

  return withSessions(guarded, {
    list: listSessions,
    stop: stopSession,
    idOf: (session) => session.session_id,
  });
}

/** HeyGen answered, and said no (a 4xx other than 429): not a failure to answer. */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;
}
