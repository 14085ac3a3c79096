import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSessionTokenHandler, redisStore } from '../../src/server/index.js';
import { type RunningRedis, startRedisServer } from '../support/redis.js';
import { fakeHeyGenAccount } from '../unit/fakes/heygen-accounts.js';

let redis: RunningRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

/** Two replicas of one backend: separate handlers and Redis connections, one store. */
function replicas(prefix: string, tokensPerMinute = 10) {
  const heygen = fakeHeyGenAccount();
  const make = () => {
    const client = new Redis(redis.url);
    clients.push(client);
    return createSessionTokenHandler({
      apiKey: 'secret',
      fetch: heygen.fetch,
      authorize: () => true,
      tokensPerMinute,
      store: redisStore(client, { prefix }),
    });
  };
  return { heygen, a: make(), b: make() };
}

const post = (body: object = {}) =>
  new Request('http://127.0.0.1/api/avatar-token', { method: 'POST', body: JSON.stringify(body) });

describe('redisStore with a real redis-server: replicas share one truth', () => {
  it('a token issued by one replica is reported at the other; both list and stop the session', async () => {
    const { heygen, a, b } = replicas('ownership:');
    const { token } = (await (await a(post())).json()) as { token: string };
    heygen.create(token, 'session-a');
    heygen.create('another-backend', 'session-x');
    expect((await b(post({ session_id: 'session-a', token }))).status).toBe(204);
    expect((await a(post({ session_id: 'session-a', token }))).status).toBe(403);
    expect((await a.listSessions()).map((session) => session.session_id)).toEqual(['session-a']);
    expect(await b.stopAllSessions()).toEqual(['session-a']);
    expect(await a.listSessions()).toEqual([]);
    expect([...heygen.active]).toEqual(['session-x']);
  });

  it('counts the rate limit across replicas', async () => {
    const { a, b } = replicas('limits:', 4);
    const statuses: number[] = [];
    for (const replica of [a, b, a, b, a, b]) {
      statuses.push((await replica(post(), { remoteAddress: '10.0.0.7' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('fails fast with 503 and Retry-After when Redis stalls or is gone, and recovers when it is back', async () => {
    const own = await startRedisServer();
    const client = new Redis(own.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // ioredis reports each failed reconnection
    clients.push(client);
    const heygen = fakeHeyGenAccount();
    const handler = createSessionTokenHandler({
      apiKey: 'secret',
      fetch: heygen.fetch,
      authorize: () => true,
      store: redisStore(client, { prefix: 'outage:', commandTimeoutMs: 500 }),
    });
    try {
      expect((await handler(post())).status).toBe(200);
      own.pause();
      const startedAt = performance.now();
      const stalled = await handler(post());
      expect(stalled.status).toBe(503);
      expect(stalled.headers.get('retry-after')).toBe('1');
      // One timeout, not ioredis's reconnection schedule (tens of seconds).
      expect(performance.now() - startedAt).toBeLessThan(5_000);
      own.resume();
      await vi.waitFor(async () => expect((await handler(post())).status).toBe(200), { timeout: 10_000 });
      await own.stop();
      const gone = await handler(post());
      expect(gone.status).toBe(503);
      expect(heygen.requests.filter((request) => request.path === '/v1/streaming.create_token')).toHaveLength(
        // The tokens answered 200; nothing was minted while the store could not count or record.
        2,
      );
    } finally {
      own.resume();
      await own.stop();
    }
  }, 30_000);

  it('refuses a command timeout that is not a positive number of milliseconds', () => {
    expect(() => redisStore(new Redis({ lazyConnect: true }), { commandTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', option: 'commandTimeoutMs' }),
    );
  });
});
