/**
 * The emulator's HTTP API: every endpoint of the contract doc (`heygen-streaming-api.md`) with
 * HeyGen's envelopes, auth, status codes and error codes, plus the `/_emulator/` control
 * endpoints when faults are enabled.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Account, SECONDS_PER_CREDIT } from './accounts.js';
import { AVATARS } from './avatars.js';
import { IDLE_TIMEOUT_SECONDS, MAX_REPEAT_TEXT_CHARS, QUALITY_PRESETS, type Quality } from './contract.js';
import { heygenDialect } from './dialect.js';
import type { Faults } from './faults.js';
import { HttpError, readJson, requestUrl, send, setCors, WholeBody } from './http.js';
import type { MediaBackend } from './media.js';
import { EmulatedSession, newId, type SessionSettings, type SessionStatus } from './sessions.js';

const closedError = () => new HttpError(400, 10005, 'session state wrong: closed');
/**
 * `streaming.start` / `streaming.stop` answer both published shapes at once (contract Decision),
 * with no `data` (neither shape has one).
 */
const SUCCESS_WITH_STATUS = new WholeBody({ code: 100, message: 'success', status: 'success' });
const STATE_CODES = {
  new: 10001,
  connecting: 10002,
  connected: 10003,
  closing: 10004,
  closed: 10005,
} as const;

interface KnowledgeBaseRecord {
  id: string;
  name: string;
  opening: string;
  prompt: string;
  created_at: number;
}

/** What one request resolved to: the caller's account and, with a session token, its bound session. */
interface Caller {
  account: Account;
  token?: TokenRecord;
}

interface TokenRecord {
  account: Account;
  sessionId: string | undefined;
}

/** Emulator-wide state shared by the endpoints. */
export interface ApiState {
  accounts: Map<string, Account>;
  media: MediaBackend;
  faults: Faults | undefined;
  /** Requests per second allowed per key; undefined for no limit. */
  rateLimitPerSecond: number | undefined;
  /** Overrides the tier's session length cap, in seconds. */
  sessionDurationLimitSeconds: number | undefined;
  /** How many times faster than real time sessions' timers and billed time run. */
  timeScale: number;
  log: (line: string) => void;
}

type Handler = (request: ParsedRequest) => Promise<unknown> | unknown;

interface ParsedRequest {
  /** `http://127.0.0.1:<port>`, as the caller reached the emulator. */
  baseUrl: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export class StreamingApi {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly sessions = new Map<string, EmulatedSession>();
  readonly history: EmulatedSession[] = [];
  readonly #knowledgeBases = new Map<string, KnowledgeBaseRecord>();
  readonly #requestTimes = new Map<string, number[]>();
  readonly #routes: Record<string, Handler>;

  constructor(private readonly state: ApiState) {
    this.#routes = {
      'POST /v1/streaming.create_token': (request) =>
        new WholeBody({ error: null, data: this.#createToken(request) }),
      'POST /v1/streaming.new': (request) => this.#newSession(request),
      'POST /v1/streaming.start': (request) => this.#start(request),
      'POST /v1/streaming.task': (request) => this.#task(request),
      'POST /v1/streaming.interrupt': (request) =>
        this.#withSession(request, (session) => session.interrupt()),
      'POST /v1/streaming.keep_alive': (request) => this.#withSession(request, (session) => session.touch()),
      'POST /v1/streaming.stop': (request) => this.#stop(request),
      'POST /v1/streaming.start_listening': (request) =>
        this.#withSession(request, (session) => {
          session.listening = true;
          session.touch();
        }),
      'POST /v1/streaming.stop_listening': (request) =>
        this.#withSession(request, (session) => {
          session.listening = false;
        }),
      'GET /v1/streaming.list': (request) => this.#listActive(request),
      'GET /v2/streaming.list': (request) => this.#listHistory(request),
      'GET /v1/streaming/avatar.list': (request) => {
        this.#accountCaller(request);
        return AVATARS;
      },
      'GET /v1/streaming/knowledge_base/list': (request) => {
        this.#accountCaller(request);
        return { list: [...this.#knowledgeBases.values()] };
      },
      'POST /v1/streaming/knowledge_base/create': (request) => this.#createKnowledgeBase(request),
      'GET /v2/user/remaining_quota': (request) => {
        const account = this.#accountCaller(request);
        const remaining = account.remainingCredits(this.runningSeconds(account));
        return new WholeBody({
          error: null,
          data: {
            remaining_quota: Math.floor(remaining * SECONDS_PER_CREDIT),
            details: {
              api: account.tier === 'api' ? remaining : 0,
              trial: account.tier === 'trial' ? remaining : 0,
            },
          },
        });
      },
    };
  }

