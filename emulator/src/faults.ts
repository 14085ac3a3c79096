/**
 * Fault injection for reliability tests, under `/_emulator/` (only with `--faults`):
 *
 * | request | effect |
 * |---|---|
 * | `POST /_emulator/fail {endpoint, count, status, code?, message?}` | the next `count` calls of `endpoint` fail |
 * | `POST /_emulator/latency {endpoint?, ms}` | calls of `endpoint` (without it: every call) wait `ms` milliseconds first; each endpoint keeps its own, 0 clears it |
 * | `POST /_emulator/rate-limit {endpoint?, count, retryAfterSeconds}` | the next `count` calls answer 429 with `Retry-After` |
 * | `POST /_emulator/drop-media {session_id}` | the avatar leaves the room (media loss) |
 * | `POST /_emulator/close {session_id, reason?}` | the session closes now (`idle_timeout`, `duration_limit`, …) |
 * | `POST /_emulator/reset` | clears every fault |
 * | `GET /_emulator/sessions` | the session table: active and closed sessions |
 * | `GET /_emulator/ledger` | each key's credits: granted, used, remaining |
 */
import type { Account } from './accounts.js';
import type { CloseReason, EmulatedSession } from './sessions.js';

interface Failure {
  endpoint: string;
  remaining: number;
  status: number;
  code: number;
  message: string;
  headers: Record<string, string>;
}

/** What the control endpoints reach into. */
export interface FaultTarget {
  sessions: Map<string, EmulatedSession>;
  history: EmulatedSession[];
  runningSeconds(account: Account): number[];
}

export class Faults {
  #failures: Failure[] = [];
  /** Milliseconds each endpoint's calls wait first; the key `*` is every call's. */
  #latency = new Map<string, number>();
  /**
   * Caps every new session at this many seconds (`POST /_emulator/session-limit`), on both APIs,
   * as a trial key caps HeyGen's: tests renew sessions every 20–60 s.
   */
  sessionLimitSeconds: number | undefined;

  constructor(
    private readonly accounts: Map<string, Account>,
    private readonly makeError: (
      status: number,
      code: number,
      message: string,
      headers: Record<string, string>,
    ) => Error,
  ) {}

  /** Runs before every API call: waits out injected latency and throws injected failures. */
  async before(path: string): Promise<void> {
    const latencyMs = (this.#latency.get('*') ?? 0) + (this.#latency.get(path) ?? 0);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const failure = this.#failures.find(
      (candidate) => candidate.endpoint === path || candidate.endpoint === '*',
    );
    if (!failure) return;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.#failures = this.#failures.filter((candidate) => candidate !== failure);
    throw this.makeError(failure.status, failure.code, failure.message, failure.headers);
  }

  async handle(
    method: string,
    path: string,
    body: Record<string, unknown>,
    target: FaultTarget,
  ): Promise<unknown> {
    const route = `${method} ${path}`;
    switch (route) {
      case 'POST /_emulator/fail':
        this.#failures.push({
          endpoint: String(body.endpoint ?? '*'),
          remaining: Number(body.count ?? 1),
          status: Number(body.status ?? 500),
          code: Number(body.code ?? body.status ?? 500),
          message: String(body.message ?? 'injected failure'),
          headers: {},
        });
        return { ok: true };
      case 'POST /_emulator/rate-limit':
        this.#failures.push({
          endpoint: String(body.endpoint ?? '*'),
          remaining: Number(body.count ?? 1),
          status: 429,
          code: 429,
          message: 'Too Many Requests',
          headers: { 'retry-after': String(body.retryAfterSeconds ?? 1) },
        });
        return { ok: true };
      case 'POST /_emulator/latency': {
        const ms = body.ms;
        if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
          throw this.makeError(400, 400, 'ms: a number of milliseconds, 0 or more.', {});
        this.#latency.set(typeof body.endpoint === 'string' ? body.endpoint : '*', ms);
        return { ok: true };
      }
      case 'POST /_emulator/reset':
        this.#failures = [];
        this.#latency.clear();
        this.sessionLimitSeconds = undefined;
        return { ok: true };
      case 'POST /_emulator/session-limit': {
        const seconds = body.seconds;
        if (seconds !== null && (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1))
          throw this.makeError(400, 400, 'seconds: a whole number of seconds of 1 or more, or null.', {});
        this.sessionLimitSeconds = seconds ?? undefined;
        return { ok: true };
      }
      case 'POST /_emulator/drop-media':
        await this.#session(target, body).dropAvatar();
        return { ok: true };
      case 'POST /_emulator/close':
        await this.#session(target, body).close((body.reason as CloseReason | undefined) ?? 'user');
        return { ok: true };
      case 'GET /_emulator/sessions':
        return {
          active: [...target.sessions.values()].map(describe),
          closed: target.history.map(describe),
        };
      case 'GET /_emulator/ledger':
        return [...this.accounts.values()].map((account) => ({
          api_key: account.apiKey,
          tier: account.tier,
          granted_credits: account.grantedCredits,
          used_credits: account.usedCredits(target.runningSeconds(account)),
          remaining_credits: account.remainingCredits(target.runningSeconds(account)),
          streamed_seconds: account.streamedSeconds,
        }));
      default:
        throw this.makeError(404, 404, `No control endpoint ${route}.`, {});
    }
  }

  #session(target: FaultTarget, body: Record<string, unknown>) {
    const session = target.sessions.get(String(body.session_id));
    if (!session) throw this.makeError(404, 10006, 'session not found', {});
    return session;
  }
}

function describe(session: EmulatedSession) {
  return {
    session_id: session.id,
    status: session.status,
    avatar_id: session.settings.avatarId,
    created_at: session.createdAt,
    started_at: session.startedAt ?? null,
    ended_at: session.endedAt ?? null,
    streamed_seconds: session.streamedSeconds,
    close_reason: session.closeReason ?? null,
  };
}
