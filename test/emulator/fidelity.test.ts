/**
 * The emulator against the contract doc's "Error codes and HTTP statuses" table and its
 * "Response shapes as published" section, row by row, over raw HTTP (what any client sees).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess({
    media: false,
    rateLimitPerSecond: 50,
    keys: {
      'fidelity-api': { tier: 'api', credits: 100 },
      'fidelity-trial': { tier: 'trial', credits: 10 },
      'fidelity-broke': { tier: 'api', credits: 0 },
    },
  });
}, 300_000);

afterAll(() => emulator?.stop());

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  auth: { key?: string; token?: string } = {},
  body: unknown = {},
  contentType = 'application/json',
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (auth.key) headers['x-api-key'] = auth.key;
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (method === 'POST' && contentType) headers['content-type'] = contentType;
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** A POST exactly as given: these headers only, and this body (none when undefined). */
async function raw(
  path: string,
  headers: Record<string, string>,
  body?: string,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method: 'POST',
    headers: { ...headers, ...extraHeaders },
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

async function token(key = 'fidelity-api'): Promise<string> {
  const answer = await call('POST', '/v1/streaming.create_token', { key });
  return (answer.body.data as { token: string }).token;
}

async function newSession(key = 'fidelity-api', request: object = {}) {
  const sessionToken = await token(key);
  const answer = await call(
    'POST',
    '/v1/streaming.new',
    { token: sessionToken },
    { version: 'v2', ...request },
  );
  return {
    token: sessionToken,
    answer,
    id: (answer.body.data as { session_id?: string } | null)?.session_id,
  };
}

const expectError = (answer: Answer, status: number, code: number) =>
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });

describe('emulator fidelity: the statuses table', () => {
  it('400112 / 401: no credentials, an unknown session token, a call without session_id', async () => {
    expectError(await call('POST', '/v1/streaming.new', {}, { version: 'v2' }), 401, 400112);
    expectError(
      await call('POST', '/v1/streaming.new', { token: 'made-up' }, { version: 'v2' }),
      401,
      400112,
    );
    expectError(
      await call('POST', '/v1/streaming.task', { token: await token() }, { text: 'hi' }),
      401,
      400112,
    );
  });

  it('40009 / 401: an unknown API key', async () => {
    expectError(await call('POST', '/v1/streaming.create_token', { key: 'nobody' }), 401, 40009);
  });

  it('40001 and 400175 / 400: a missing and an invalid parameter', async () => {
    const session = await newSession();
    await call('POST', '/v1/streaming.start', { token: session.token }, { session_id: session.id });
    expectError(
      await call('POST', '/v1/streaming.task', { token: session.token }, { session_id: session.id }),
      400,
      40001,
    );
    expectError((await newSession('fidelity-api', { quality: 'ultra' })).answer, 400, 400175);
  });

  it('10001 and 10005 / 400: a task before start, a keep-alive after stop', async () => {
    const session = await newSession();
    const auth = { token: session.token };
    expectError(
      await call('POST', '/v1/streaming.task', auth, { session_id: session.id, text: 'hi' }),
      400,
      10001,
    );
    await call('POST', '/v1/streaming.start', auth, { session_id: session.id });
    await call('POST', '/v1/streaming.stop', auth, { session_id: session.id });
    expectError(await call('POST', '/v1/streaming.keep_alive', auth, { session_id: session.id }), 400, 10005);
  });

  it('10006 / 404: an unknown session', async () => {
    expectError(
      await call('POST', '/v1/streaming.keep_alive', { key: 'fidelity-api' }, { session_id: 'nope' }),
      404,
      10006,
    );
  });

  it('10007 / 429: the fourth concurrent trial session', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await newSession('fidelity-trial'));
    const fourth = await newSession('fidelity-trial');
    expectError(fourth.answer, 429, 10007);
    for (const session of opened)
      await call('POST', '/v1/streaming.stop', { token: session.token }, { session_id: session.id });
  });

  it('10013 / 403: an avatar that is not there', async () => {
    const { answer } = await newSession('fidelity-api', { avatar_id: 'Nobody_2020' });
    expectError(answer, 403, 10013);
    expect(String(answer.body.message)).toContain('Nobody_2020');
  });

  it('10015 / 429: no credits left', async () => {
    expectError((await newSession('fidelity-broke')).answer, 429, 10015);
  });

  it('400123 / 429 with Retry-After: past the rate limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => call('GET', '/v1/streaming/avatar.list', { key: 'fidelity-api' })),
    );
    const limited = answers.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    expectError(limited!, 429, 400123);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });

  it('400: a body that is present and is not a JSON object, whatever its content type', async () => {
    const form = await raw('/v1/streaming.create_token', { 'x-api-key': 'fidelity-api' }, 'session_id=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expectError(form, 400, 40001);
    expectError(await raw('/v1/streaming.create_token', { 'x-api-key': 'fidelity-api' }, '[1]'), 400, 40001);
  });
});

