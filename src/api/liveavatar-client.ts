/**
 * A typed client for LiveAvatar's API (`liveavatar-api.md`): the session calls a page makes with
 * its session token (start, keep-alive, stop), and the calls a server makes with its API key
 * (session tokens, session lists, stop). Every answer is checked against its zod schema; errors
 * follow the contract's Decision (§1).
 */
import * as z from 'zod/mini';
import {
  ApiError,
  type ApiErrorContext,
  type ApiErrorDetails,
  AuthenticationError,
  AvatarNotFoundError,
  CreditsExhaustedError,
  InvalidParameterError,
  parseRetryAfter,
  RateLimitError,
  ServerError,
  SessionNotFoundError,
} from './errors.js';
import { type ApiClientOptions, type CallOptions, check, HttpCaller } from './http.js';

/** LiveAvatar's API base URL (contract §1). */
export const LIVEAVATAR_API_BASE_URL = 'https://api.liveavatar.com';
/** The envelope's `code` of a successful answer (contract §1 Decision). */
const SUCCESS_CODE = 1000;

const envelopeSchema = z.looseObject({
  code: z.number(),
  data: z.unknown(),
  message: z.optional(z.string()),
});

const startedSchema = z.looseObject({
  session_id: z.string(),
  livekit_url: z.string(),
  livekit_client_token: z.string(),
  livekit_agent_token: z.optional(z.nullable(z.string())),
  max_session_duration: z.optional(z.nullable(z.number())),
  ws_url: z.optional(z.nullable(z.string())),
});
/** `POST /v1/sessions/start`'s `data`: the room, and for LITE the websocket. Seconds for the duration. */
export type LiveAvatarStartedSession = z.infer<typeof startedSchema>;

const tokenSchema = z.looseObject({ session_id: z.string(), session_token: z.string() });
/** `POST /v1/sessions/token`'s `data`. */
export type LiveAvatarSessionToken = z.infer<typeof tokenSchema>;

const sessionSummarySchema = z.looseObject({
  id: z.string(),
  mode: z.optional(z.string()),
  is_sandbox: z.optional(z.boolean()),
  duration: z.optional(z.nullable(z.number())),
  credits_consumed: z.optional(z.nullable(z.number())),
  end_reason: z.optional(z.nullable(z.string())),
});
/** One session of `GET /v1/sessions` (duration in seconds). */
export type LiveAvatarSessionSummary = z.infer<typeof sessionSummarySchema>;
const sessionListSchema = z.looseObject({
  count: z.number(),
  next: z.optional(z.nullable(z.string())),
  results: z.array(sessionSummarySchema),
});

/** How the client authenticates: the page's session token, or the server's API key. */
export type LiveAvatarCredentials = { sessionToken: string } | { apiKey: string };

/** Options of {@link LiveAvatarSessionClient} and {@link LiveAvatarApiClient}. Times in milliseconds. */
export interface LiveAvatarApiClientOptions extends ApiClientOptions {
  credentials: LiveAvatarCredentials;
  /** Defaults to {@link LIVEAVATAR_API_BASE_URL}; the emulator's `/liveavatar` in tests and the demo. */
  baseUrl?: string | undefined;
}

/**
 * The LiveAvatar API calls one session makes with its session token, in a page: start,
 * keep-alive, stop (contract `liveavatar-api.md`).
 *
 * Every method throws a `StreamingAvatarError`: an {@link ApiError} subclass for an error answer
 * (401/403 `authentication`, 404 `session_not_found` or `avatar_not_found`, 422
 * `invalid_parameter` naming the field, 402 `budget_exhausted`, 429 `rate_limited`),
 * `invalid_response` when an answer does not match the contract, or `network`, `timeout`,
 * `aborted`.
 */
export class LiveAvatarSessionClient {
  readonly baseUrl: string;
  protected readonly http: HttpCaller;

  constructor(private readonly options: LiveAvatarApiClientOptions) {
    this.baseUrl = (options.baseUrl ?? LIVEAVATAR_API_BASE_URL).replace(/\/+$/, '');
    this.http = new HttpCaller({
      ...options,
      baseUrl: this.baseUrl,
      headers: () => this.#headers(),
      reader: { error: liveAvatarError },
    });
  }

