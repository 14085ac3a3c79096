/**
 * Every error the toolkit throws is a {@link StreamingAvatarError} with a stable string `code`
 * to switch on. Errors from the APIs' answers are `ApiError`s (`src/api/errors.ts`).
 */

/** The stable codes callers switch on. */
export type ErrorCode =
  | 'authentication'
  | 'plan_limit'
  | 'budget_exhausted'
  | 'rate_limited'
  | 'concurrency_limit'
  | 'session_state'
  | 'session_closed'
  | 'session_not_found'
  | 'avatar_not_found'
  | 'invalid_parameter'
  | 'invalid_response'
  | 'server_error'
  | 'api_error'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'interrupted'
  | 'cancelled'
  | 'speech_source'
  | 'media'
  | 'microphone'
  | 'stop_failed'
  | 'token_endpoint'
  | 'configuration'
  | 'not_started';

/** Options every toolkit error accepts. */
export interface StreamingAvatarErrorOptions {
  cause?: unknown;
}

/** The root of every error the toolkit throws. `code` is stable across versions. */
export class StreamingAvatarError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: StreamingAvatarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** One way a response failed its schema: the field's dotted path and what was wrong. */
export interface ResponseIssue {
  path: string;
  message: string;
}

/** A response did not have the shape the contract promises. Names the first offending fields. */
export class InvalidResponseError extends StreamingAvatarError {
  readonly endpoint: string;
  readonly issues: readonly ResponseIssue[];

  constructor(endpoint: string, issues: readonly ResponseIssue[], options: StreamingAvatarErrorOptions = {}) {
    const listed = issues
      .slice(0, 3)
      .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
      .join('; ');
    const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
    super('invalid_response', `Unexpected response from ${endpoint}: ${listed}${more}`, options);
    this.endpoint = endpoint;
    this.issues = issues;
  }
}

/** The request never got an answer: offline, DNS, CORS or a dropped connection. */
export class NetworkError extends StreamingAvatarError {
  constructor(message: string, options: StreamingAvatarErrorOptions = {}) {
    super('network', message, options);
  }
}

/** The call took longer than its timeout. */
export class TimeoutError extends StreamingAvatarError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super('timeout', message);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted the operation (an `AbortSignal` or `stop()`). */
export class AbortError extends StreamingAvatarError {
  constructor(message = 'The operation was aborted.', options: StreamingAvatarErrorOptions = {}) {
    super('aborted', message, options);
  }
}

/** The media side (LiveKit room, tracks) failed. */
export class MediaError extends StreamingAvatarError {
  constructor(message: string, options: StreamingAvatarErrorOptions = {}) {
    super('media', message, options);
  }
}

/**
 * `streaming.stop` failed, so the server may still bill the session. The session keeps retrying
 * with backoff and stays `closing` until the server confirms; this error says so meanwhile.
 */
export class StopFailedError extends StreamingAvatarError {
  /** The session the server could not be told to stop. */
  readonly sessionId: string;

  constructor(sessionId: string, cause: unknown) {
    super(
      'stop_failed',
      `Session "${sessionId}" could not be stopped yet (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'retrying. It may keep billing until the server confirms the stop or its idle timeout ends it.',
      { cause },
    );
    this.sessionId = sessionId;
  }
}

/** An option given to a constructor is out of range or of the wrong kind. Thrown at construction. */
export class InvalidOptionError extends StreamingAvatarError {
  /** The option's name, e.g. `maxCredits`. */
  readonly option: string;

  constructor(option: string, expected: string, value: unknown) {
    super('invalid_parameter', `${option} must be ${expected}; got ${describeValue(value)}.`);
    this.option = option;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** An utterance did not finish: `interrupted` by `interrupt()` or a session end, or `cancelled` by `cancel(id)`. */
export class UtteranceError extends StreamingAvatarError {
  /** The utterance's id. */
  readonly utteranceId: string;

  constructor(code: 'interrupted' | 'cancelled', utteranceId: string, message: string) {
    super(code, message);
    this.utteranceId = utteranceId;
  }
}
