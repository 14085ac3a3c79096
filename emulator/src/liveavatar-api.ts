/**
 * LiveAvatar's API (`liveavatar-api.md`), served beside HeyGen's under `/liveavatar`: session
 * tokens as real JWTs, start (201, once, with a one-minute credit check), stop, keep-alive, the
 * session lists and transcripts, the catalogue, contexts and credits, with LiveAvatar's envelopes
 * (`code: 1000`), FastAPI-style 422s and CORS with credentials. FULL sessions run the same avatar
 * as HeyGen's, speaking LiveAvatar's dialect in the room.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { jwtVerify, SignJWT } from 'jose';
import { WebSocketServer } from 'ws';
import { type Quality, SANDBOX_AVATAR_ID } from './contract.js';
import {
  type EventDialect,
  LIVEAVATAR_AGENT_PREFIX,
  LIVEAVATAR_END_REASONS,
  liteDialect,
  liveAvatarDialect,
} from './dialect.js';
import type { Faults } from './faults.js';
import { readJson, requestUrl } from './http.js';
import { LiveAvatarError, type ValidationIssue } from './liveavatar-errors.js';
import { LiteSocket, MAX_FRAME_BYTES } from './liveavatar-lite.js';
import { LlmSettings } from './liveavatar-llm.js';
import type { MediaBackend } from './media.js';
import { type CloseReason, EmulatedSession, type Ledger } from './sessions.js';

/** Where LiveAvatar's API is served on the emulator's port. */
export const LIVEAVATAR_PATH = '/liveavatar';
/** Credits per minute (contract §8): FULL 2, LITE 1, sandbox none. */
const CREDITS_PER_MINUTE = { FULL: 2, LITE: 1 } as const;
/** Idle timeout without activity or keep-alive, in seconds (contract §8: 5 minutes). */
const IDLE_TIMEOUT_SECONDS = 300;
/** A sandbox session ends after about a minute (contract §8), in seconds. */
const SANDBOX_SECONDS = 60;
/** `max_session_duration` when the token request gives none, in seconds (contract §2: observed 1,200). */
const DEFAULT_MAX_SESSION_SECONDS = 1200;
/** The longest `max_session_duration` the emulator's plan allows, in seconds. */
const PLAN_MAX_SESSION_SECONDS = 3600;

/** LiveAvatar's catalogue: Wayne (the sandbox avatar) and two more, as UUIDs. */
const AVATARS = [
  {
    id: SANDBOX_AVATAR_ID,
    name: 'Wayne',
    voice: { id: 'b3150d75-1c6b-4e7c-9a6f-5f0c4b9a3e21', name: 'Guy' },
  },
  {
    id: '5b1f3a4e-8c2d-4f6a-9e0b-7d3c2a1f4e5b',
    name: 'Anna',
    voice: { id: '0e2c6a9b-3d4f-4b8e-a1c7-9f5d2e6b8a30', name: 'Jenny' },
  },
  {
    id: '9c7e5a3b-1d2f-4e6a-8b0c-2f4e6a8c0d1e',
    name: 'Kiosk greeter',
    voice: { id: '7a9c1e3f-5b7d-4f2a-8c6e-0b2d4f6a8c1e', name: 'Sonia' },
  },
];
const VOICES = AVATARS.map(({ voice }) => ({ ...voice, language: 'en', gender: 'unknown', tags: [] }));
const LANGUAGES = [{ code: 'en', name: 'English' }];

type Mode = 'FULL' | 'LITE';

/** One key's credit balance: granted, less what closed and running sessions were charged. */
class LiveAvatarAccount {
  closedCharges = 0;
  /** Its secrets and LLM configurations (contract §10). */
  readonly llm = new LlmSettings();
  constructor(readonly grantedCredits: number) {}
}

/** What one session's time costs: whole minutes at its mode's rate, the first at the start. */
class SessionBilling implements Ledger {
  charged = 0;
  constructor(
    readonly account: LiveAvatarAccount,
    readonly creditsPerMinute: number,
  ) {}

  /** Credits for `seconds` of streaming: each begun minute, at least one. */
  costOf(seconds: number): number {
    return Math.max(1, Math.ceil(seconds / 60)) * this.creditsPerMinute;
  }