  /** Starts the token's session (`POST /v1/sessions/start`, 201): the room to join. Not retried. */
  startSession(options: CallOptions = {}): Promise<LiveAvatarStartedSession> {
    return this.call('POST', '/v1/sessions/start', undefined, false, startedSchema, options);
  }

  /** Resets the idle timeout (`POST /v1/sessions/keep-alive`). */
  async keepAlive(sessionId?: string, options: CallOptions = {}): Promise<void> {
    await this.call(
      'POST',
      '/v1/sessions/keep-alive',
      this.#sessionBody(sessionId),
      true,
      z.unknown(),
      options,
      {
        ...(sessionId === undefined ? {} : { sessionId }),
      },
    );
  }

  /** Stops a session (`POST /v1/sessions/stop`); `reason` one of the contract's end reasons (§2). */
  async stopSession(sessionId?: string, reason?: string, options: CallOptions = {}): Promise<void> {
    const body = { ...this.#sessionBody(sessionId), ...(reason === undefined ? {} : { reason }) };
    await this.call('POST', '/v1/sessions/stop', body, true, z.unknown(), options, {
      ...(sessionId === undefined ? {} : { sessionId }),
    });
  }

  /** Sends the stop with `fetch`'s `keepalive: true`, so it is delivered while the page unloads. */
  stopSessionOnUnload(sessionId?: string): void {
    this.http.postOnUnload('/v1/sessions/stop', this.#sessionBody(sessionId) ?? {});
  }

  #sessionBody(sessionId: string | undefined): Record<string, unknown> | undefined {
    return sessionId === undefined ? undefined : { session_id: sessionId };
  }

  protected call<T>(
    method: 'POST' | 'GET',
    path: string,
    body: object | undefined,
    idempotent: boolean,
    schema: z.ZodMiniType<T>,
    options: CallOptions,
    context: ApiErrorContext = {},
  ): Promise<T> {
    return this.http.call(
      { method, path, body, idempotent, context },
      options,
      (answer, _response, context) => check(path, schema, readData(answer, context), 'data'),
    );
  }

  #headers(): Record<string, string> {
    const { credentials } = this.options;
    return {
      accept: 'application/json',
      'content-type': 'application/json',
      ...('apiKey' in credentials
        ? { 'x-api-key': credentials.apiKey }
        : { authorization: `Bearer ${credentials.sessionToken}` }),
    };
  }
}

/**
 * The LiveAvatar API with an API key, on a server: the session's calls
 * ({@link LiveAvatarSessionClient}) plus creating sessions with their tokens and listing them.
 */
