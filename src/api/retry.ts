/**
 * The one place retries are decided (contract doc, "Rate limiting"; seeds 003/004): a 429 waits
 * for its `Retry-After` and is retried for every call (the server refused it, so nothing was
 * created), unless the server asks for longer than `maxRetryAfterMs`; 5xx answers, network failures and timeouts are retried with capped exponential
 * backoff with equal jitter, but only for calls that cannot create or bill anything twice.
 */
import { NetworkError, type StreamingAvatarError, TimeoutError } from '../errors.js';
import { ApiError, RateLimitError } from './errors.js';

/** How a client retries. Delays in milliseconds. */
export interface RetryPolicy {
  /** Retries after the first try (default 3). */
  maxRetries: number;
  /** First backoff delay in milliseconds before jitter (default 500 ms). */
  baseDelayMs: number;
  /** Largest backoff delay in milliseconds (default 8,000 ms). */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client waits out, in milliseconds (default 60,000 ms). A longer one
   * is not waited for: the call fails at once with the `rate_limited` error, which carries
   * `retryAfterMs` for the caller to decide.
   */
  maxRetryAfterMs: number;
}

/**
 * 3 retries, backoff from 500 ms doubling to at most 8,000 ms; a server's `Retry-After` of up to
 * 60 s wins over the backoff.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/**
 * How long to wait before retry number `retry` (0-based) after `error`, in milliseconds, or
 * `undefined` when the error must not be retried.
 * @param idempotent Whether repeating the call is safe (never for create_token, new, task).
 * @param random A source of numbers in [0, 1) for the jitter.
 */
export function retryDelayMs(
  error: StreamingAvatarError,
  retry: number,
  idempotent: boolean,
  policy: RetryPolicy,
  random: () => number,
): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  if (error instanceof RateLimitError) {
    if (error.retryAfterMs === undefined) return backoffMs(retry, policy, random);
    return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : undefined;
  }
  const transient =
    error instanceof NetworkError ||
    error instanceof TimeoutError ||
    (error instanceof ApiError && error.status >= 500);
  return transient && idempotent ? backoffMs(retry, policy, random) : undefined;
}

function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
