/**
 * `streaming-avatar-kit/server`: exchanges the HeyGen API key for single-use session tokens on
 * your backend, so the key never reaches a browser. Safe by default: every request must be
 * authorized (or the endpoint explicitly anonymous), come from an allowed Origin, stay within a
 * per-client rate limit and a body limit; nothing a request sends can crash the process. Uses
 * only the Fetch API (`Request` → `Response`), so it serves from Node's http (through
 * {@link toNodeListener}), Express, Hono, Bun or a Next.js route.
 */
import { StreamingApiClient } from '../api/client.js';
import type { ActiveSession } from '../api/schemas.js';
import { ApiError, InvalidOptionError, StreamingAvatarError } from '../errors.js';
import { memoryStore, type SessionTokenStore } from './store.js';

export { type NodeRequestLike, type NodeResponseLike, toNodeListener } from './node.js';
export { type RedisClientLike, type RedisStoreOptions, redisStore } from './redis-store.js';
export { memoryStore, type RateLimitOptions, type SessionTokenStore } from './store.js';

/** What the transport knows about a request beyond the `Request` itself. */
export interface RequestInfo {
  /** The client's IP address, as the socket saw it (set by {@link toNodeListener}). */
  remoteAddress?: string | undefined;
}

/** Options of {@link createSessionTokenHandler}. */
export interface SessionTokenHandlerOptions {
  /** The HeyGen API key. Read it from the environment; never ship it to a page. */
  apiKey: string;
  /** Streaming API base URL (default HeyGen's; the emulator's in development). */
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
  /**
   * Decides whether a request may have a token: your app's own auth (a session cookie, a signed-in
   * user). Required, unless `allowAnonymous` is set. Answer false and the caller gets 403.
   */
  authorize?: ((request: Request) => boolean | Promise<boolean>) | undefined;
  /**
   * Hands a token to anyone who asks (within the Origin list and rate limit): for demos and local
   * development only, since every token can start a paid session. Logs a warning at creation.
   */
  allowAnonymous?: boolean | undefined;
  /**
   * Origins (`https://shop.example`) whose pages may ask for tokens. Default: only the endpoint's
   * own origin. A request with another `Origin` header gets 403; one without (not a browser) is
   * left to `authorize`.
   */
  allowedOrigins?: readonly string[] | undefined;
  /** Tokens one client may get per minute (default 10); more get 429 with `Retry-After`. */
  tokensPerMinute?: number | undefined;
  /**
   * Who counts as one client for the rate limit (default: the remote address, else the Origin).
   * Behind a proxy, read your trusted forwarded header here, or key on the signed-in user.
   */
  clientKey?: ((request: Request, info: RequestInfo) => string) | undefined;
  /** Largest request body in bytes (default 16,384); a larger one gets 413. */
  maxBodyBytes?: number | undefined;
  /** Issued tokens and owned sessions (default: in memory; `redisStore(...)` for several replicas). */
  store?: SessionTokenStore | undefined;
  /** Where warnings go (default `console.warn`). */
  warn?: ((message: string) => void) | undefined;
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
export interface SessionTokenHandler {
  (request: Request, info?: RequestInfo): Promise<Response>;
  /** How many tokens this handler has issued. */
  readonly issuedTokens: number;
  /** The active sessions this backend's tokens created (recorded when each page reported it). */
  listSessions(): Promise<ActiveSession[]>;
  /** Stops one session server side (billing stops). */
  stopSession(sessionId: string): Promise<void>;
  /** Stops every session {@link SessionTokenHandler.listSessions} lists; returns their ids. */
  stopAllSessions(): Promise<string[]>;
}

/** How long an issued, unreported token stays claimable, in seconds. */
const TOKEN_CLAIM_TTL_SECONDS = 600;
const DEFAULT_TOKENS_PER_MINUTE = 10;
const DEFAULT_MAX_BODY_BYTES = 16_384;

/**
 * Creates the token endpoint. HeyGen's errors are passed on with their status and
 * `{code, message}` envelope, so `fromEndpoint` in the page throws the same typed error.
 * @throws {InvalidOptionError} when neither `authorize` nor `allowAnonymous` is given, or a
 *   number option is out of range.
 */
export function createSessionTokenHandler(options: SessionTokenHandlerOptions): SessionTokenHandler {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!options.authorize && !options.allowAnonymous) {
    throw new InvalidOptionError(
      'authorize',
      'a function that checks your app’s own auth (or set allowAnonymous: true for a demo)',
      undefined,
    );
  }
  if (!options.authorize) {
    warn(
      'streaming-avatar-kit/server: allowAnonymous is on, so anyone who can reach this endpoint can start ' +
        'paid avatar sessions. Use it for demos only; pass authorize() in production.',
    );
  }
  const tokensPerMinute = options.tokensPerMinute ?? DEFAULT_TOKENS_PER_MINUTE;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  for (const [name, value] of [
    ['tokensPerMinute', tokensPerMinute],
    ['maxBodyBytes', maxBodyBytes],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0)
      throw new InvalidOptionError(name, 'a positive whole number', value);
  }
  const client = new StreamingApiClient({
    credentials: { apiKey: options.apiKey },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  const store = options.store ?? memoryStore();
  const limiter = store.createRateLimiter({
    points: tokensPerMinute,
    durationSeconds: 60,
    keyPrefix: 'tokens:',
  });
  const clientKey =
    options.clientKey ??
    ((request: Request, info: RequestInfo) =>
      info.remoteAddress ?? request.headers.get('origin') ?? 'unknown');
  let issued = 0;

  const issueToken = async (request: Request, info: RequestInfo): Promise<Response> => {
    const limited = await limiter.consume(clientKey(request, info)).then(
      () => undefined,
      (refusal: unknown) => refusal,
    );
    if (limited !== undefined) {
      if (limited instanceof Error) throw limited;
      const waitMs = (limited as { msBeforeNext?: number }).msBeforeNext ?? 60_000;
      return refuse(429, 'Too many session tokens requested; try again later.', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    if (options.authorize && !(await options.authorize(request))) {
      return refuse(403, 'Not allowed to start an avatar session.');
    }
    const token = await client.createSessionToken({ signal: request.signal });
    await store.rememberToken(await hashToken(token), TOKEN_CLAIM_TTL_SECONDS);
    issued += 1;
    return Response.json({ token }, { headers: { 'cache-control': 'no-store' } });
  };

  const recordSession = async (sessionId: string, token: string): Promise<Response> => {
    if (!(await store.claimToken(await hashToken(token)))) {
      return refuse(403, 'This token was not issued here, has expired, or was already reported.');
    }
    // A session token works only for the session it created (contract doc): HeyGen's answer
    // proves the page's claim. A state error (still starting, closed) proves it as well.
    const tokenClient = new StreamingApiClient({
      credentials: { sessionToken: token },
      baseUrl: options.baseUrl,
      fetch: options.fetch,
    });
    const proof = await tokenClient.keepAlive(sessionId, { retry: false }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const bound =
      proof === undefined ||
      (proof instanceof StreamingAvatarError && ['session_state', 'session_closed'].includes(proof.code));
    if (!bound) return refuse(403, 'That session was not created with this token.');
    await store.addSession(sessionId);
    return new Response(null, { status: 204 });
  };

  const handler = async (request: Request, info: RequestInfo = {}): Promise<Response> => {
    try {
      const origin = request.headers.get('origin');
      const allowedOrigins = options.allowedOrigins ?? [new URL(request.url).origin];
      if (origin !== null && !allowedOrigins.includes(origin)) {
        return refuse(403, `Origin ${origin} may not request avatar session tokens.`);
      }
      const cors: Record<string, string> =
        origin === null ? {} : { 'access-control-allow-origin': origin, vary: 'origin' };
      if (request.method === 'OPTIONS') {
        return new Response(null, {
          status: 204,
          headers: {
            ...cors,
            'access-control-allow-methods': 'POST',
            'access-control-allow-headers': 'content-type',
          },
        });
      }
      if (request.method !== 'POST') return refuse(405, 'Use POST.', { allow: 'POST' });
      const body = await readJsonBody(request, maxBodyBytes);
      if (body instanceof Response) return body;
      const response =
        typeof body.session_id === 'string' && typeof body.token === 'string'
          ? await recordSession(body.session_id, body.token)
          : await issueToken(request, info);
      for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };

  const listSessions = async (): Promise<ActiveSession[]> => {
    const owned = new Set(await store.ownedSessions());
    if (owned.size === 0) return [];
    const active = await client.listActiveSessions();
    const activeIds = new Set(active.map((session) => session.session_id));
    await store.forgetSessions([...owned].filter((id) => !activeIds.has(id)));
    return active.filter((session) => owned.has(session.session_id));
  };

  const stopSession = async (sessionId: string): Promise<void> => {
    await client.stopSession(sessionId);
    await store.forgetSessions([sessionId]);
  };

  return Object.defineProperties(handler, {
    issuedTokens: { get: () => issued },
    listSessions: { value: listSessions },
    stopSession: { value: stopSession },
    stopAllSessions: {
      async value() {
        const sessions = await listSessions();
        await Promise.all(sessions.map((session) => stopSession(session.session_id)));
        return sessions.map((session) => session.session_id);
      },
    },
  }) as SessionTokenHandler;
}

/** The request's JSON object (`{}` when empty), or the refusal to send. */
async function readJsonBody(request: Request, maxBytes: number): Promise<Record<string, unknown> | Response> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return tooLarge(maxBytes);
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return tooLarge(maxBytes);
      }
      text += decoder.decode(value, { stream: true });
    }
  }
  text += decoder.decode();
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  return refuse(400, 'The request body must be a JSON object.');
}

function tooLarge(maxBytes: number): Response {
  return refuse(413, `The request body is larger than ${maxBytes} bytes.`);
}

/** A refusal in HeyGen's `{code, message}` envelope, the code being the HTTP status. */
function refuse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ code: status, message }, { status, headers });
}

/** SHA-256 of a token, hex: the store never holds a usable token. */
async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) {
    return Response.json(
      { code: error.serverCode ?? error.status, message: error.serverMessage ?? error.message },
      { status: error.status },
    );
  }
  const message = error instanceof StreamingAvatarError ? error.message : 'Could not create a session token.';
  return refuse(502, message);
}
