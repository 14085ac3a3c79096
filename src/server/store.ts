/**
 * Where the session token handler keeps what it must remember between requests: the tokens it
 * issued, the sessions they created, and its rate-limit counters. One instance per process by
 * default ({@link memoryStore}); a backend on several replicas shares one Redis
 * (`redisStore` in `./redis-store.js`), so every replica sees one truth.
 */
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { StreamingAvatarError } from '../errors.js';

/** A fixed-window rate limit: `points` requests per `durationSeconds` seconds, per key. */
export interface RateLimitOptions {
  points: number;
  durationSeconds: number;
  /** Separates this limiter's counters from others in a shared store. */
  keyPrefix: string;
}

/** A per-key counter: `consume` resolves within the limit and rejects with the refusal past it. */
export interface RateLimiter {
  /**
   * Spends one point of `key`'s allowance.
   * @throws {RateLimiterRes} past the limit (`msBeforeNext`: milliseconds until a point frees up).
   * @throws {StoreUnavailableError} when the store did not answer in time.
   */
  consume(key: string): Promise<RateLimiterRes>;
}

/**
 * The store did not answer in time (a Redis that is down or stalled). The token endpoint answers
 * 503 with `Retry-After` and issues nothing: it fails closed.
 */
export class StoreUnavailableError extends StreamingAvatarError {
  constructor(message: string) {
    super('server_error', message);
  }
}

/** What the session token handler remembers. Every method is safe under concurrent calls. */
export interface SessionTokenStore {
  /** Remembers a token this backend issued (by its hash) for `ttlSeconds` seconds. */
  rememberToken(tokenHash: string, ttlSeconds: number): Promise<void>;
  /** Whether a token this backend issued is still unclaimed (not expired, not yet reported). */
  hasToken(tokenHash: string): Promise<boolean>;
  /**
   * Marks an issued token as spent, atomically.
   * @returns false when the token is unknown, expired or already claimed.
   */
  claimToken(tokenHash: string): Promise<boolean>;
  /** Records a session this backend's token created. */
  addSession(sessionId: string): Promise<void>;
  /** The sessions this backend's tokens created and that were not forgotten since. */
  ownedSessions(): Promise<string[]>;
  /** Drops sessions from {@link SessionTokenStore.ownedSessions} (they ended, or were stopped). */
  forgetSessions(sessionIds: readonly string[]): Promise<void>;
  /** A rate limiter whose counters live in this store. */
  createRateLimiter(options: RateLimitOptions): RateLimiter;
}

/**
 * A store in this process's memory: right for one server process; use a shared store (Redis)
 * when several replicas serve the same endpoint.
 * @param now The clock, in milliseconds since the epoch (tests).
 */
export function memoryStore(now: () => number = Date.now): SessionTokenStore {
  const tokens = new Map<string, number>();
  const sessions = new Set<string>();
  const dropExpired = () => {
    const at = now();
    for (const [hash, expiresAt] of tokens) if (expiresAt <= at) tokens.delete(hash);
  };
  return {
    async rememberToken(tokenHash, ttlSeconds) {
      dropExpired();
      tokens.set(tokenHash, now() + ttlSeconds * 1000);
    },
    async hasToken(tokenHash) {
      dropExpired();
      return tokens.has(tokenHash);
    },
    async claimToken(tokenHash) {
      dropExpired();
      return tokens.delete(tokenHash);
    },
    async addSession(sessionId) {
      sessions.add(sessionId);
    },
    async ownedSessions() {
      return [...sessions];
    },
    async forgetSessions(sessionIds) {
      for (const id of sessionIds) sessions.delete(id);
    },
    createRateLimiter: ({ points, durationSeconds, keyPrefix }) =>
      new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix }),
  };
}