/**
 * Request shapes of public apps' HeyGen calls (their token routes and servers, found in public
 * repositories), each answered as HeyGen answers it.
 */
describe('emulator fidelity: real clients’ request shapes', () => {
  const key = { 'x-api-key': 'fidelity-api' };
  const tokenOf = (answer: Answer) => (answer.body.data as { token?: unknown }).token;

  it('create_token with only the key header: no body, no content type (fetch, OkHttp, Python requests)', async () => {
    const answer = await raw('/v1/streaming.create_token', key);
    expect(answer.status).toBe(200);
    expect(tokenOf(answer)).toEqual(expect.any(String));
  });

  it('create_token with a JSON content type and no body (fetch with the header, requests with headers=)', async () => {
    const answer = await raw('/v1/streaming.create_token', {
      ...key,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(answer.status).toBe(200);
    expect(tokenOf(answer)).toEqual(expect.any(String));
  });

  it('create_token with session settings in the body (ignored there)', async () => {
    const answer = await raw(
      '/v1/streaming.create_token',
      { ...key, 'content-type': 'application/json' },
      JSON.stringify({ avatar_id: 'Wayne_20240711', quality: 'high', language: 'en' }),
    );
    expect(answer.status).toBe(200);
  });

  it('streaming.new with a JSON string body and no content type (fetch sends text/plain), avatar_name and extra fields', async () => {
    const sessionToken = await token();
    const answer = await raw(
      '/v1/streaming.new',
      { authorization: `Bearer ${sessionToken}` },
      JSON.stringify({
        quality: 'high',
        avatar_name: 'Wayne_20240711',
        voice: { rate: 0.8 },
        version: 'v2',
        dimension: { width: 1080, height: 1920 },
      }),
    );
    expect(answer.status).toBe(200);
    const id = (answer.body.data as { session_id: string }).session_id;
    const stopped = await raw(
      '/v1/streaming.stop',
      { authorization: `Bearer ${sessionToken}` },
      JSON.stringify({ session_id: id }),
    );
    expect(stopped.status).toBe(200);
  });

  it('server-side calls with the API key instead of the session token (a backend sending tasks)', async () => {
    const session = await newSession();
    const headers = { ...key, 'content-type': 'application/json' };
    expect(
      (await raw('/v1/streaming.start', headers, JSON.stringify({ session_id: session.id }))).status,
    ).toBe(200);
    const task = await raw(
      '/v1/streaming.task',
      headers,
      JSON.stringify({ session_id: session.id, text: 'Hi.', task_type: 'repeat', task_mode: 'async' }),
    );
    expect(task.status).toBe(200);
    expect(task.body.data).toMatchObject({ task_id: expect.any(String) });
    expect(
      (await raw('/v1/streaming.stop', headers, JSON.stringify({ session_id: session.id }))).status,
    ).toBe(200);
  });
});

describe('emulator fidelity: the published response shapes', () => {
  it('streaming.new: the fields of a real answer, sdp and ICE servers null', async () => {
    const { answer } = await newSession();
    expect(answer.body).toMatchObject({ code: 100, message: 'success' });
    const data = answer.body.data as Record<string, unknown>;
    expect(data).toMatchObject({ sdp: null, ice_servers: null, ice_servers2: null, is_paid: true });
    expect(Object.keys(data).sort()).toEqual(
      [
        'access_token',
        'ice_servers',
        'ice_servers2',
        'is_paid',
        'livekit_agent_token',
        'realtime_endpoint',
        'sdp',
        'session_duration_limit',
        'session_id',
        'url',
      ].sort(),
    );
    expect(data.realtime_endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    expect(typeof data.livekit_agent_token).toBe('string');
  });

  it('start, interrupt, keep_alive and stop: no data (start and stop also status: "success")', async () => {
    const session = await newSession();
    const auth = { token: session.token };
    const answers: Record<string, unknown>[] = [];
    for (const path of ['start', 'interrupt', 'keep_alive', 'stop']) {
      answers.push((await call('POST', `/v1/streaming.${path}`, auth, { session_id: session.id })).body);
    }
    expect(answers).toEqual([
      { code: 100, message: 'success', status: 'success' },
      { code: 100, message: 'success' },
      { code: 100, message: 'success' },
      { code: 100, message: 'success', status: 'success' },
    ]);
  });

  it('streaming.task without task_mode is sync: it answers once the speech has ended', async () => {
    const session = await newSession();
    const auth = { token: session.token };
    await call('POST', '/v1/streaming.start', auth, { session_id: session.id });
    const sentAt = Date.now();
    const answer = await call('POST', '/v1/streaming.task', auth, {
      session_id: session.id,
      text: 'Hello there, how are you today?',
    });
    const durationMs = (answer.body.data as { duration_ms: number }).duration_ms;
    expect(durationMs).toBeGreaterThan(500);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(durationMs * 0.9);
    await call('POST', '/v1/streaming.stop', auth, { session_id: session.id });
  });

  it('GET /v2/user/remaining_quota: {error: null, data: {remaining_quota, details}}', async () => {
    const answer = await call('GET', '/v2/user/remaining_quota', { key: 'fidelity-api' });
    expect(answer.body.error).toBeNull();
    expect(answer.body.data).toMatchObject({
      remaining_quota: expect.any(Number),
      details: expect.any(Object),
    });
  });

  it('GET /v2/streaming.list: sessions in data[], the paging beside it, the token a string', async () => {
    for (let i = 0; i < 3; i++) {
      const session = await newSession();
      await call('POST', '/v1/streaming.stop', { token: session.token }, { session_id: session.id });
    }
    const first = await call('GET', '/v2/streaming.list?page_size=2', { key: 'fidelity-api' });
    expect(first.body).toMatchObject({ code: 100, page: 1, page_size: 2, total: expect.any(Number) });
    expect(Array.isArray(first.body.data)).toBe(true);
    expect(typeof first.body.next_pagination_token).toBe('string');
    expect(first.body.next_pagination_token).not.toBe('');
    const entry = (first.body.data as Record<string, unknown>[])[0]!;
    expect(entry).toMatchObject({
      session_id: expect.any(String),
      status: 'closed',
      created_at: expect.any(Number),
    });
    const total = first.body.total as number;
    const last = await call('GET', `/v2/streaming.list?page_size=2&page=${Math.ceil(total / 2)}`, {
      key: 'fidelity-api',
    });
    expect(last.body.next_pagination_token).toBe('');
    const running = await newSession();
    const active = await call('GET', '/v2/streaming.list?status=active', { key: 'fidelity-api' });
    const activeIds = (active.body.data as { session_id: string; status: string }[]).map(
      (entry) => entry.session_id,
    );
    expect(activeIds).toContain(running.id);
    expect((active.body.data as { status: string }[]).every((entry) => entry.status !== 'closed')).toBe(true);
    const closed = await call('GET', '/v2/streaming.list?status=closed', { key: 'fidelity-api' });
    expect((closed.body.data as { status: string }[]).every((entry) => entry.status === 'closed')).toBe(true);
    await call('POST', '/v1/streaming.stop', { token: running.token }, { session_id: running.id });
  });
});
