/**
 * One JSON call over `fetch`, shared by the providers' API clients: a per-attempt timeout, the
 * caller's `AbortSignal`, network failures told apart from error answers, and retries decided by
 * {@link retryDelayMs}. What an answer means (its envelope, its error codes) is the client's.
 */
import type * as z from 'zod/mini';
import {
  AbortError,
  InvalidResponseError,
  NetworkError,
  type ResponseIssue,
  StreamingAvatarError,
  TimeoutError,
} from '../errors.js';
import { type Clock, sleep, systemClock } from '../internal/clock.js';
import type { ApiError, ApiErrorContext } from './errors.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry.js';

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Per-attempt timeout in milliseconds; overrides the client's. `Infinity` waits as long as it takes. */
  timeoutMs?: number;
  /** `false` turns retries off for this call. */
  retry?: boolean;
}

/** One call: where, with what, and whether repeating it is safe. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON; `undefined` sends no body. */
  body?: object | undefined;
  /** Whether repeating the call is safe (never for calls that create or bill). */
  idempotent: boolean;
  context?: ApiErrorContext;
}

/** How a client's answers read: the error of a failed answer, the result of a successful one. */
export interface AnswerReader {
  /** The error for a non-2xx answer. */
  error(status: number, body: unknown, headers: Headers, context: ApiErrorContext, nowMs: number): ApiError;
}

/** What every API client takes beside its credentials and base URL. Times in milliseconds. */
export interface ApiClientOptions {
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
  /** Times the per-attempt timeout and the waits between retries (default the system clock). */
  clock?: Clock;
  /** Numbers in [0, 1) for retry jitter (default `Math.random`). */
  random?: () => number;
  /** Per-attempt timeout in milliseconds (default 15,000 ms). */
  timeoutMs?: number;
  /** Over {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
}

/** Settings of an {@link HttpCaller}: a client's options, its API's base URL, headers and answers. */
export interface HttpCallerOptions extends ApiClientOptions {
  /** Without a trailing slash. */
  baseUrl: string;
  headers: () => Record<string, string>;
  reader: AnswerReader;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class HttpCaller {
  /** The clock the client's calls are timed by. */
  readonly clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #retryPolicy: RetryPolicy;

  constructor(private readonly options: HttpCallerOptions) {
    this.clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /**
   * POSTs `body` to `path` with `fetch`'s `keepalive: true`, so it is delivered while the page
   * unloads. Fire and forget: nothing is awaited or retried.
   */
  postOnUnload(path: string, body: object): void {
    this.#fetch(this.url(path), {
      method: 'POST',
      headers: this.options.headers(),
      body: JSON.stringify(body),
      keepalive: true,
    }).catch(() => undefined);
  }

  /**
   * Makes the call, retrying as {@link retryDelayMs} decides; `decode` turns a 2xx answer's body
   * into the result (or throws).
   */
  async call<T>(
    spec: HttpCall,
    options: CallOptions,
    decode: (body: unknown, response: Response, context: ApiErrorContext) => T,
  ): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.#attempt(spec, options, decode);
      } catch (error) {
        if (!(error instanceof StreamingAvatarError) || options.retry === false) throw error;
        const delayMs = retryDelayMs(error, retry, spec.idempotent, this.#retryPolicy, this.#random);
        if (delayMs === undefined) throw error;
        await sleep(delayMs, this.clock, options.signal).catch((reason) => {
          throw new AbortError(`${spec.path} was aborted while waiting to retry.`, { cause: reason });
        });
      }
    }
  }

  /** The call's full URL; a relative base URL (a same-origin proxy path) resolves against the page. */
  url(path: string, query: HttpCall['query'] = {}): string {
    const url = new URL(`${this.options.baseUrl}${path}`, globalThis.location?.href);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async #attempt<T>(
    spec: HttpCall,
    options: CallOptions,
    decode: (body: unknown, response: Response, context: ApiErrorContext) => T,
  ): Promise<T> {
    if (options.signal?.aborted) {
      throw new AbortError(`${spec.path} was aborted.`, { cause: options.signal.reason });
    }
    const { clock } = this;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = Number.isFinite(timeoutMs)
      ? clock.setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs)
      : undefined;
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const context = { endpoint: spec.path, ...spec.context };
    try {
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(this.url(spec.path, spec.query), {
          method: spec.method,
          headers: this.options.headers(),
          signal: controller.signal,
          ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        });
        text = await response.text();
      } catch (cause) {
        if (timedOut)
          throw new TimeoutError(`${spec.path} did not answer within ${timeoutMs} ms.`, timeoutMs);
        if (options.signal?.aborted) throw new AbortError(`${spec.path} was aborted.`, { cause });
        throw new NetworkError(`${spec.path} could not be reached (${describe(cause)}).`, { cause });
      }
      const body = parseJson(text);
      if (!response.ok)
        throw this.options.reader.error(response.status, body, response.headers, context, clock.now());
      return decode(body, response, context);
    } finally {
      clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Checks `value` against `schema`.
 * @throws {InvalidResponseError} naming each field that does not match, under `prefix`.
 */
export function check<T>(endpoint: string, schema: z.ZodMiniType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ResponseIssue[] = result.error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: describeIssue(issue),
  }));
  throw new InvalidResponseError(endpoint, issues);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return issue.message;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