  charge(seconds: number): void {
    this.charged = this.costOf(seconds);
    this.account.closedCharges += this.charged;
  }
}

interface TranscriptEntry {
  role: 'user' | 'avatar';
  transcript: string;
  absolute_timestamp: number;
  relative_timestamp: number;
}

/** A session from its token on: `created` until started, then its emulated avatar. */
interface LiveAvatarSession {
  id: string;
  account: LiveAvatarAccount;
  apiKey: string;
  mode: Mode;
  sandbox: boolean;
  request: Record<string, unknown>;
  maxSessionSeconds: number;
  createdAt: number;
  started: boolean;
  emulated: EmulatedSession<SessionBilling> | undefined;
  /** LITE: the secret in its `ws_url`, and the socket once the page opened it. */
  wsTicket: string | undefined;
  liteSocket: LiteSocket<SessionBilling> | undefined;
  endedAt: number | undefined;
  endReason: string | undefined;
  transcript: TranscriptEntry[];
}

/** A FastAPI validation error (422): where, what, and its type. */
interface Request {
  /** `ws://127.0.0.1:<port>`, as the caller reached the emulator. */
  wsOrigin: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** Emulator-wide state the LiveAvatar API shares. */
export interface LiveAvatarState {
  /** API keys and their starting credits. */
  keys: Record<string, number>;
  media: MediaBackend;
  /** The emulator's fault injection (`--faults`); endpoints are named with their `/liveavatar` prefix. */
  faults: Faults | undefined;
  log: (line: string) => void;
}

export class LiveAvatarApi {
  readonly #accounts = new Map<string, LiveAvatarAccount>();
  readonly sessions = new Map<string, LiveAvatarSession>();
  readonly #contexts = new Map<string, Record<string, unknown>>();
  readonly #secret = new TextEncoder().encode(randomBytes(32).toString('hex'));
  /** Frames over 1 MB get an `error` frame (contract §7); the socket itself takes up to twice that. */
  readonly #liteSockets = new WebSocketServer({ noServer: true, maxPayload: 2 * MAX_FRAME_BYTES });

  constructor(private readonly state: LiveAvatarState) {
    for (const [key, credits] of Object.entries(state.keys))
      this.#accounts.set(key, new LiveAvatarAccount(credits));
  }

  /** Handles one request whose path starts with {@link LIVEAVATAR_PATH}. */
  async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    setCredentialedCors(incoming, response);
    if (incoming.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    let status = 200;
    let path = incoming.url ?? '/';
    try {
      const url = requestUrl(incoming);
      path = url.pathname.slice(LIVEAVATAR_PATH.length) || '/';
      const request: Request = {
        wsOrigin: `ws://127.0.0.1:${incoming.socket.localPort}`,
        method: incoming.method ?? 'GET',
        path,
        query: url.searchParams,
        headers: incoming.headers,
        // Browsers call start, stop and keep-alive with no body and no content type (contract §1).
        body: await readJson(incoming, ['POST', 'PATCH', 'DELETE']),
      };
      await this.state.faults?.before(`${LIVEAVATAR_PATH}${path}`);
      const answer = await this.#route(request);
      status = answer.status;
      reply(response, status, {
        code: 1000,
        data: answer.data ?? null,
        message: answer.message ?? 'success',
      });
    } catch (error) {
      const failure =
        error instanceof LiveAvatarError
          ? error
          : new LiveAvatarError(
              typeof (error as { status?: unknown }).status === 'number'
                ? (error as { status: number }).status
                : 500,
              (error as Error).message,
            );
      status = failure.status;
      if (!response.headersSent) {
        reply(
          response,
          failure.status,
          failure.detail
            ? { detail: failure.detail }
            : { code: failure.status, data: null, message: failure.message },
        );
      }
    } finally {
      this.state.log(`LiveAvatar ${incoming.method} ${path} ${status} ${Date.now() - started}ms`);
    }
  }

