/**
 * Where a session gets its single-use session token. The browser never needs an API key: by
 * default it asks the page's own backend ({@link fromEndpoint}), which exchanges the key with
 * `streaming-avatar-kit/server`.
 */
import { StreamingApiClient } from './api/client.js';
import { ApiError, InvalidResponseError, NetworkError } from './errors.js';

/**
 * Returns a fresh session token for one session. Session tokens are single-use (contract doc):
 * the provider is called once per session start.
 */
export type SessionTokenProvider = (signal: AbortSignal) => Promise<string>;

/** Options of {@link fromEndpoint}. */
export interface FromEndpointOptions {
  /** Extra request headers (an app's own auth, a CSRF token). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * POSTs to the page's own backend, which answers `{"token": "..."}` (as the handler of
 * `streaming-avatar-kit/server` does).
 * @throws {NetworkError} when the endpoint cannot be reached.
 * @throws {ApiError} (an `AuthenticationError` for 401/403) when it answers an error status.
 * @throws {InvalidResponseError} when the answer has no string `token`.
 */
export function fromEndpoint(url: string, options: FromEndpointOptions = {}): SessionTokenProvider {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (signal) => {
    let response: Response;
    let body: unknown;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: '{}',
        signal,
      });
      body = await response.json().catch(() => undefined);
    } catch (cause) {
      throw new NetworkError(`The session token endpoint ${url} could not be reached.`, { cause });
    }
    if (!response.ok) throw ApiError.from(response.status, body, response.headers, { endpoint: url });
    const token = (body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      throw new InvalidResponseError(url, [{ path: 'token', message: 'expected a non-empty string' }]);
    }
    return token;
  };
}

/** Options of {@link unsafeFromApiKey}. */
export interface UnsafeFromApiKeyOptions {
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
  /** Where the warning goes (default `console.warn`). */
  warn?: (message: string) => void;
}

/**
 * Creates session tokens straight from an API key. **Local development only**: in a browser the
 * key is visible to anyone who opens the page. Warns on every use.
 */
export function unsafeFromApiKey(
  apiKey: string,
  options: UnsafeFromApiKeyOptions = {},
): SessionTokenProvider {
  const warn = options.warn ?? ((message) => console.warn(message));
  const client = new StreamingApiClient({
    credentials: { apiKey },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  return (signal) => {
    warn(
      'streaming-avatar-kit: unsafeFromApiKey() exposes your HeyGen API key. Use it for local development ' +
        'only; in production serve session tokens from your backend (streaming-avatar-kit/server).',
    );
    return client.createSessionToken({ signal });
  };
}