export class LiveAvatarApiClient extends LiveAvatarSessionClient {
  /**
   * Creates a session and its single-use session token (`POST /v1/sessions/token`, API key).
   * `request` is the contract's body (§2). Never retried on 5xx or network errors: each try could
   * create a session.
   */
  createSessionToken(
    request: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<LiveAvatarSessionToken> {
    const avatarId = typeof request.avatar_id === 'string' ? request.avatar_id : undefined;
    return this.call('POST', '/v1/sessions/token', request, false, tokenSchema, options, {
      ...(avatarId === undefined ? {} : { avatarId }),
    });
  }

  /**
   * Stores your model's API key with LiveAvatar (`POST /v1/secrets`, contract §10); it is never
   * answered back. Not retried: each try could store another secret.
   * @returns The secret's id, for {@link createLlmConfiguration}.
   */
  async createSecret(name: string, value: string, options: CallOptions = {}): Promise<string> {
    const body = { secret_type: 'LLM_API_KEY', secret_value: value, secret_name: name };
    const schema = z.looseObject({ secret_id: z.string() });
    return (await this.call('POST', '/v1/secrets', body, false, schema, options)).secret_id;
  }

  /**
   * Points FULL sessions at your own OpenAI-compatible model (`POST /v1/llm_configurations`,
   * contract §10): LiveAvatar calls `<baseUrl>/v1/chat/completions` with the secret as the Bearer
   * key. Not retried: each try could create another configuration.
   * @returns The configuration's id, for the session token's `llm_configuration_id`.
   */
  async createLlmConfiguration(
    configuration: { displayName: string; modelName: string; secretId: string; baseUrl: string },
    options: CallOptions = {},
  ): Promise<string> {
    const body = {
      display_name: configuration.displayName,
      model_name: configuration.modelName,
      secret_id: configuration.secretId,
      base_url: configuration.baseUrl,
    };
    const schema = z.looseObject({ id: z.string() });
    return (await this.call('POST', '/v1/llm_configurations', body, false, schema, options)).id;
  }

  /** One page of the key's sessions (`GET /v1/sessions`, API key): running ones, or ended ones. */
  listSessions(
    type: 'active' | 'historic',
    page = 1,
    options: CallOptions = {},
  ): Promise<{ count: number; results: LiveAvatarSessionSummary[] }> {
    return this.http.call(
      { method: 'GET', path: '/v1/sessions', query: { type, page, page_size: 100 }, idempotent: true },
      options,
      (body, _response, context) =>
        check(context.endpoint ?? '', sessionListSchema, readData(body, context), 'data'),
    );
  }
}

/** The `data` of a successful envelope. @throws {ApiError} when `code` is not 1000. */
function readData(body: unknown, context: ApiErrorContext): unknown {
  const envelope = check(context.endpoint ?? '', envelopeSchema, body, '');
  if (envelope.code !== SUCCESS_CODE) {
    throw new ApiError('api_error', `LiveAvatar answered code ${envelope.code}: ${envelope.message ?? ''}`, {
      status: 200,
      serverCode: envelope.code,
      serverMessage: envelope.message,
      endpoint: context.endpoint,
    });
  }
  return envelope.data;
}

/** The error of a failed LiveAvatar answer (contract §1 Decision). */
export function liveAvatarError(
  status: number,
  body: unknown,
  headers: Headers,
  context: ApiErrorContext,
  nowMs: number,
): ApiError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const data =
    typeof record.data === 'object' && record.data !== null ? (record.data as Record<string, unknown>) : {};
  const message =
    typeof record.message === 'string'
      ? record.message
      : typeof data.message === 'string'
        ? data.message
        : undefined;
  const details: ApiErrorDetails = {
    status,
    serverCode: typeof record.code === 'number' ? record.code : undefined,
    serverMessage: message,
    endpoint: context.endpoint,
  };
  const said = message ? ` (LiveAvatar: ${message})` : '';
  if (status === 422) {
    const [first] = Array.isArray(record.detail) ? (record.detail as { loc?: unknown; msg?: unknown }[]) : [];
    const field = Array.isArray(first?.loc)
      ? first.loc.filter((part) => part !== 'body').join('.')
      : undefined;
    const reason = typeof first?.msg === 'string' ? first.msg : 'invalid';
    return new InvalidParameterError(
      `LiveAvatar rejected the request: ${field ? `${field}: ` : ''}${reason}.`,
      { ...details, serverMessage: reason },
    );
  }
  if (status === 401 || status === 403) {
    return new AuthenticationError(
      `LiveAvatar rejected the credentials${said}. Session tokens are single-use: fetch a new one from ` +
        'your backend for each session; API keys stay on the server (HeyGen keys do not work on LiveAvatar).',
      details,
    );
  }
  if (status === 404) {
    return context.avatarId !== undefined && context.endpoint === '/v1/sessions/token'
      ? new AvatarNotFoundError(details, context.avatarId)
      : new SessionNotFoundError(details, context.sessionId);
  }
  if (status === 402)
    return new CreditsExhaustedError(`LiveAvatar has no credits left for this session${said}.`, details);
  if (status === 429)
    return new RateLimitError(details, parseRetryAfter(headers.get('retry-after'), nowMs), 'LiveAvatar');
  if (status >= 500)
    return new ServerError(`LiveAvatar answered HTTP ${status}${said}. Try again shortly.`, details);
  if (status === 400) return new InvalidParameterError(`LiveAvatar rejected the request${said}.`, details);
  return new ApiError('api_error', `LiveAvatar answered HTTP ${status}${said}.`, details);
}
