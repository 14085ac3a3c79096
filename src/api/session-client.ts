/**
 * The HeyGen Streaming API calls one session makes (contract doc: `heygen-streaming-api.md`):
 * what a page downloads. {@link StreamingApiClient} adds the account's calls. Every response is
 * checked against its zod schema; every call takes an `AbortSignal` and a timeout; retries follow
 * {@link retryDelayMs}.
 */
import * as z from 'zod/mini';
import { InvalidResponseError } from '../errors.js';
import { ApiError, type ApiErrorContext } from './errors.js';
import { type ApiClientOptions, type CallOptions, check, HttpCaller } from './http.js';

export type { CallOptions } from './http.js';

import {
  type NewSession,
  type NewSessionRequest,
  newSessionSchema,
  successEnvelopeSchema,
  type Task,
  type TaskMode,
  type TaskType,
  taskSchema,
} from './schemas.js';

/** HeyGen's API base URL (contract doc, "Conventions"). */
export const HEYGEN_API_BASE_URL = 'https://api.heygen.com';

/**
 * How the client authenticates: a single-use session token (browsers) or an API key (servers
 * only: an API key must never reach a browser).
 */
export type ApiCredentials = { sessionToken: string } | { apiKey: string };

/** Options of {@link StreamingSessionClient} and {@link StreamingApiClient}. Times in milliseconds. */
export interface StreamingApiClientOptions extends ApiClientOptions {
  credentials: ApiCredentials;
  /**
   * Defaults to {@link HEYGEN_API_BASE_URL}; point it at the emulator in tests. In a page it may be
   * a path on the page's own origin (`/heygen`) that a proxy forwards.
   */
  baseUrl?: string | undefined;
}

/** Arguments of {@link StreamingSessionClient.sendTask}. */
export interface SendTaskArgs {
  sessionId: string;
  /** At most 1,000 characters for `repeat` (seed 000); use `chunkText` for longer text. */
  text: string;
  /** `repeat` speaks the text verbatim; `talk` lets HeyGen's LLM answer it. Default `repeat`. */
  taskType?: TaskType;
  /** `async` (default) answers at once; `sync` when the speech ends. */
  taskMode?: TaskMode;
}

/** One call: its endpoint, body or query, the schema its answer must match. */
export interface RequestSpec<T> {
  method: 'GET' | 'POST';
  path: string;
  body?: object;
  query?: Record<string, string | number | undefined>;
  schema: z.ZodMiniType<T>;
  /** Whether repeating the call is safe (never for calls that create or bill). */
  idempotent: boolean;
  context?: ApiErrorContext;
  /** The schema reads the whole body rather than the envelope's `data` (the envelope is still checked). */
  bare?: boolean;
}

/**
 * One method per Streaming API endpoint a session uses (create, start, task, interrupt,
 * keep-alive, stop, listening).
 *
 * Every method throws a {@link StreamingAvatarError}: an {@link ApiError} subclass for an error
 * answer, {@link InvalidResponseError} when a response does not match the contract,
 * {@link NetworkError}, {@link TimeoutError} or {@link AbortError}.
 */
export class StreamingSessionClient {
  readonly baseUrl: string;
  protected readonly credentials: ApiCredentials;
  readonly #http: HttpCaller;