  async #route(request: Request): Promise<{ status: number; data?: unknown; message?: string }> {
    const { method, path } = request;
    const ok = (data: unknown, message?: string) => ({ status: 200, data, ...(message ? { message } : {}) });
    if (method === 'POST' && path === '/v1/sessions/token') return ok(await this.#createToken(request));
    if (method === 'POST' && path === '/v1/sessions/start')
      return { status: 201, data: await this.#start(request), message: 'Session started' };
    if (
      (method === 'POST' && path === '/v1/sessions/stop') ||
      (method === 'DELETE' && path === '/v1/sessions')
    )
      return ok(null, await this.#stop(request));
    if (method === 'POST' && path === '/v1/sessions/keep-alive') return ok(await this.#keepAlive(request));
    if (method === 'GET' && path === '/v1/sessions') return ok(this.#listSessions(request));
    const session = path.match(/^\/v1\/sessions\/([^/]+)(\/transcript)?$/);
    if (method === 'GET' && session) {
      const found = this.#ownedSession(request, session[1]!);
      return ok(session[2] ? this.#transcriptOf(found) : this.#describe(found));
    }
    if (method === 'GET' && (path === '/v1/avatars' || path === '/v1/avatars/public')) {
      this.#account(request);
      return ok(paginate(request, AVATARS.map(describeAvatar)));
    }
    if (method === 'GET' && path === '/v1/voices') {
      this.#account(request);
      return ok(paginate(request, VOICES));
    }
    if (method === 'GET' && path === '/v1/languages') return ok(LANGUAGES);
    if (method === 'GET' && path === '/v1/users/credits') {
      const account = this.#account(request);
      return ok({ credits_left: this.creditsLeft(account).toFixed(2) });
    }
    if (path === '/v1/contexts' || path.startsWith('/v1/contexts/')) return ok(this.#contextRoute(request));
    if (method === 'POST' && path === '/v1/secrets')
      return ok(this.#account(request).llm.createSecret(request.body));
    // Contract §10 Decision: the guide's underscore and the reference's hyphen both.
    const llm = path.match(/^\/v1\/llm[_-]configurations(\/.*)?$/);
    if (llm) return ok(this.#account(request).llm.route(method, llm[1] ?? '', request.body));
    throw new LiveAvatarError(404, `No endpoint ${method} ${path}.`);
  }

  async #createToken(request: Request) {
    const apiKey = this.#apiKeyOf(request);
    if (apiKey === undefined) throw new LiveAvatarError(401, 'This call needs an API key (X-API-KEY).');
    const account = this.#account(request);
    const { body } = request;
    const issues: ValidationIssue[] = [];
    const mode = body.mode === undefined ? 'FULL' : body.mode === 'CUSTOM' ? 'LITE' : body.mode;
    if (mode !== 'FULL' && mode !== 'LITE') issues.push(enumIssue(['body', 'mode'], ['FULL', 'LITE']));
    const avatarId = body.avatar_id;
    if (avatarId === undefined)
      issues.push({ loc: ['body', 'avatar_id'], msg: 'Field required', type: 'missing' });
    else if (typeof avatarId !== 'string' || !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(avatarId))
      issues.push({ loc: ['body', 'avatar_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' });
    const sandbox = body.is_sandbox ?? false;
    if (typeof sandbox !== 'boolean')
      issues.push({ loc: ['body', 'is_sandbox'], msg: 'Input should be a valid boolean', type: 'bool_type' });
    const video = body.video_settings ?? {};
    if (typeof video !== 'object' || video === null) {
      issues.push({ loc: ['body', 'video_settings'], msg: 'Input should be an object', type: 'model_type' });
    } else {
      const { quality, encoding } = video as Record<string, unknown>;
      if (quality !== undefined && !['very_high', 'high', 'medium', 'low'].includes(String(quality)))
        issues.push(enumIssue(['body', 'video_settings', 'quality'], ['very_high', 'high', 'medium', 'low']));
      if (encoding !== undefined && encoding !== 'VP8' && encoding !== 'H264')
        issues.push(enumIssue(['body', 'video_settings', 'encoding'], ['VP8', 'H264']));
    }
    const maxSeconds = body.max_session_duration ?? DEFAULT_MAX_SESSION_SECONDS;
    if (typeof maxSeconds !== 'number' || !Number.isInteger(maxSeconds) || maxSeconds < 1)
      issues.push({
        loc: ['body', 'max_session_duration'],
        msg: 'Input should be a positive integer',
        type: 'int_type',
      });
    else if (maxSeconds > PLAN_MAX_SESSION_SECONDS)
      issues.push({
        loc: ['body', 'max_session_duration'],
        msg: `Input should be less than or equal to ${PLAN_MAX_SESSION_SECONDS}`,
        type: 'less_than_equal',
      });
    if (mode === 'FULL') {
      const persona = body.avatar_persona !== undefined;
      const agent = body.voice_agent !== undefined;
      if (persona === agent)
        issues.push({
          loc: ['body'],
          msg: 'Value error, exactly one of avatar_persona and voice_agent is required in FULL mode',
          type: 'value_error',
        });
      if (
        body.interactivity_type !== undefined &&
        !['CONVERSATIONAL', 'PUSH_TO_TALK'].includes(String(body.interactivity_type))
      )
        issues.push(enumIssue(['body', 'interactivity_type'], ['CONVERSATIONAL', 'PUSH_TO_TALK']));
      const variables = body.dynamic_variables;
      if (
        variables !== undefined &&
        (typeof variables !== 'object' || variables === null || Object.keys(variables).length > 50)
      )
        issues.push({
          loc: ['body', 'dynamic_variables'],
          msg: 'at most 50 entries',
          type: 'too_long',
        });
    }
    const llmConfiguration = body.llm_configuration_id;
    if (llmConfiguration !== undefined && typeof llmConfiguration !== 'string')
      issues.push({
        loc: ['body', 'llm_configuration_id'],
        msg: 'Input should be a valid string',
        type: 'string_type',
      });
    if (issues.length > 0) throw new LiveAvatarError(422, 'Validation error', issues);
    if (typeof llmConfiguration === 'string') account.llm.configuration(llmConfiguration);
    if (!AVATARS.some((avatar) => avatar.id === avatarId))
      throw new LiveAvatarError(404, `Avatar ${String(avatarId)} not found.`);
    if (sandbox === true && avatarId !== SANDBOX_AVATAR_ID)
      throw new LiveAvatarError(
        400,
        `Sandbox sessions can only use the sandbox avatar ${SANDBOX_AVATAR_ID}.`,
      );
    const sessionId = randomUUID();
    this.sessions.set(sessionId, {
      id: sessionId,
      account,
      apiKey,
      mode: mode as Mode,
      sandbox: sandbox === true,
      request: body,
      maxSessionSeconds: maxSeconds as number,
      createdAt: Date.now(),
      started: false,
      emulated: undefined,
      wsTicket: undefined,
      liteSocket: undefined,
      endedAt: undefined,
      endReason: undefined,
      transcript: [],
    });
    const sessionToken = await new SignJWT({ session_id: sessionId, start_session_data: body })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(this.#secret);
    return { session_id: sessionId, session_token: sessionToken };
  }

  async #start(request: Request) {
    const session = await this.#tokenSession(request);
    if (session.started || session.endedAt !== undefined)
      throw new LiveAvatarError(
        400,
        'This session was already started: a session token starts its session once.',
      );
    const rate = session.sandbox ? 0 : CREDITS_PER_MINUTE[session.mode];
    if (this.creditsLeft(session.account) < rate)
      throw new LiveAvatarError(
        402,
        `Not enough credits: starting a ${session.mode} session needs ${rate} credits for its first minute.`,
      );
    session.started = true;
    const video = (session.request.video_settings ?? {}) as { quality?: string; encoding?: 'VP8' | 'H264' };
    const persona = (session.request.avatar_persona ?? {}) as {
      context_id?: string;
      voice_settings?: { speed?: unknown };
    };
    // The voice's speed (contract §2's `voice_settings`): the emulator's speech rate, 1 by default.
    const speed = persona.voice_settings?.speed;
    const voiceRate = typeof speed === 'number' && speed > 0 && speed <= 3 ? speed : 1;
    const context = persona.context_id === undefined ? undefined : this.#contexts.get(persona.context_id);
    const durationSeconds = Math.min(
      session.sandbox ? SANDBOX_SECONDS : session.maxSessionSeconds,
      this.state.faults?.sessionLimitSeconds ?? Number.POSITIVE_INFINITY,
    );
    const dialect: EventDialect =
      session.mode === 'LITE'
        ? liteDialect((signal) => session.liteSocket?.signal(signal))
        : liveAvatarDialect(session.id, (role, text) =>
            session.transcript.push({
              role,
              transcript: text,
              absolute_timestamp: Date.now() / 1000,
              relative_timestamp: (Date.now() - session.createdAt) / 1000,
            }),
          );
    const emulated = new EmulatedSession<SessionBilling>(
      new SessionBilling(session.account, rate),
      {
        sessionId: session.id,
        avatarId: String(session.request.avatar_id),
        quality: QUALITIES[video.quality ?? 'high'] ?? 'high',
        voiceRate,
        voiceName: 'en',
        knowledgeBase: typeof context?.prompt === 'string' ? context.prompt : undefined,
        idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
        durationLimitSeconds: durationSeconds,
        videoCodec: video.encoding ?? 'H264',
        dialect,
        model:
          session.mode === 'FULL' && typeof session.request.llm_configuration_id === 'string'
            ? session.account.llm.endpoint(session.request.llm_configuration_id)
            : undefined,
      },
      this.state.media,
      (closed) => {
        session.endedAt = closed.endedAt ?? Date.now();
        session.endReason = LIVEAVATAR_END_REASONS[closed.closeReason ?? 'user'];
      },
      this.state.log,
    );
    session.emulated = emulated;
    const viewer = `client-${randomUUID()}`;
    const room = await this.state.media.createRoom(emulated.roomName, viewer);
    const answer = {
      session_id: session.id,
      livekit_url: room.url,
      livekit_client_token: room.viewerToken,
      livekit_agent_token: room.agentToken,
      max_session_duration: durationSeconds,
    };
    if (session.mode === 'LITE') {
      await emulated.start();
      session.wsTicket = randomBytes(16).toString('hex');
      return {
        ...answer,
        ws_url: `${request.wsOrigin}${LIVEAVATAR_PATH}/v1/sessions/${session.id}/ws?ticket=${session.wsTicket}`,
      };
    }
    emulated.onCommand((command) => this.#command(emulated, command));
    const agentIdentity = `${LIVEAVATAR_AGENT_PREFIX}${session.id}`;
    const [agent] = await Promise.all([
      this.state.media.joinSilent(emulated.roomName, agentIdentity),
      emulated.start(),
    ]);
    emulated.whenClosed(() => void agent.leave());
    return answer;
  }

  /**
   * Opens a LITE session's websocket (`ws_url`): its session must be running and the ticket its
   * own. @returns Whether the path was LiveAvatar's (otherwise another listener takes it).
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = URL.canParse(request.url ?? '', 'http://127.0.0.1')
      ? new URL(request.url ?? '', 'http://127.0.0.1')
      : undefined;
    if (!url?.pathname.startsWith(`${LIVEAVATAR_PATH}/`)) return false;
    const match = url.pathname.match(/\/v1\/sessions\/([^/]+)\/ws$/);
    const session = match ? this.sessions.get(match[1]!) : undefined;
    const emulated = session?.emulated;
    if (
      !session ||
      !emulated?.active ||
      !session.wsTicket ||
      url.searchParams.get('ticket') !== session.wsTicket
    ) {
      this.state.log(`LiveAvatar WS ${url.pathname} 401`);
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return true;
    }
    this.#liteSockets.handleUpgrade(request, socket, head, (connection) => {
      this.state.log(`LiveAvatar WS open session=${session.id}`);
      session.liteSocket = new LiteSocket(connection, emulated, this.state.log);
    });
    return true;
  }

  /** One `agent-control` command of a FULL session (contract §5). */
  #command(session: EmulatedSession<SessionBilling>, command: Record<string, unknown>): void {
    const eventId = typeof command.event_id === 'string' ? command.event_id : randomUUID();
    const text = typeof command.text === 'string' ? command.text : '';
    switch (command.event_type) {
      case 'avatar.speak_text':
        if (text.trim()) void session.task(text, 'repeat', eventId).catch(() => undefined);
        break;
      case 'avatar.speak_response':
        if (text.trim()) session.answer(text, eventId);
        break;
      case 'avatar.interrupt':
        session.interrupt();
        break;
      case 'avatar.start_listening':
        session.listening = true;
        session.touch();
        break;
      case 'avatar.stop_listening':
        session.listening = false;
        break;
      case 'user.start_push_to_talk':
        session.setTalkKey(true);
        break;
      case 'user.stop_push_to_talk':
        session.setTalkKey(false);
        break;
      default:
        this.state.log(`LiveAvatar session ${session.id}: ignored command ${String(command.event_type)}`);
    }
  }

  async #stop(request: Request): Promise<string> {
    const session = await this.#sessionOfCall(request);
    if (session.endedAt !== undefined) return 'Session already stopped';
    const reason = typeof request.body.reason === 'string' ? request.body.reason : 'USER_CLOSED';
    if (session.emulated) await session.emulated.close(closeReasonFor(reason));
    else {
      session.endedAt = Date.now();
      session.endReason = reason;
    }
    return 'Session stopped';
  }

  async #keepAlive(request: Request) {
    const session = await this.#sessionOfCall(request);
    if (!session.emulated?.active) throw new LiveAvatarError(400, `Session ${session.id} is not running.`);
    session.emulated.touch();
    return null;
  }

  #listSessions(request: Request) {
    const account = this.#account(request);
    const historic = request.query.get('type') === 'historic';
    const all = [...this.sessions.values()]
      .filter((session) => session.account === account && (session.endedAt !== undefined) === historic)
      .reverse()
      .map((session) => this.#describe(session));
    return paginate(request, all);
  }

  #describe(session: LiveAvatarSession) {
    const seconds = session.emulated?.streamedSeconds ?? 0;
    const billing = session.emulated?.account;
    return {
      id: session.id,
      created_at: new Date(session.createdAt).toISOString(),
      updated_at: new Date(session.endedAt ?? Date.now()).toISOString(),
      duration: Math.round(seconds),
      source: 'API',
      mode: session.mode,
      is_sandbox: session.sandbox,
      credits_consumed: billing && seconds > 0 ? billing.charged || billing.costOf(seconds) : 0,
      ...(session.endedAt === undefined
        ? {}
        : { end_at: new Date(session.endedAt).toISOString(), end_reason: session.endReason ?? 'UNKNOWN' }),
    };
  }

  #transcriptOf(session: LiveAvatarSession) {
    return { session_active: session.endedAt === undefined, transcript_data: session.transcript };
  }

  #contextRoute(request: Request) {
    this.#account(request);
    const id = request.path.match(/^\/v1\/contexts\/([^/]+)$/)?.[1];
    const { method, body } = request;
    if (id === undefined) {
      if (method === 'GET') return paginate(request, [...this.#contexts.values()]);
      if (method !== 'POST') throw new LiveAvatarError(405, 'Method not allowed.');
      const issues = ['name', 'prompt', 'opening_text']
        .filter((field) => typeof body[field] !== 'string')
        .map((field) => ({ loc: ['body', field], msg: 'Field required', type: 'missing' }));
      if (issues.length > 0) throw new LiveAvatarError(422, 'Validation error', issues);
      const context = {
        id: randomUUID(),
        name: body.name,
        prompt: body.prompt,
        opening_text: body.opening_text,
        links: body.links ?? [],
      };
      this.#contexts.set(context.id, context);
      return context;
    }
    const context = this.#contexts.get(id);
    if (!context) throw new LiveAvatarError(404, `Context ${id} not found.`);
    if (method === 'GET') return context;
    if (method === 'DELETE') {
      this.#contexts.delete(id);
      return null;
    }
    if (method !== 'PATCH') throw new LiveAvatarError(405, 'Method not allowed.');
    for (const field of ['name', 'prompt', 'opening_text', 'links'])
      if (body[field] !== undefined) context[field] = body[field];
    return context;
  }

  /** Credits left on `account`: granted, less closed sessions' charges and running sessions' minutes so far. */
  creditsLeft(account: LiveAvatarAccount): number {
    let running = 0;
    for (const session of this.sessions.values()) {
      const emulated = session.emulated;
      if (session.account === account && emulated?.active && emulated.startedAt !== undefined)
        running += emulated.account.costOf(emulated.streamedSeconds);
    }
    return account.grantedCredits - account.closedCharges - running;
  }

  /** Ends running sessions whose next minute their key cannot pay for; called every second. */
  enforceCredits(): void {
    for (const account of this.#accounts.values()) {
      if (this.creditsLeft(account) >= 0) continue;
      for (const session of this.sessions.values()) {
        if (
          session.account === account &&
          session.emulated?.active &&
          session.emulated.account.creditsPerMinute > 0
        )
          void session.emulated.close('credits_exhausted');
      }
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.emulated?.close('emulator')));
  }

  #apiKeyOf(request: Request): string | undefined {
    const value = request.headers['x-api-key'];
    return Array.isArray(value) ? value[0] : value;
  }

  #account(request: Request): LiveAvatarAccount {
    const apiKey = this.#apiKeyOf(request);
    if (apiKey === undefined) throw new LiveAvatarError(401, 'This call needs an API key (X-API-KEY).');
    const account = this.#accounts.get(apiKey);
    if (!account) throw new LiveAvatarError(401, 'Invalid API key.');
    return account;
  }

  /** The session a Bearer session token names, after checking its signature and expiry. */
  async #tokenSession(request: Request): Promise<LiveAvatarSession> {
    const token = String(request.headers.authorization ?? '').match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) throw new LiveAvatarError(401, 'This call needs a session token (Authorization: Bearer).');
    let sessionId: unknown;
    try {
      sessionId = (await jwtVerify(token, this.#secret)).payload.session_id;
    } catch {
      throw new LiveAvatarError(401, 'Invalid or expired session token.');
    }
    const session = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (!session) throw new LiveAvatarError(404, 'Session not found.');
    return session;
  }

  /** The session of a stop or keep-alive: the token's, or with the API key the body's `session_id`. */
  async #sessionOfCall(request: Request): Promise<LiveAvatarSession> {
    if (this.#apiKeyOf(request) === undefined) return this.#tokenSession(request);
    const sessionId = request.body.session_id;
    if (typeof sessionId !== 'string')
      throw new LiveAvatarError(422, 'Validation error', [
        { loc: ['body', 'session_id'], msg: 'Field required', type: 'missing' },
      ]);
    return this.#ownedSession(request, sessionId);
  }

  #ownedSession(request: Request, sessionId: string): LiveAvatarSession {
    const account = this.#account(request);
    const session = this.sessions.get(sessionId);
    if (!session || session.account !== account)
      throw new LiveAvatarError(404, `Session ${sessionId} not found.`);
    return session;
  }
}

const QUALITIES: Record<string, Quality> = { very_high: 'high', high: 'high', medium: 'medium', low: 'low' };

function closeReasonFor(reason: string): CloseReason {
  const entry = Object.entries(LIVEAVATAR_END_REASONS).find(([, name]) => name === reason);
  return entry ? (entry[0] as CloseReason) : 'user';
}

function enumIssue(loc: string[], values: string[]): ValidationIssue {
  return { loc, msg: `Input should be ${values.map((value) => `'${value}'`).join(' or ')}`, type: 'enum' };
}

function describeAvatar(avatar: (typeof AVATARS)[number]) {
  return {
    id: avatar.id,
    type: 'VIDEO',
    status: 'ACTIVE',
    name: avatar.name,
    preview_url: null,
    default_voice: avatar.voice,
    is_1080p: false,
  };
}

/** `page` (≥ 1) and `page_size` (1–100, default 20) over `items` (contract §1). */
function paginate<T>(request: Request, items: T[]) {
  const page = Math.max(1, Math.floor(Number(request.query.get('page') ?? 1)) || 1);
  const pageSize = Math.min(100, Math.max(1, Math.floor(Number(request.query.get('page_size') ?? 20)) || 20));
  const url = (to: number) => `${LIVEAVATAR_PATH}${request.path}?page=${to}&page_size=${pageSize}`;
  return {
    count: items.length,
    next: page * pageSize < items.length ? url(page + 1) : null,
    previous: page > 1 ? url(page - 1) : null,
    results: items.slice((page - 1) * pageSize, page * pageSize),
  };
}

/** Browser calls carry `credentials: "include"`: the origin is echoed, never `*` (contract §1). */
function setCredentialedCors(request: IncomingMessage, response: ServerResponse): void {
  const origin = request.headers.origin;
  response.setHeader('access-control-allow-origin', origin ?? '*');
  if (origin) response.setHeader('access-control-allow-credentials', 'true');
  response.setHeader('vary', 'origin');
  response.setHeader('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
  response.setHeader('access-control-allow-headers', 'authorization, content-type, x-api-key');
  response.setHeader('access-control-max-age', '600');
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
