/**
 * The token endpoint for LiveAvatar (`liveavatar-api.md` §2): the server creates each session with
 * its API key and the settings chosen here — mode, avatar, persona — never by the page, and hands
 * the page only the single-use session token. LiveAvatar returns the session id with the token,
 * so the sessions this backend owns are known exactly. Same guards as the HeyGen endpoint.
 */
import { LiveAvatarApiClient, type LiveAvatarSessionSummary } from '../api/liveavatar-client.js';
import { InvalidOptionError } from '../errors.js';
import {
  END_CLAIM_TTL_SECONDS,
  endOwnedSession,
  guardedTokenEndpoint,
  refuse,
  sessionClaimHash,
  TOKEN_CLAIM_TTL_SECONDS,
  type TokenEndpointGuards,
  type TokenEndpointWithSessions,
  withSessions,
} from './guard.js';
import { memoryStore } from './store.js';

/** The session every token creates (contract §2). Seconds for `maxSessionDuration`. */
export interface LiveAvatarSessionSettings {
  /** `FULL` (default): LiveAvatar runs the conversation; `LITE`: the page sends the speech as audio. */
  mode?: 'FULL' | 'LITE' | undefined;
  /** The avatar's id (a UUID); the sandbox allows only "Wayne", `dd73ea75-1218-4ef3-92ce-606d5f7fbc0a`. */
  avatarId: string;
  /** The persona: voice, context (knowledge), language. FULL: exactly one of this and `voiceAgent`. */
  avatarPersona?:
    | {
        voiceId?: string;
        contextId?: string;
        language?: string;
        /** Passed through as LiveAvatar's `voice_settings` (the emulator reads `speed`, 0–3). */
        voiceSettings?: Record<string, unknown>;
      }
    | undefined;
  /** Your own voice agent's settings, passed through as LiveAvatar's `voice_agent`. */
  voiceAgent?: Record<string, unknown> | undefined;
  /** Sandbox: no credits used, the session ends after about 60 s (contract §8). */
  isSandbox?: boolean | undefined;
  /** The session's length cap in seconds (LiveAvatar's default is about 1,200). */
  maxSessionDuration?: number | undefined;
  interactivityType?: 'CONVERSATIONAL' | 'PUSH_TO_TALK' | undefined;
  /**
   * FULL: answer with your own model: the LLM configuration (contract §10) that points LiveAvatar
   * at your `createChatCompletionsHandler` endpoint (`llm_configuration_id`).
   */
  llm?: { configurationId: string } | undefined;
  videoSettings?:
    | { quality?: 'very_high' | 'high' | 'medium' | 'low'; encoding?: 'VP8' | 'H264' }
    | undefined;
}

/** Options of {@link createLiveAvatarTokenHandler}: the HeyGen endpoint's guards, and the session to create. */
export interface LiveAvatarTokenHandlerOptions extends TokenEndpointGuards {
  /** The LiveAvatar API key (HeyGen keys do not work there). Never ship it to a page. */
  apiKey: string;
  /** LiveAvatar's base URL (default `https://api.liveavatar.com`; the emulator's `/liveavatar`). */
  baseUrl?: string | undefined;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
  session: LiveAvatarSessionSettings;
}

/**
 * The page's LiveAvatar token endpoint: `POST {}` answers `{"token", "session_id"}`. A page that
 * reports its session (`{session_id, token}`, as `fromEndpoint` does) gets 204 when that token was
 * issued here for that session, else 403.
 */
export type LiveAvatarTokenHandler = TokenEndpointWithSessions<LiveAvatarSessionSummary>;

/**
 * Creates the endpoint.
 * @throws {InvalidOptionError} for a missing `authorize`, an out-of-range number, a missing
 *   `session.avatarId`, or (FULL) not exactly one of `avatarPersona` and `voiceAgent`.
 */
