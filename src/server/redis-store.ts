/**
 * A {@link SessionTokenStore} in Redis, for a token endpoint served by several replicas: issued
 * tokens, owned sessions and rate-limit counters are shared, so a token issued by one replica can
 * be claimed at another and the limit counts every replica's requests.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { SessionTokenStore } from './store.js';

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
}

/**
 * A store in Redis.
 * @param client An ioredis client (or anything with the same commands).
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SessionTokenStore {
  const prefix = options.prefix ?? 'streaming-avatar-kit:';
  const tokenKey = (hash: string) => `${prefix}token:${hash}`;
  const sessionsKey = `${prefix}sessions`;
  return {
    async rememberToken(tokenHash, ttlSeconds) {
      await client.set(tokenKey(tokenHash), '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    hasToken: async (tokenHash) => (await client.exists(tokenKey(tokenHash))) === 1,
    // DEL is atomic: of two replicas claiming one token at once, exactly one removes it.
    claimToken: async (tokenHash) => (await client.del(tokenKey(tokenHash))) === 1,
    async addSession(sessionId) {
      await client.sadd(sessionsKey, sessionId);
    },
    ownedSessions: () => client.smembers(sessionsKey),
    async forgetSessions(sessionIds) {
      if (sessionIds.length > 0) await client.srem(sessionsKey, ...sessionIds);
    },
    createRateLimiter: ({ points, durationSeconds, keyPrefix }) =>
      new RateLimiterRedis({
        storeClient: client,
        points,
        duration: durationSeconds,
        keyPrefix: `${prefix}${keyPrefix}`,
      }),
  };
}
