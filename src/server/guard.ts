/**
 * The guards every token endpoint shares, whatever the provider: your app's authorization (or an
 * explicit anonymous demo), an Origin allow-list, a per-client rate limit, a body limit, and
 * errors turned into answers, never crashes.
 */

import { ApiError } from '../api/errors.js';
import { type ErrorCode, InvalidOptionError, StreamingAvatarError } from '../errors.js';
import { checkNumberOption } from '../internal/validate.js';
import { isSessionGone } from '../session/server-stop.js';
import { type RateLimiter, type SessionTokenStore, StoreUnavailableError } from './store.js';

/** What the transport knows about a request beyond the `Request` itself. */
export interface RequestInfo {
  /** The client's IP address, as the socket saw it (set by {@link toNodeListener}). */
  remoteAddress?: string | undefined;
}

/** The guards of a token endpoint (both providers'). */
export interface TokenEndpointGuards {
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
   * own origin, as the request's URL or its `Host` header names it (frameworks such as Next.js may
   * put `localhost` in the URL of a request the browser sent to `127.0.0.1`). A request with
   * another `Origin` header gets 403; one without (not a browser) is left to `authorize`.
   */
  allowedOrigins?: readonly string[] | undefined;
  /** Tokens one client may get per minute (default 10); more get 429 with `Retry-After`. */
  tokensPerMinute?: number | undefined;
  /**
   * Who counts as one client for the rate limit. Default: with `authorize`, the request's
   * credentials (its `Cookie` and `Authorization` headers, hashed), so each signed-in user has a
   * limit of their own; else the remote address; else (a Fetch handler that is told no address)
   * one limit for all, with a warning. Behind a proxy, read your trusted forwarded header here,
   * or key on the signed-in user's id.
   */
  clientKey?: ((request: Request, info: RequestInfo) => string | Promise<string>) | undefined;
  /** Largest request body in bytes (default 16,384); a larger one gets 413. */
  maxBodyBytes?: number | undefined;
  /** Issued tokens and owned sessions (default: in memory; `redisStore(...)` for several replicas). */
  store?: SessionTokenStore | undefined;
  /** Where warnings go (default `console.warn`). */
  warn?: ((message: string) => void) | undefined;
}

const DEFAULT_TOKENS_PER_MINUTE = 10;
const DEFAULT_MAX_BODY_BYTES = 16_384;

/** A token endpoint, and the sessions its tokens created. `S` is one session as the provider lists it. */
export interface TokenEndpointWithSessions<S> {
  (request: Request, info?: RequestInfo): Promise<Response>;
  /** How many tokens this endpoint has issued. */
  readonly issuedTokens: number;
  /** The running sessions this backend's tokens created. */
  listSessions(): Promise<S[]>;
  /** Stops one session server side (billing stops). */
  stopSession(sessionId: string): Promise<void>;
  /** Stops every session `listSessions` lists; returns their ids. */
  stopAllSessions(): Promise<string[]>;
}

/** Gives a guarded endpoint its session controls: list, stop one, stop all. */
export function withSessions<S>(
  guarded: ReturnType<typeof guardedTokenEndpoint>,
  sessions: { list(): Promise<S[]>; stop(sessionId: string): Promise<void>; idOf(session: S): string },
): TokenEndpointWithSessions<S> {
  return Object.defineProperties(guarded.handler, {
    issuedTokens: { get: guarded.issuedTokens },
    listSessions: { value: () => sessions.list() },
    stopSession: { value: (sessionId: string) => sessions.stop(sessionId) },
    stopAllSessions: {
      async value() {
        const ids = (await sessions.list()).map((session) => sessions.idOf(session));
        await Promise.all(ids.map((id) => sessions.stop(id)));
        return ids;
      },
    },
  }) as TokenEndpointWithSessions<S>;
}