  /** Handles one HTTP request. */
  async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    setCors(response);
    if (incoming.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    let status = 200;
    let note = '';
    let path = incoming.url ?? '/';
    try {
      const url = requestUrl(incoming);
      path = url.pathname;
      const request: ParsedRequest = {
        baseUrl: `http://127.0.0.1:${incoming.socket.localPort}`,
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: await readJson(incoming),
      };
      if (request.path.startsWith('/_emulator/')) {
        if (!this.state.faults)
          throw new HttpError(404, 404, 'Control endpoints are off; start the emulator with --faults.');
        send(response, 200, await this.state.faults.handle(request.method, request.path, request.body, this));
        return;
      }
      await this.state.faults?.before(request.path);
      this.#rateLimit(request);
      const handler = this.#routeFor(request);
      const data = await handler(request);
      if (data instanceof WholeBody) send(response, 200, data.body);
      // Calls that answer nothing (interrupt, keep_alive, listening) carry no `data` field.
      else
        send(
          response,
          200,
          data === undefined ? { code: 100, message: 'success' } : { code: 100, message: 'success', data },
        );
      note = describeResult(data instanceof WholeBody ? data.body.data : data);
    } catch (error) {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(500, 500, `emulator error: ${(error as Error).message}`);
      status = failure.status;
      note = `${failure.code} ${failure.message}`;
      if (!response.headersSent)
        send(response, failure.status, { code: failure.code, message: failure.message }, failure.headers);
    } finally {
      this.state.log(`${incoming.method} ${path} ${status} ${Date.now() - started}ms ${note}`.trimEnd());
    }
  }

