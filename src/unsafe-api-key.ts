import { StreamingApiClient } from './api/client.js';
import type { SessionTokenSource } from './tokens.js';

/** Options of {@link unsafeFromApiKey}. */
export interface UnsafeFromApiKeyOptions {
  baseUrl?: string | undefined;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
  /** Where the warning goes (default `console.warn`). */
  warn?: (message: string) => void;
}

/**
 * Creates session tokens straight from an API key. **Local development only**: in a browser the
 * key is visible to anyone who opens the page. Warns on every use.
 */
export function unsafeFromApiKey(apiKey: string, options: UnsafeFromApiKeyOptions = {}): SessionTokenSource {
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