/** What a provider's token endpoint does once a request passed the guards. */
export interface TokenEndpointActions {
  /** Creates a session token; the body answered to the page (with `token`). */
  issue(request: Request): Promise<Record<string, unknown>>;
  /** The page reports which session its token created (`{session_id, token}`). */
  report(sessionId: string, token: string): Promise<Response>;
  /** The page is going away: stop the session its token created (`{session_id, token, end: true}`). */
  end(sessionId: string, token: string): Promise<Response>;
}

/**
 * The guards every token endpoint shares: `authorize` or an explicit `allowAnonymous`, the Origin
 * allow-list, the per-client rate limit, the body limit, 400/405/413 refusals, CORS for the
 * allowed origins, and errors turned into answers rather than crashes.
 * @throws {InvalidOptionError} for a missing `authorize` or a number option out of range.
 */
export function guardedTokenEndpoint(
  options: TokenEndpointGuards,
  store: SessionTokenStore,
  actions: TokenEndpointActions,
): { handler: (request: Request, info?: RequestInfo) => Promise<Response>; issuedTokens: () => number } {
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
  checkLimits({ tokensPerMinute, maxBodyBytes });
  const limiter = store.createRateLimiter({
    points: tokensPerMinute,
    durationSeconds: 60,
    keyPrefix: 'tokens:',
  });
  const clientKey = options.clientKey ?? defaultClientKey(options.authorize !== undefined, warn);
  let issued = 0;

  const issueToken = async (request: Request, info: RequestInfo): Promise<Response> => {
    // Authorization first: requests that may not have a token never spend a client's limit.
    if (options.authorize && !(await options.authorize(request))) {
      return refuse(403, 'Not allowed to start an avatar session.');
    }
    const limited = await rateLimited(
      limiter,
      await clientKey(request, info),
      'Too many session tokens requested; try again later.',
    );
    if (limited) return limited;
    const body = await actions.issue(request);
    issued += 1;
    return Response.json(body, { headers: { 'cache-control': 'no-store' } });
  };

  const handler = async (request: Request, info: RequestInfo = {}): Promise<Response> => {
    try {
      const origin = request.headers.get('origin');
      const allowedOrigins = options.allowedOrigins ?? ownOrigins(request);
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
      const sessionOfToken =
        typeof body.session_id === 'string' && typeof body.token === 'string'
          ? { sessionId: body.session_id, token: body.token }
          : undefined;
      const response = !sessionOfToken
        ? await issueToken(request, info)
        : body.end === true
          ? await actions.end(sessionOfToken.sessionId, sessionOfToken.token)
          : await actions.report(sessionOfToken.sessionId, sessionOfToken.token);
      for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
  return { handler, issuedTokens: () => issued };
}

/**
 * Throws unless every limit is a positive whole number.
 * @throws {InvalidOptionError} naming the first that is not.
 */
export function checkLimits(limits: Record<string, number>): void {
  for (const [name, value] of Object.entries(limits)) {
    checkNumberOption(name, value, {
      min: 0,
      exclusiveMin: true,
      integer: true,
      expected: 'a positive whole number',
    });
  }
}

/**
 * Who a request comes from, for its rate limit: the credentials `authorize` accepted (hashed),
 * else the remote address, else one limit shared by every such client (said once through `warn`).
 * @param authorizes Whether an `authorize` check admits requests (only then do credentials name a client).
 */
export function defaultClientKey(
  authorizes: boolean,
  warn: (message: string) => void,
): (request: Request, info: RequestInfo) => Promise<string> {
  let warnedSharedLimit = false;
  return async (request, info) => {
    const credentials = [request.headers.get('authorization'), request.headers.get('cookie')]
      .filter((value) => value !== null)
      .join('\n');
    // Only credentials that `authorize` accepted name a client: an anonymous caller could vary them.
    if (authorizes && credentials !== '') return `credentials:${await hashToken(credentials)}`;
    if (info.remoteAddress) return `address:${info.remoteAddress}`;
    if (!warnedSharedLimit) {
      warnedSharedLimit = true;
      warn(
        'streaming-avatar-kit/server: a request came with no credentials and no remote address, so such ' +
          'clients share one rate limit. Pass clientKey (a signed-in user id, or your proxy’s forwarded address).',
      );
    }
    return 'shared';
  };
}

/**
 * Spends one of `key`'s points: undefined when allowed, else the 429 with `Retry-After` in
 * seconds, saying `message`.
 * @throws {StoreUnavailableError} (or the store's own error) when the store fails.
 */
export async function rateLimited(
  limiter: RateLimiter,
  key: string,
  message: string,
): Promise<Response | undefined> {
  const limited = await limiter.consume(key).then(
    () => undefined,
    (refusal: unknown) => refusal,
  );
  if (limited === undefined) return undefined;
  // A store failure is an error; a refusal carries the wait.
  if (limited instanceof Error) throw limited;
  const waitMs = (limited as { msBeforeNext?: number }).msBeforeNext ?? 60_000;
  return refuse(429, message, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
}

/** The request's JSON object (`{}` when empty), or the refusal to send. */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown> | Response> {
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
export function refuse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ code: status, message }, { status, headers });
}

/** SHA-256 of a token, hex: the store never holds a usable token. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The HTTP status of an error HeyGen put in a 200's envelope (its errors table in the contract
 * doc gives each kind's status); anything else it failed with is the gateway's 502.
 */
const STATUS_BY_ERROR_CODE: Partial<Record<ErrorCode, number>> = {
  authentication: 401,
  plan_limit: 403,
  invalid_parameter: 400,
  session_state: 400,
  session_closed: 400,
  session_not_found: 404,
  avatar_not_found: 404,
  concurrency_limit: 429,
  rate_limited: 429,
};

export function errorResponse(error: unknown): Response {
  if (error instanceof StoreUnavailableError) {
    return refuse(503, 'The token store is not answering; try again shortly.', { 'retry-after': '1' });
  }
  if (error instanceof ApiError) {
    const status = error.status >= 400 ? error.status : (STATUS_BY_ERROR_CODE[error.code] ?? 502);
    return Response.json(
      { code: error.serverCode ?? status, message: error.serverMessage ?? error.message },
      { status },
    );
  }
  const message = error instanceof StreamingAvatarError ? error.message : 'Could not create a session token.';
  return refuse(502, message);
}

/**
 * The endpoint's own origin as the browser addressed it: the Host header a browser sends is the
 * host it connected to, so a page of another site cannot pass as this one.
 */
function ownOrigins(request: Request): string[] {
  const url = new URL(request.url);
  const host = request.headers.get('host');
  return host === null ? [url.origin] : [url.origin, `${url.protocol}//${host}`];
}

/** How long an issued, unreported token stays claimable by the page's report, in seconds. */
export const TOKEN_CLAIM_TTL_SECONDS = 600;

/** How long a page may ask for its session's end, in seconds: past any session's length. */
export const END_CLAIM_TTL_SECONDS = 86_400;

/**
 * The store key that lets the holder of `token` act once on `sessionId` (`report` it, or `end`
 * it): a hash of all three, so the store never holds a usable token.
 */
export function sessionClaimHash(claim: 'report' | 'end', sessionId: string, token: string): Promise<string> {
  return hashToken(`${claim}\n${sessionId}\n${token}`);
}

/**
 * Ends a session for the page that created it: the claim `remember` stored proves the caller holds
 * the session's token; spent once.
 */
export async function endOwnedSession(
  store: SessionTokenStore,
  sessionId: string,
  token: string,
  stop: (sessionId: string) => Promise<void>,
): Promise<Response> {
  const claim = await sessionClaimHash('end', sessionId, token);
  if (!(await store.hasToken(claim))) {
    return refuse(403, 'That session was not created with this token, or was already ended.');
  }
  // The page's own stop often arrives first: a session already gone is ended all the same.
  await stop(sessionId).catch((error: unknown) => {
    if (!isSessionGone(error)) throw error;
  });
  await store.claimToken(claim);
  return new Response(null, { status: 204 });
}