  constructor(options: StreamingApiClientOptions) {
    this.credentials = options.credentials;
    this.baseUrl = (options.baseUrl ?? HEYGEN_API_BASE_URL).replace(/\/+$/, '');
    this.#http = new HttpCaller({
      ...options,
      baseUrl: this.baseUrl,
      headers: () => this.#headers(),
      reader: {
        error: (status, body, headers, context, nowMs) =>
          ApiError.from(status, body, headers, context, nowMs),
      },
    });
  }

  /** Creates a session (`POST /v1/streaming.new`). Never retried on 5xx or network errors. */
  newSession(request: NewSessionRequest, options: CallOptions = {}): Promise<NewSession> {
    const avatarId = request.avatar_id ?? request.avatar_name;
    return this.request(
      {
        method: 'POST',
        path: '/v1/streaming.new',
        body: request,
        schema: newSessionSchema,
        idempotent: false,
        context: avatarId === undefined ? {} : { avatarId },
      },
      options,
    );
  }

  /** Puts the avatar into the LiveKit room (`POST /v1/streaming.start`). */
  async startSession(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.start', sessionId, options);
  }

  /**
   * Sends a task (`POST /v1/streaming.task`). Never retried on 5xx or network errors (a repeat
   * would speak twice). `duration_ms` of the result is the expected speech length in milliseconds.
   */
  sendTask(args: SendTaskArgs, options: CallOptions = {}): Promise<Task> {
    return this.request(
      {
        method: 'POST',
        path: '/v1/streaming.task',
        body: {
          session_id: args.sessionId,
          text: args.text,
          task_type: args.taskType ?? 'repeat',
          task_mode: args.taskMode ?? 'async',
        },
        schema: taskSchema,
        idempotent: false,
        context: { sessionId: args.sessionId },
      },
      options,
    );
  }

  /** Stops the current speech at once (`POST /v1/streaming.interrupt`). */
  async interrupt(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.interrupt', sessionId, options);
  }

  /** Resets the idle-timeout countdown (`POST /v1/streaming.keep_alive`). */
  async keepAlive(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.keep_alive', sessionId, options);
  }

  /** Closes the session; billing stops here (`POST /v1/streaming.stop`). */
  async stopSession(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.stop', sessionId, options);
  }

  /**
   * Sends `streaming.stop` with `fetch`'s `keepalive: true`, so it is delivered while the page
   * unloads. Fire and forget: nothing is awaited or retried.
   */
  stopSessionOnUnload(sessionId: string): void {
    this.#http.postOnUnload('/v1/streaming.stop', { session_id: sessionId });
  }

  /** Puts the avatar in its listening pose (`POST /v1/streaming.start_listening`). */
  async startListening(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.start_listening', sessionId, options);
  }

  /** Takes the avatar out of its listening pose (`POST /v1/streaming.stop_listening`). */
  async stopListening(sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.#sessionCall('/v1/streaming.stop_listening', sessionId, options);
  }

  #sessionCall(path: string, sessionId: string, options: CallOptions): Promise<unknown> {
    return this.request(
      {
        method: 'POST',
        path,
        body: { session_id: sessionId },
        schema: anyData,
        idempotent: true,
        context: { sessionId },
      },
      options,
    );
  }

  #headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'application/json',
      ...('apiKey' in this.credentials
        ? { 'x-api-key': this.credentials.apiKey }
        : { authorization: `Bearer ${this.credentials.sessionToken}` }),
    };
  }

  protected request<T>(spec: RequestSpec<T>, options: CallOptions): Promise<T> {
    return this.#http.call(
      { ...spec, body: spec.method === 'POST' ? (spec.body ?? {}) : undefined },
      options,
      (body, response, context) => this.#parseSuccess(spec, body, response, context),
    );
  }

  #parseSuccess<T>(spec: RequestSpec<T>, body: unknown, response: Response, context: ApiErrorContext): T {
    if (body === undefined) {
      throw new InvalidResponseError(spec.path, [{ path: '', message: 'the body is not JSON' }]);
    }
    const envelope = check(spec.path, successEnvelopeSchema, body, '');
    if (envelope.code !== undefined && envelope.code !== 100) {
      throw ApiError.from(response.status, body, response.headers, context, this.#http.clock.now());
    }
    // `{error: {code, message}, data: null}`: the other published envelope, failing.
    if (envelope.error !== undefined && envelope.error !== null) {
      throw ApiError.from(response.status, envelope.error, response.headers, context, this.#http.clock.now());
    }
    if (spec.bare) return check(spec.path, spec.schema, body, '');
    return check(spec.path, spec.schema, envelope.data, 'data');
  }
}

/** Any `data`: for calls whose answer carries nothing to read. */
export const anyData = z.unknown();