  #routeFor(request: ParsedRequest): Handler {
    const route = this.#routes[`${request.method} ${request.path}`];
    if (route) return route;
    const kb = request.path.match(/^\/v1\/streaming\/knowledge_base\/([^/]+)(\/delete)?$/);
    if (kb && request.method === 'POST') {
      return kb[2]
        ? () => this.#deleteKnowledgeBase(request, kb[1]!)
        : () => this.#updateKnowledgeBase(request, kb[1]!);
    }
    throw new HttpError(404, 404, `No endpoint ${request.method} ${request.path}.`);
  }

  #createToken(request: ParsedRequest) {
    const apiKey = header(request, 'x-api-key');
    const account = apiKey === undefined ? undefined : this.state.accounts.get(apiKey);
    if (!account) throw new HttpError(401, 40009, 'invalid credentials: unknown API key');
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, { account, sessionId: undefined });
    return { token };
  }

  async #newSession(request: ParsedRequest) {
    const caller = this.#caller(request);
    if (caller.token?.sessionId !== undefined) {
      throw new HttpError(
        401,
        400112,
        'Unauthorized: this session token was already used; tokens are single-use',
      );
    }
    const { account } = caller;
    const settings = this.#sessionSettings(request.body, account);
    const active = [...this.sessions.values()].filter(
      (session) => session.account === account && session.active,
    );
    if (active.length >= account.limits.concurrentSessions) {
      throw new HttpError(
        429,
        10007,
        `concurrent limit reached (${account.limits.concurrentSessions} sessions)`,
      );
    }
    if (account.streamedSeconds >= account.limits.monthlySeconds) {
      throw new HttpError(429, 10015, 'trial API limit reached: 300 streaming minutes this month');
    }
    if (account.remainingCredits(this.runningSeconds(account)) <= 0) {
      throw new HttpError(429, 10015, 'no credits left on this API key');
    }
    const session = new EmulatedSession(
      account,
      settings,
      this.state.media,
      (closed) => {
        this.sessions.delete(closed.id);
        this.history.push(closed);
      },
      this.state.log,
    );
    if (caller.token) caller.token.sessionId = session.id;
    this.sessions.set(session.id, session);
    const room = await this.state.media.createRoom(session.roomName, newId('viewer-'));
    // The shape of a real answer (contract doc, "Response shapes as published").
    return {
      session_id: session.id,
      sdp: null,
      access_token: room.viewerToken,
      url: room.url,
      ice_servers: null,
      ice_servers2: null,
      is_paid: account.tier === 'api',
      session_duration_limit: settings.durationLimitSeconds,
      realtime_endpoint: `${request.baseUrl.replace(/^http/, 'ws')}/v1/ws/streaming.chat?session_id=${session.id}`,
      livekit_agent_token: room.agentToken,
    };
  }

  #sessionSettings(body: Record<string, unknown>, account: Account): SessionSettings {
    const avatarId =
      optionalString(body, 'avatar_id') ?? optionalString(body, 'avatar_name') ?? AVATARS[0]!.avatar_id;
    const avatar = AVATARS.find((candidate) => candidate.avatar_id === avatarId);
    if (!avatar) throw new HttpError(403, 10013, `avatar not found or not allowed: ${avatarId}`);
    const quality = (body.quality ?? 'low') as Quality;
    if (!(quality in QUALITY_PRESETS))
      throw invalid(`quality must be low, medium or high, not ${JSON.stringify(quality)}`);
    if (body.version !== undefined && body.version !== 'v2')
      throw invalid('version must be "v2" (v1 was retired on 2025-02-28)');
    const encoding = body.video_encoding ?? 'H264';
    if (encoding !== 'H264' && encoding !== 'VP8') throw invalid('video_encoding must be H264 or VP8');
    const idle = body.activity_idle_timeout ?? IDLE_TIMEOUT_SECONDS.default;
    if (
      typeof idle !== 'number' ||
      !Number.isInteger(idle) ||
      idle < IDLE_TIMEOUT_SECONDS.min ||
      idle > IDLE_TIMEOUT_SECONDS.max
    ) {
      throw invalid(
        `activity_idle_timeout must be a whole number of seconds from ${IDLE_TIMEOUT_SECONDS.min} to ${IDLE_TIMEOUT_SECONDS.max}`,
      );
    }
    const voice = (typeof body.voice === 'object' && body.voice !== null ? body.voice : {}) as Record<
      string,
      unknown
    >;
    const rate = voice.rate ?? 1;
    if (typeof rate !== 'number' || rate <= 0 || rate > 3)
      throw invalid('voice.rate must be a number from 0 to 3');
    const knowledgeBaseId = optionalString(body, 'knowledge_base_id');
    const knowledgeBase =
      knowledgeBaseId === undefined ? undefined : this.#knowledgeBases.get(knowledgeBaseId);
    if (knowledgeBaseId !== undefined && !knowledgeBase)
      throw invalid(`knowledge base ${knowledgeBaseId} not found`);
    return {
      avatarId,
      quality,
      voiceRate: rate,
      voiceName: optionalString(voice, 'voice_id') ?? avatar.default_voice,
      knowledgeBase: optionalString(body, 'knowledge_base') ?? knowledgeBase?.prompt,
      idleTimeoutSeconds: idle,
      durationLimitSeconds:
        this.state.faults?.sessionLimitSeconds ??
        this.state.sessionDurationLimitSeconds ??
        account.limits.sessionSeconds,
      videoCodec: encoding,
      dialect: heygenDialect,
      timeScale: this.state.timeScale,
    };
  }

  async #start(request: ParsedRequest) {
    const session = this.#sessionFor(request);
    if (session.status !== 'new')
      throw new HttpError(400, STATE_CODES[session.status], `session state wrong: ${session.status}`);
    await session.start();
    return SUCCESS_WITH_STATUS;
  }

  async #task(request: ParsedRequest) {
    const session = this.#sessionFor(request);
    if (session.status !== 'connected') {
      throw new HttpError(400, STATE_CODES[session.status], `session state wrong: ${session.status}`);
    }
    const text = request.body.text;
    if (typeof text !== 'string' || text.trim() === '')
      throw new HttpError(400, 40001, 'missing parameter: text');
    const taskType = request.body.task_type ?? 'repeat';
    if (taskType !== 'repeat' && taskType !== 'talk' && taskType !== 'chat') {
      throw invalid('task_type must be repeat or talk');
    }
    if (taskType === 'repeat' && text.length > MAX_REPEAT_TEXT_CHARS) {
      throw invalid(
        `text is ${text.length} characters; repeat tasks take at most ${MAX_REPEAT_TEXT_CHARS} characters`,
      );
    }
    // The reference's default is sync: the call answers once the speech has ended.
    const mode = request.body.task_mode ?? 'sync';
    if (mode !== 'sync' && mode !== 'async') throw invalid('task_mode must be sync or async');
    const result = await session.task(text, taskType === 'repeat' ? 'repeat' : 'talk');
    if (mode === 'sync') await result.spoken;
    return { task_id: result.taskId, duration_ms: result.durationMs };
  }

  async #stop(request: ParsedRequest) {
    const session = this.#sessionFor(request);
    await session.close('user');
    return SUCCESS_WITH_STATUS;
  }

  #withSession(request: ParsedRequest, action: (session: EmulatedSession) => void) {
    const session = this.#sessionFor(request);
    if (session.status !== 'connected' && session.status !== 'new') {
      throw new HttpError(400, STATE_CODES[session.status], `session state wrong: ${session.status}`);
    }
    action(session);
  }

  #listActive(request: ParsedRequest) {
    const account = this.#accountCaller(request);
    const sessions = [...this.sessions.values()]
      .filter((session) => session.account === account && session.active)
      .map((session) => ({
        session_id: session.id,
        status: session.status,
        created_at: Math.floor(session.createdAt / 1000),
      }));
    return { sessions };
  }

  #listHistory(request: ParsedRequest) {
    const account = this.#accountCaller(request);
    const pageSize = Math.min(100, Math.max(1, Number(request.query.get('page_size') ?? 100) || 100));
    const token = request.query.get('token');
    const page = token
      ? Number(Buffer.from(token, 'base64url').toString())
      : Number(request.query.get('page') ?? 1) || 1;
    const from = parseDate(request.query.get('date_from'));
    const to = parseDate(request.query.get('date_to'));
    const hasStatus = statusFilter(request.query.get('status'));
    // Every session, running or ended, newest first (HeyGen: "a list of all sessions").
    const all = [...this.history, ...this.sessions.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .filter((session) => session.account === account && hasStatus(session.status))
      .filter(
        (session) =>
          (from === undefined || session.createdAt >= from) && (to === undefined || session.createdAt <= to),
      );
    const slice = all.slice((page - 1) * pageSize, page * pageSize);
    const hasMore = page * pageSize < all.length;
    // The reference's shape: the sessions in `data[]`, the paging beside it (contract Decision).
    return new WholeBody({
      code: 100,
      message: 'success',
      total: all.length,
      page,
      page_size: pageSize,
      next_pagination_token: hasMore ? Buffer.from(String(page + 1)).toString('base64url') : '',
      data: slice.map((session) => ({
        session_id: session.id,
        status: session.status,
        created_at: Math.floor(session.createdAt / 1000),
        api_key_type: session.account.tier === 'trial' ? 'trial' : 'api',
        duration: Math.round(session.streamedSeconds),
        avatar_id: session.settings.avatarId,
        voice_name: session.settings.voiceName,
      })),
    });
  }

  #createKnowledgeBase(request: ParsedRequest) {
    this.#accountCaller(request);
    const name = optionalString(request.body, 'name');
    if (!name) throw new HttpError(400, 40001, 'missing parameter: name');
    const record: KnowledgeBaseRecord = {
      id: newId('kb-'),
      name,
      opening: optionalString(request.body, 'opening') ?? '',
      prompt: optionalString(request.body, 'prompt') ?? '',
      created_at: Math.floor(Date.now() / 1000),
    };
    this.#knowledgeBases.set(record.id, record);
    return { id: record.id };
  }

  #updateKnowledgeBase(request: ParsedRequest, id: string) {
    this.#accountCaller(request);
    const record = this.#knowledgeBases.get(id);
    if (!record) throw invalid(`knowledge base ${id} not found`);
    for (const field of ['name', 'opening', 'prompt'] as const) {
      const value = optionalString(request.body, field);
      if (value !== undefined) record[field] = value;
    }
    return null;
  }

  #deleteKnowledgeBase(request: ParsedRequest, id: string) {
    this.#accountCaller(request);
    if (!this.#knowledgeBases.delete(id)) throw invalid(`knowledge base ${id} not found`);
    return null;
  }

  /** The active session `sessionId` when `token` is the session token that created it (voice-chat socket). */
  sessionForToken(sessionId: string | null, token: string | null): EmulatedSession | undefined {
    const record = token ? this.#tokens.get(token) : undefined;
    if (!record || !sessionId || record.sessionId !== sessionId) return undefined;
    const session = this.sessions.get(sessionId);
    return session?.active ? session : undefined;
  }

  /** The session a request names, after checking the caller may act on it. */
  #sessionFor(request: ParsedRequest): EmulatedSession {
    const caller = this.#caller(request);
    const sessionId = optionalString(request.body, 'session_id');
    if (!sessionId) throw new HttpError(401, 400112, 'Unauthorized: missing session_id');
    const session = this.sessions.get(sessionId) ?? this.history.find((closed) => closed.id === sessionId);
    if (!session) throw new HttpError(404, 10006, 'session not found');
    if (caller.token && caller.token.sessionId !== sessionId) {
      throw new HttpError(401, 400112, 'Unauthorized: this session token belongs to another session');
    }
    if (!caller.token && session.account !== caller.account)
      throw new HttpError(404, 10006, 'session not found');
    if (session.status === 'closed') throw closedError();
    return session;
  }

  /**
   * The account of a call that acts on the account rather than one session (the catalogue, the
   * session lists, the quota, knowledge bases): only an API key may make it.
   */
  #accountCaller(request: ParsedRequest): Account {
    const caller = this.#caller(request);
    if (caller.token) {
      throw new HttpError(
        401,
        400112,
        'Unauthorized: a session token acts only on its own session; this call needs the API key (x-api-key)',
      );
    }
    return caller.account;
  }

  /** Who is calling: an API key (`x-api-key`) or a session token (`Authorization: Bearer`). */
  #caller(request: ParsedRequest): Caller {
    const apiKey = header(request, 'x-api-key');
    if (apiKey !== undefined) {
      const account = this.state.accounts.get(apiKey);
      if (!account) throw new HttpError(401, 40009, 'invalid credentials: unknown API key');
      return { account };
    }
    const bearer = header(request, 'authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!bearer)
      throw new HttpError(
        401,
        400112,
        'Unauthorized: send a session token (Authorization: Bearer) or an API key',
      );
    const token = this.#tokens.get(bearer);
    if (!token) throw new HttpError(401, 400112, 'Unauthorized: unknown session token');
    return { account: token.account, token };
  }

  #rateLimit(request: ParsedRequest): void {
    const limit = this.state.rateLimitPerSecond;
    if (limit === undefined) return;
    const key = header(request, 'x-api-key') ?? header(request, 'authorization') ?? 'anonymous';
    const now = Date.now();
    const recent = (this.#requestTimes.get(key) ?? []).filter((time) => now - time < 1000);
    if (recent.length >= limit) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + 1000 - now) / 1000));
      throw new HttpError(429, 400123, 'Exceed rate limit', { 'retry-after': String(retryAfter) });
    }
    recent.push(now);
    this.#requestTimes.set(key, recent);
  }

  /** Seconds each running session of `account` has streamed so far. */
  runningSeconds(account: Account): number[] {
    return [...this.sessions.values()]
      .filter((session) => session.account === account && session.startedAt !== undefined && session.active)
      .map((session) => session.streamedSeconds);
  }

  /** Ends the running sessions of accounts whose credits ran out; called every second. */
  enforceCredits(): void {
    for (const account of this.state.accounts.values()) {
      const running = this.runningSeconds(account);
      if (running.length === 0 || account.remainingCredits(running) > 0) continue;
      for (const session of this.sessions.values()) {
        if (session.account === account && session.active) void session.close('credits_exhausted');
      }
    }
  }

  /** Closes every session (emulator shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.close('emulator')));
  }
}

function invalid(message: string): HttpError {
  return new HttpError(400, 400175, `invalid parameter: ${message}`);
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function header(request: ParsedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseDate(value: string | null): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw invalid(`date ${value} is not YYYY-MM-DDTHH:MM:SSZ`);
  return time;
}

/**
 * The history's `status` filter (HeyGen's changelog: "optional filtering by … status"): a
 * session status, or `active` for those still running (new, connecting, connected), as
 * `/v1/streaming.list` counts them.
 */
function statusFilter(value: string | null): (status: SessionStatus) => boolean {
  if (!value) return () => true;
  if (value === 'active') return (status) => status !== 'closing' && status !== 'closed';
  if (!SESSION_STATUSES.includes(value as SessionStatus)) {
    throw invalid(`status ${value} is not one of active, ${SESSION_STATUSES.join(', ')}`);
  }
  return (status) => status === value;
}

const SESSION_STATUSES: readonly SessionStatus[] = ['new', 'connecting', 'connected', 'closing', 'closed'];

function describeResult(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const record = data as Record<string, unknown>;
  if (typeof record.session_id === 'string') return `session=${record.session_id}`;
  if (typeof record.task_id === 'string') return `task=${record.task_id} ${record.duration_ms}ms`;
  return '';
}
