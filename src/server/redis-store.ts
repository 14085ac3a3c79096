/**
 * A {@link SessionTokenStore} in Redis, for a token endpoint served by several replicas: issued
 * tokens, owned sessions and rate-limit counters are shared, so a token issued by one replica can
 * be claimed at another and the limit counts every replica's requests.
 */
import pTimeout from 'p-timeout';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { InvalidOptionError } from '../errors.js';
import { type SessionTokenStore, StoreUnavailableError } from './store.js';

/**
 * The commands the store sends; an `ioredis` client (`new Redis(url)`) has them. The client is
 * yours: the store never connects or quits it.
 */
export interface RedisClientLike {
  /** `SET key value EX seconds`: a value that expires after `seconds` seconds. */
  set(key: string, value: string, expiryMode: 'EX', seconds: number): Promise<unknown>;
  /** `EXISTS key`: 1 when the key is there. */
  exists(key: string): Promise<number>;
  /** `DEL key`: how many keys were removed (an atomic claim: 1 for the first caller only). */
  del(key: string): Promise<number>;
  /** `SADD key member`. */
  sadd(key: string, member: string): Promise<number>;
  /** `SMEMBERS key`. */
  smembers(key: string): Promise<string[]>;
  /** `SREM key ...members`. */
  srem(key: string, ...members: string[]): Promise<number>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key (default `streaming-avatar-kit:`); give each backend its own. */
  prefix?: string | undefined;
  /**
   * How long one command may take, in milliseconds (default 1,000). A Redis that is down or
   * stalled fails the request at once with 503 and `Retry-After` instead of holding it (ioredis
   * queues commands while it reconnects, for tens of seconds).
   */
  commandTimeoutMs?: number | undefined;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/**
 * A store in Redis.
 * @param client An ioredis client (or anything with the same commands).
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SessionTokenStore {
  const prefix = options.prefix ?? 'streaming-avatar-kit:';
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (!(commandTimeoutMs > 0)) {
    throw new InvalidOptionError('commandTimeoutMs', 'milliseconds, above 0', commandTimeoutMs);
  }
  const tokenKey = (hash: string) => `${prefix}token:${hash}`;
  const sessionsKey = `${prefix}sessions`;
  const timely = <T>(command: Promise<T>): Promise<T> =>
    pTimeout(command, {
      milliseconds: commandTimeoutMs,
      message: new StoreUnavailableError(`Redis did not answer within ${commandTimeoutMs} ms.`),
    });
  return {
    async rememberToken(tokenHash, ttlSeconds) {
      await timely(client.set(tokenKey(tokenHash), '1', 'EX', Math.max(1, Math.ceil(ttlSeconds))));
    },
    hasToken: async (tokenHash) => (await timely(client.exists(tokenKey(tokenHash)))) === 1,
    // DEL is atomic: of two replicas claiming one token at once, exactly one removes it.
    claimToken: async (tokenHash) => (await timely(client.del(tokenKey(tokenHash)))) === 1,
    async addSession(sessionId) {
      await timely(client.sadd(sessionsKey, sessionId));
    },
    ownedSessions: () => timely(client.smembers(sessionsKey)),
    async forgetSessions(sessionIds) {
      if (sessionIds.length > 0) await timely(client.srem(sessionsKey, ...sessionIds));
    },
    createRateLimiter: ({ points, durationSeconds, keyPrefix }) => {
      const limiter = new RateLimiterRedis({
        storeClient: client,
        points,
        duration: durationSeconds,
        keyPrefix: `${prefix}${keyPrefix}`,
      });
      // A refusal (the limit reached) passes through as it is; only a stalled Redis times out.
      return { consume: (key) => timely(limiter.consume(key)) };
    },
  };
}