export function createLiveAvatarTokenHandler(options: LiveAvatarTokenHandlerOptions): LiveAvatarTokenHandler {
  const { session } = options;
  if (!session?.avatarId)
    throw new InvalidOptionError('session.avatarId', 'the avatar’s id', session?.avatarId);
  const full = (session.mode ?? 'FULL') === 'FULL';
  if (full && (session.avatarPersona === undefined) === (session.voiceAgent === undefined)) {
    throw new InvalidOptionError(
      'session.avatarPersona',
      'exactly one of session.avatarPersona and session.voiceAgent (FULL mode)',
      session.avatarPersona,
    );
  }
  const client = new LiveAvatarApiClient({
    credentials: { apiKey: options.apiKey },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  const store = options.store ?? memoryStore();
  const body = tokenRequest(session);
  // The store binds each token to its session (one hash of both), for every replica and until
  // it expires; this replica also keeps the sessions it created that may not have started yet.
  const notYetStarted = new Map<string, number>();
  const awaitingStart = (): Set<string> => {
    const now = performance.now();
    for (const [id, until] of notYetStarted) if (until <= now) notYetStarted.delete(id);
    return new Set(notYetStarted.keys());
  };

  const stopSession = async (sessionId: string): Promise<void> => {
    await client.stopSession(sessionId, 'USER_CLOSED');
    await store.forgetSessions([sessionId]);
  };

  const guarded = guardedTokenEndpoint(options, store, {
    async issue(request) {
      const created = await client.createSessionToken(body, { signal: request.signal });
      await store.addSession(created.session_id);
      await store.rememberToken(
        await sessionClaimHash('report', created.session_id, created.session_token),
        TOKEN_CLAIM_TTL_SECONDS,
      );
      await store.rememberToken(
        await sessionClaimHash('end', created.session_id, created.session_token),
        END_CLAIM_TTL_SECONDS,
      );
      notYetStarted.set(created.session_id, performance.now() + TOKEN_CLAIM_TTL_SECONDS * 1000);
      return { token: created.session_token, session_id: created.session_id };
    },
    async report(sessionId, token) {
      if (!(await store.claimToken(await sessionClaimHash('report', sessionId, token))))
        return refuse(403, 'That session was not created with a token from here.');
      return new Response(null, { status: 204 });
    },
    end: (sessionId, token) => endOwnedSession(store, sessionId, token, stopSession),
  });

  const listSessions = async (): Promise<LiveAvatarSessionSummary[]> => {
    const owned = new Set(await store.ownedSessions());
    if (owned.size === 0) return [];
    const active: LiveAvatarSessionSummary[] = [];
    for (let page = 1; ; page++) {
      const { count, results } = await client.listSessions('active', page);
      active.push(...results);
      if (results.length === 0 || active.length >= count) break;
    }
    const activeIds = new Set(active.map((entry) => entry.id));
    // A session created but not yet started is not listed as active: keep it until it ends.
    const starting = awaitingStart();
    const ended = [...owned].filter((id) => !activeIds.has(id) && !starting.has(id));
    await store.forgetSessions(ended);
    return active.filter((entry) => owned.has(entry.id));
  };

  return withSessions(guarded, { list: listSessions, stop: stopSession, idOf: (entry) => entry.id });
}

/** The contract's token request body (§2) for `settings`. */
function tokenRequest(settings: LiveAvatarSessionSettings): Record<string, unknown> {
  const persona = settings.avatarPersona;
  return {
    mode: settings.mode ?? 'FULL',
    avatar_id: settings.avatarId,
    ...(settings.isSandbox === undefined ? {} : { is_sandbox: settings.isSandbox }),
    ...(settings.maxSessionDuration === undefined
      ? {}
      : { max_session_duration: settings.maxSessionDuration }),
    ...(settings.interactivityType === undefined ? {} : { interactivity_type: settings.interactivityType }),
    ...(settings.videoSettings === undefined ? {} : { video_settings: settings.videoSettings }),
    ...(settings.voiceAgent === undefined ? {} : { voice_agent: settings.voiceAgent }),
    ...(settings.llm === undefined ? {} : { llm_configuration_id: settings.llm.configurationId }),
    ...(persona === undefined
      ? {}
      : {
          avatar_persona: {
            ...(persona.voiceId === undefined ? {} : { voice_id: persona.voiceId }),
            ...(persona.contextId === undefined ? {} : { context_id: persona.contextId }),
            ...(persona.voiceSettings === undefined ? {} : { voice_settings: persona.voiceSettings }),
            language: persona.language ?? 'en',
          },
        }),
  };
}
