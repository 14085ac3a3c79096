import { describe, expect, it } from 'vitest';
import { StreamingApiClient } from '../../src/api/client.js';
import {
  AuthenticationError,
  AvatarNotFoundError,
  ConcurrencyLimitError,
  InvalidParameterError,
  RateLimitError,
  ServerError,
  SessionClosedError,
  SessionNotFoundError,
  SessionStateError,
} from '../../src/api/errors.js';
import { AbortError, InvalidResponseError, NetworkError, TimeoutError } from '../../src/errors.js';
import { FakeClock, settle } from './fakes/clock.js';
import { fail, fakeFetch, ok, type Route } from './fakes/fetch.js';

const newSessionData = {
  session_id: 's-1',
  url: 'wss://livekit.example',
  access_token: 'jwt',
  is_paid: true,
  session_duration_limit: 600,
};

function client(route: Route, clock = new FakeClock()) {
  const fake = fakeFetch(route);
  const api = new StreamingApiClient({
    credentials: { sessionToken: 'tok' },
    baseUrl: 'http://127.0.0.1:9/',
    fetch: fake.fetch,
    clock,
    random: () => 0.5,
  });
  return { api, requests: fake.requests, clock };
}

describe('StreamingApiClient requests', () => {
  it('creates a session with the contract fields, a Bearer token and a JSON body', async () => {
    const { api, requests } = client(() => ok(newSessionData));
    const session = await api.newSession({ avatar_id: 'Anna', quality: 'low', version: 'v2' });
    expect(session.session_id).toBe('s-1');
    expect(session.session_duration_limit).toBe(600);
    const [request] = requests;
    expect(request?.path).toBe('/v1/streaming.new');
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('authorization')).toBe('Bearer tok');
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.body).toEqual({ avatar_id: 'Anna', quality: 'low', version: 'v2' });
  });

  it('sends repeat tasks in async mode by default and talk when asked', async () => {
    const { api, requests } = client(() => ok({ task_id: 't-1', duration_ms: 1200 }));
    const task = await api.sendTask({ sessionId: 's-1', text: 'Hello.' });
    await api.sendTask({ sessionId: 's-1', text: 'Who are you?', taskType: 'talk' });
    expect(task).toEqual({ task_id: 't-1', duration_ms: 1200 });
    expect(requests[0]?.body).toEqual({
      session_id: 's-1',
      text: 'Hello.',
      task_type: 'repeat',
      task_mode: 'async',
    });
    expect(requests[1]?.body?.task_type).toBe('talk');
  });

  it('creates session tokens with the API key header and the bare {error, data} envelope', async () => {
    const fake = fakeFetch(() => Response.json({ error: null, data: { token: 'session-token' } }));
    const api = new StreamingApiClient({ credentials: { apiKey: 'key' }, fetch: fake.fetch });
    await expect(api.createSessionToken()).resolves.toBe('session-token');
    expect(fake.requests[0]?.headers.get('x-api-key')).toBe('key');
    expect(fake.requests[0]?.headers.get('authorization')).toBeNull();
    expect(fake.requests[0]?.body).toEqual({});
  });

  it('refuses to create session tokens without an API key', async () => {
    const { api, requests } = client(() => ok({}));
    await expect(api.createSessionToken()).rejects.toMatchObject({ code: 'authentication' });
    expect(requests).toHaveLength(0);
  });

  it('walks the session history page by page with the pagination token', async () => {
    const pages: Record<string, unknown> = {
      '1': {
        total: 3,
        page: 1,
        page_size: 2,
        next_pagination_token: 'p2',
        sessions: [entry('a'), entry('b')],
      },
      '2': { total: 3, page: 2, page_size: 2, next_pagination_token: null, sessions: [entry('c')] },
    };
    const { api, requests } = client((request) => ok(pages[request.query.get('page') ?? '']));
    const ids: string[] = [];
    for await (const session of api.listSessionHistory({ pageSize: 2 })) ids.push(session.session_id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(requests.map((request) => request.query.get('token'))).toEqual([null, 'p2']);
    expect(requests[0]?.path).toBe('/v2/streaming.list');
  });

  it('reads the session history in the reference’s shape too: data[] with the paging beside it', async () => {
    const pages: Record<string, unknown> = {
      '1': {
        code: 100,
        message: 'success',
        total: 3,
        page: 1,
        page_size: 2,
        next_pagination_token: 'p2',
        data: [entry('a'), entry('b')],
      },
      '2': {
        code: 100,
        message: 'success',
        total: 3,
        page: 2,
        page_size: 2,
        next_pagination_token: '',
        data: [entry('c')],
      },
    };
    const { api, requests } = client((request) => Response.json(pages[request.query.get('page') ?? '']));
    const ids: string[] = [];
    for await (const session of api.listSessionHistory({ pageSize: 2 })) ids.push(session.session_id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(requests).toHaveLength(2);
  });

  it('reads the remaining quota in either published envelope, and an error in the {error} one', async () => {
    const answers = [
      Response.json({ error: null, data: { remaining_quota: 1800, details: { api: 1 } } }),
      ok({ remaining_quota: 3600 }),
      Response.json({ error: { code: 40009, message: 'invalid credentials' }, data: null }),
    ];
    const { api } = client(() => answers.shift()!);
    await expect(api.getRemainingQuota()).resolves.toBe(1800);
    await expect(api.getRemainingQuota()).resolves.toBe(3600);
    await expect(api.getRemainingQuota()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('accepts start and stop answered with {status: "success"} or the code envelope', async () => {
    const answers = [
      Response.json({ status: 'success' }),
      ok(null),
      Response.json({ code: 100, message: 'success', status: 'success' }),
    ];
    const { api } = client(() => answers.shift()!);
    await api.startSession('s');
    await api.stopSession('s');
    await api.stopSession('s');
  });

  it('reads avatars, knowledge bases and the remaining quota', async () => {
    const { api } = client((request) => {
      if (request.path === '/v1/streaming/avatar.list') return ok([{ avatar_id: 'Anna', status: 'ACTIVE' }]);
      if (request.path === '/v1/streaming/knowledge_base/list')
        return ok({ list: [{ id: 'kb', name: 'FAQ' }] });
      if (request.path === '/v1/streaming/knowledge_base/create') return ok({ id: 'kb-2' });
      return ok({ remaining_quota: 3600 });
    });
    expect((await api.listAvatars())[0]?.avatar_id).toBe('Anna');
    expect((await api.listKnowledgeBases())[0]?.name).toBe('FAQ');
    await expect(api.createKnowledgeBase({ name: 'n', opening: 'o', prompt: 'p' })).resolves.toBe('kb-2');
    await expect(api.getRemainingQuota()).resolves.toBe(3600);
  });

  it('sends stop with keepalive for page unload', async () => {
    const { api, requests } = client(() => ok(null));
    api.stopSessionOnUnload('s-1');
    await settle();
    expect(requests[0]).toMatchObject({
      path: '/v1/streaming.stop',
      keepalive: true,
      body: { session_id: 's-1' },
    });
  });
});

describe('StreamingApiClient errors', () => {
  it('names the first offending fields of a malformed response', async () => {
    const { api } = client(() => ok({ ...newSessionData, session_id: 42, url: undefined }));
    const error = await api.newSession({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).issues.map((issue) => issue.path)).toEqual([
      'data.session_id',
      'data.url',
    ]);
    expect((error as Error).message).toContain('data.session_id: expected string');
  });

  it('says which avatar id was not found', async () => {
    const { api } = client(() => fail(400, 10013, 'avatar not found'));
    const error = await api.newSession({ avatar_id: 'Nobody' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AvatarNotFoundError);
    expect(error).toMatchObject({
      code: 'avatar_not_found',
      avatarId: 'Nobody',
      serverCode: 10013,
      status: 400,
    });
    expect((error as Error).message).toContain('"Nobody"');
  });

  it.each([
    [401, 400112, AuthenticationError, 'authentication', 'single-use'],
    [401, 401056, AuthenticationError, 'authentication', 'single-use'],
    [400, 10007, ConcurrencyLimitError, 'concurrency_limit', 'concurrent session limit'],
    [400, 10005, SessionClosedError, 'session_closed', 'closed'],
    [400, 10002, SessionStateError, 'session_state', 'connecting'],
    [400, 10006, SessionNotFoundError, 'session_not_found', 'not found'],
    [400, 400175, InvalidParameterError, 'invalid_parameter', 'invalid'],
    [503, 0, ServerError, 'server_error', '503'],
  ])('maps HTTP %i code %i to %s', async (status, code, type, stableCode, words) => {
    const { api } = client(() => fail(status, code, 'from heygen'));
    const error = await api.sendTask({ sessionId: 's', text: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code: stableCode, status });
    expect((error as Error).message).toContain(words);
  });

  it('treats a 200 answer with an error code as that error', async () => {
    const { api } = client(() => Response.json({ code: 10005, message: 'session state wrong: closed' }));
    await expect(api.keepAlive('s')).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('gives a TimeoutError when the server does not answer in time', async () => {
    const clock = new FakeClock();
    const { api } = client(() => new Promise<Response>(() => undefined), clock);
    const pending = api
      .sendTask({ sessionId: 's', text: 'x' }, { timeoutMs: 2000 })
      .catch((caught: unknown) => caught);
    await clock.advance(2000);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 2000 });
  });

  it('gives an AbortError when the caller aborts', async () => {
    const { api } = client(() => new Promise<Response>(() => undefined));
    const controller = new AbortController();
    const pending = api.listAvatars({ signal: controller.signal }).catch((caught: unknown) => caught);
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
  });
});

describe('StreamingApiClient retries', () => {
  it('waits for Retry-After seconds before retrying a 429, even for a call that creates a session', async () => {
    let calls = 0;
    const { api, clock } = client(() =>
      ++calls === 1 ? fail(429, 429, 'Too Many Requests', { 'retry-after': '3' }) : ok(newSessionData),
    );
    const pending = api.newSession({});
    await clock.advance(2999);
    expect(calls).toBe(1);
    await clock.advance(1);
    await expect(pending).resolves.toMatchObject({ session_id: 's-1' });
    expect(calls).toBe(2);
  });

  it('reads an HTTP-date Retry-After', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const retryAt = new Date(clock.now() + 5000).toUTCString();
    const { api } = client(
      () => (++calls === 1 ? fail(429, 429, 'slow down', { 'retry-after': retryAt }) : ok(null)),
      clock,
    );
    const pending = api.keepAlive('s');
    await clock.advance(4000);
    expect(calls).toBe(1);
    await clock.advance(1000);
    await pending;
    expect(calls).toBe(2);
  });

  it('gives up on 429 after the retry budget with the server wait in the error', async () => {
    const { api, clock } = client(() => fail(429, 429, 'Too Many Requests', { 'retry-after': '1' }));
    const pending = api.keepAlive('s').catch((caught: unknown) => caught);
    await clock.advance(10_000);
    const error = await pending;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 1000, code: 'rate_limited' });
  });

  it('fails at once with rate_limited when Retry-After asks for more than 60 s', async () => {
    for (const retryAfter of ['3600', '99999999999']) {
      let calls = 0;
      const { api } = client(() => {
        calls += 1;
        return fail(429, 400123, 'Too Many Requests', { 'retry-after': retryAfter });
      });
      const error = await api.keepAlive('s').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: Number(retryAfter) * 1000 });
      expect(calls).toBe(1);
    }
  });

  it.each(['-5', '0', 'soon', 'Thu, 01 Jan 1970 00:00:00 GMT'])(
    'backs off on its own when Retry-After is %s',
    async (retryAfter) => {
      let calls = 0;
      const { api, clock } = client(() =>
        ++calls === 1 ? fail(429, 400123, 'Too Many Requests', { 'retry-after': retryAfter }) : ok(null),
      );
      const pending = api.keepAlive('s');
      await clock.advance(1);
      expect(calls).toBe(1); // not retried at once
      await clock.advance(374);
      await pending;
      expect(calls).toBe(2);
    },
  );

  it('retries 5xx and network errors on calls that are safe to repeat, with growing delays', async () => {
    let calls = 0;
    const { api, clock } = client(() => {
      calls += 1;
      if (calls === 1) return fail(502, 0, 'bad gateway');
      if (calls === 2) throw new TypeError('fetch failed');
      return ok(null);
    });
    const pending = api.stopSession('s');
    await clock.advance(374); // first delay: 500 ms halved plus half the jitter (0.5) = 375 ms
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(750); // second delay: 1000 ms ceiling → 750 ms
    await pending;
    expect(calls).toBe(3);
  });

  it.each([
    ['new', (api: StreamingApiClient) => api.newSession({})],
    ['task', (api: StreamingApiClient) => api.sendTask({ sessionId: 's', text: 'x' })],
  ])(
    'never retries %s after a 5xx or network error (it could create or speak twice)',
    async (_name, call) => {
      for (const answer of [
        () => fail(500, 0, 'oops'),
        () => Promise.reject(new TypeError('fetch failed')),
      ]) {
        let calls = 0;
        const { api, clock } = client(() => {
          calls += 1;
          return answer();
        });
        const pending = call(api).catch((caught: unknown) => caught);
        await clock.advance(60_000);
        expect(await pending).toBeInstanceOf(Error);
        expect(calls).toBe(1);
      }
    },
  );

  it('wraps a failed fetch in a NetworkError when retries are off', async () => {
    const { api } = client(() => Promise.reject(new TypeError('fetch failed')));
    const error = await api.keepAlive('s', { retry: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('/v1/streaming.keep_alive');
  });
});

function entry(id: string) {
  return { session_id: id, status: 'closed', created_at: 1_700_000_000, duration: 42 };
}
