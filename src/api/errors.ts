/**
 * Errors from the answers of the Streaming API and LiveAvatar's API: {@link ApiError} and its
 * subclasses, picked by {@link ApiError.from} from the HTTP status and HeyGen's numeric code
 * (contract doc, "Error codes"). Kept apart from the toolkit's other errors so a page loads them
 * with the API clients, on the first start.
 */
import { type ErrorCode, StreamingAvatarError, type StreamingAvatarErrorOptions } from '../errors.js';

/** What the Streaming API answered: HTTP status, HeyGen's numeric code and message, the endpoint. */
export interface ApiErrorDetails extends StreamingAvatarErrorOptions {
  /** HTTP status of the response. */
  status: number;
  /** HeyGen's numeric `code` from the error envelope, when there was one. */
  serverCode?: number | undefined;
  /** HeyGen's `message` from the error envelope, when there was one. */
  serverMessage?: string | undefined;
  /** The endpoint path, e.g. `/v1/streaming.new`. */
  endpoint?: string | undefined;
}

/** Context that {@link ApiError.from} uses to write a message the user can act on. */
export interface ApiErrorContext {
  endpoint?: string;
  /** The avatar id sent with the request, named by {@link AvatarNotFoundError}. */
  avatarId?: string;
  /** The session id the request was about. */
  sessionId?: string;
  /** Who answered, for the message (default `HeyGen`). */
  service?: string;
}

const SESSION_STATE_BY_CODE: Record<number, SessionServerState> = {
  10001: 'new',
  10002: 'connecting',
  10003: 'connected',
  10004: 'closing',
  10005: 'closed',
};

/** The server-side session states HeyGen's 10001–10005 codes report (contract doc). */
export type SessionServerState = 'new' | 'connecting' | 'connected' | 'closing' | 'closed';

/** An error answer of the Streaming API. Use {@link ApiError.from} to build the right subclass. */
export class ApiError extends StreamingAvatarError {
  readonly status: number;
  readonly serverCode: number | undefined;
  readonly serverMessage: string | undefined;
  readonly endpoint: string | undefined;

  constructor(code: ErrorCode, message: string, details: ApiErrorDetails) {
    super(code, message, details);
    this.status = details.status;
    this.serverCode = details.serverCode;
    this.serverMessage = details.serverMessage;
    this.endpoint = details.endpoint;
  }

  /**
   * Builds the subclass that fits an error response.
   * @param status HTTP status.
   * @param body The parsed JSON body (`{code, message}` envelope), or anything else.
   * @param headers Response headers (`Retry-After` is read for 429).
   * @param context What the request was about, for the message.
   * @param nowMs Current time in milliseconds since the epoch, for HTTP-date `Retry-After`.
   */
  static from(
    status: number,
    body: unknown,
    headers: Headers,
    context: ApiErrorContext = {},
    nowMs: number = Date.now(),
  ): ApiError {
    const envelope = readEnvelope(body);
    const details: ApiErrorDetails = {
      status,
      serverCode: envelope.code,
      serverMessage: envelope.message,
      endpoint: context.endpoint,
    };
    const code = envelope.code;
    const service = context.service ?? 'HeyGen';
    const said = envelope.message ? ` (${service}: ${envelope.message})` : '';

    // HeyGen's numeric code decides first, the HTTP status second (contract Decision): a 429 may
    // be the concurrency or trial limit, which waiting does not lift.
    if (code === 10007 || code === 10014) return new ConcurrencyLimitError(details);
    if (code === 10012 || code === 10013) return new AvatarNotFoundError(details, context.avatarId);
    if (code === 10006) return new SessionNotFoundError(details, context.sessionId);
    if (code !== undefined && SESSION_STATE_BY_CODE[code]) {
      const state = SESSION_STATE_BY_CODE[code];
      return state === 'closed' ? new SessionClosedError(details) : new SessionStateError(details, state);
    }
    if (code === 400123 || code === 400140) {
      return new RateLimitError(details, parseRetryAfter(headers.get('retry-after'), nowMs));
    }
    if (code === 400599 || code === 10015) {
      return new PlanLimitError(
        code === 10015
          ? `The trial API limit is reached${said}. Upgrade the plan or wait for the monthly quota to reset.`
          : `This plan does not include the Streaming API${said}. Upgrade the plan to use it.`,
        details,
      );
    }
    if (status === 429) {
      return new RateLimitError(details, parseRetryAfter(headers.get('retry-after'), nowMs));
    }
    if (code === 40009) {
      return new AuthenticationError(
        `The API key was rejected${said}. Check the key the server uses to create session tokens.`,
        details,
      );
    }
    if (code === 400112 || code === 401057 || code === 401056 || status === 401 || status === 403) {
      return new AuthenticationError(
        `The session token was rejected${said}. Session tokens are single-use and short-lived: ` +
          'fetch a new one from your backend for each session, and never send an API key from a browser.',
        details,
      );
    }
    if (code === 40001 || code === 400175 || status === 400 || status === 422) {
      return new InvalidParameterError(`The request was rejected as invalid${said}.`, details);
    }
    if (status >= 500) {
      return new ServerError(`${service} answered HTTP ${status}${said}. Try again shortly.`, details);
    }
    return new ApiError('api_error', `${service} answered HTTP ${status}${said}.`, details);
  }
}

