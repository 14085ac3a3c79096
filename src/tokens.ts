/**
 * Where a session gets its single-use session token. The browser never needs an API key: by
 * default it asks the page's own backend ({@link fromEndpoint}), which exchanges the key with
 * `streaming-avatar-kit/server`.
 */

import {
  ApiError,
  type ApiErrorDetails,
  AuthenticationError,
  parseRetryAfter,
  RateLimitError,
} from './api/errors.js';
import { InvalidResponseError, NetworkError } from './errors.js';

/**
 * Returns a fresh session token for one session. Session tokens are single-use (contract doc):
 * the provider is called once per session start.
 */
export interface SessionTokenSource {
  (signal: AbortSignal): Promise<string>;
  /**
   * Tells the token's issuer which session the token created, so the backend knows its own
   * sessions exactly (`streaming-avatar-kit/server` records it). Called once, right after
   * `streaming.new`, without holding up the start; a failure is only logged.
   */
  reportSession?: ((sessionId: string, token: string) => Promise<void>) | undefined;
  /**
   * Asks the token's issuer to stop the session its token created, as the page goes away
   * (`pagehide`): a second way to stop billing beside the page's own `keepalive` stop, since a
   * page being closed cannot wait for either answer. Must not block (a `keepalive` request).
   */
  endSessionOnUnload?: ((sessionId: string, token: string) => void) | undefined;
}

/** Options of {@link fromEndpoint}. */
export interface FromEndpointOptions {
  /** Extra request headers (an app's own auth, a CSRF token). */
  headers?: Record<string, string>;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch;
}

/**
 * POSTs `{}` to the page's own backend, which answers `{"token": "..."}` (as the handler of
 * `streaming-avatar-kit/server` does); once the session exists, POSTs `{session_id, token}` to
 * the same URL so the backend records the session as its own; when the page goes away, POSTs
 * `{session_id, token, end: true}` (a `keepalive` request) so the backend stops it too.
 * @throws {NetworkError} when the endpoint cannot be reached.
 * @throws {ApiError} when it answers an error status: HeyGen's own error when the endpoint
 *   passed one on (a rejected API key, the concurrency limit), else an error naming the endpoint
 *   (`authentication` for 401/403, `rate_limited` for 429, `token_endpoint` for the rest).
 * @throws {InvalidResponseError} when the answer has no string `token`.
 */
export function fromEndpoint(url: string, options: FromEndpointOptions = {}): SessionTokenSource {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  /** POSTs `body` and reads the JSON answer; an error status throws the endpoint's error. */
  const post = async (body: object, init: RequestInit = {}): Promise<unknown> => {
    let response: Response;
    let answer: unknown;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        ...init,
      });
      answer = await response.json().catch(() => undefined);
    } catch (cause) {
      throw new NetworkError(`The session token endpoint ${url} could not be reached.`, { cause });
    }
    if (!response.ok) throw tokenEndpointError(url, response, answer);
    return answer;
  };
  const provide = async (signal: AbortSignal) => {
    const token = ((await post({}, { signal })) as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      throw new InvalidResponseError(url, [{ path: 'token', message: 'expected a non-empty string' }]);
    }
    return token;
  };
  const reportSession = async (sessionId: string, token: string) => {
    await post({ session_id: sessionId, token });
  };
  const endSessionOnUnload = (sessionId: string, token: string) => {
    // keepalive: the request outlives the page; its answer is never read.
    post({ session_id: sessionId, token, end: true }, { keepalive: true }).catch(() => undefined);
  };
  return Object.assign(provide, { reportSession, endSessionOnUnload });
}

/** HeyGen's own error codes are five or six digits; a backend's own answers carry the HTTP status. */
const FIRST_HEYGEN_CODE = 10_000;

function tokenEndpointError(url: string, response: Response, body: unknown): ApiError {
  const envelope =
    typeof body === 'object' && body !== null ? (body as { code?: unknown; message?: unknown }) : {};
  const serverCode = typeof envelope.code === 'number' ? envelope.code : undefined;
  const serverMessage = typeof envelope.message === 'string' ? envelope.message : undefined;
  const { status } = response;
  if (serverCode !== undefined && serverCode >= FIRST_HEYGEN_CODE) {
    return ApiError.from(status, body, response.headers, {
      endpoint: url,
      service: `HeyGen, through your token endpoint ${url}`,
    });
  }
  const details: ApiErrorDetails = { status, serverCode, serverMessage, endpoint: url };
  const said = serverMessage ? `: ${serverMessage}` : '';
  if (status === 401 || status === 403) {
    return new AuthenticationError(
      `Your token endpoint ${url} refused the request (HTTP ${status}${said}). Sign the user in, or check what the endpoint authorizes.`,
      details,
    );
  }
  if (status === 429) {
    return new RateLimitError(details, parseRetryAfter(response.headers.get('retry-after'), Date.now()), url);
  }
  return new ApiError(
    'token_endpoint',
    `Your token endpoint ${url} answered HTTP ${status}${said}.`,
    details,
  );
}