/** The account has no credits for the session (LiveAvatar's 402, contract §1 Decision). */
export class CreditsExhaustedError extends ApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super('budget_exhausted', message, details);
  }
}

/** Bad, expired or missing API key or session token (400112, 401056, 401057, 40009, HTTP 401/403). */
export class AuthenticationError extends ApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super('authentication', message, details);
  }
}

/** The plan or tier does not allow this (400599, 10015). */
export class PlanLimitError extends ApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super('plan_limit', message, details);
  }
}

/** Too many requests (HTTP 429, legacy 400123/400140; seeds 003/004). */
export class RateLimitError extends ApiError {
  /** How long the server asked to wait before the next try, in milliseconds; undefined when it did not say. */
  readonly retryAfterMs: number | undefined;

  /** @param target What refused the request, for the message (default the Streaming API). */
  constructor(details: ApiErrorDetails, retryAfterMs: number | undefined, target = 'the Streaming API') {
    const wait = retryAfterMs === undefined ? '' : ` Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
    super('rate_limited', `Too many requests to ${target}.${wait}`, details);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The account's concurrent session limit is reached (10007, or 10014 "session full"; seed 002: trial 3, API 100). */
export class ConcurrencyLimitError extends ApiError {
  constructor(details: ApiErrorDetails) {
    super(
      'concurrency_limit',
      'The concurrent session limit is reached. Stop a running session (or wait for one to time out) before starting another.',
      details,
    );
  }
}

/** The session is in a state that does not allow the call (10001–10004). */
export class SessionStateError extends ApiError {
  /** The state HeyGen reported. */
  readonly sessionState: SessionServerState;

  constructor(details: ApiErrorDetails, sessionState: SessionServerState, code: ErrorCode = 'session_state') {
    super(
      code,
      sessionState === 'closed'
        ? 'The session is closed (idle timeout, duration limit or stop). Start a new session.'
        : `The session is "${sessionState}" and cannot take this call yet.`,
      details,
    );
    this.sessionState = sessionState;
  }
}

/** The session is closed (10005): an idle timeout, the duration limit or a stop ended it. */
export class SessionClosedError extends SessionStateError {
  constructor(details: ApiErrorDetails) {
    super(details, 'closed', 'session_closed');
  }
}

/** No such session (10006). */
export class SessionNotFoundError extends ApiError {
  readonly sessionId: string | undefined;

  constructor(details: ApiErrorDetails, sessionId: string | undefined) {
    super(
      'session_not_found',
      `Session ${sessionId ? `"${sessionId}" ` : ''}was not found: it may have ended. Start a new session.`,
      details,
    );
    this.sessionId = sessionId;
  }
}

/** The avatar id is unknown (10012/10013). */
export class AvatarNotFoundError extends ApiError {
  /** The id that was rejected. */
  readonly avatarId: string | undefined;

  constructor(details: ApiErrorDetails, avatarId: string | undefined) {
    super(
      'avatar_not_found',
      `Avatar ${avatarId ? `"${avatarId}" ` : ''}was not found. List the available ids with listAvatars().`,
      details,
    );
    this.avatarId = avatarId;
  }
}

/** A missing or invalid parameter (40001, 400175, other HTTP 400s). */
export class InvalidParameterError extends ApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super('invalid_parameter', message, details);
  }
}

/** HeyGen failed (HTTP 5xx). */
export class ServerError extends ApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super('server_error', message, details);
  }
}

/**
 * Reads `Retry-After` (seeds 003/004): delay-seconds or an HTTP date.
 * @returns Milliseconds to wait, or undefined when the header is missing, unreadable, zero,
 *   negative or a date already past (the caller then backs off on its own).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  const ms = Number.isNaN(seconds) ? Date.parse(value) - nowMs : seconds * 1000;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function readEnvelope(body: unknown): { code?: number; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { code, message } = body as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'number' ? { code } : {}),
    ...(typeof message === 'string' && message !== '' ? { message } : {}),
  };
}
