/**
 * The emulator's LiveAvatar API against its contract (`liveavatar-api.md`): envelopes, status
 * codes, FastAPI-style 422s, JWT session tokens, single-use starts, the one-minute credit check,
 * stop in every state with its end reason, CORS with credentials, the catalogue and contexts.
 * REST only (`--no-media`); the room side is tested end to end with the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, SANDBOX_AVATAR_ID, startEmulator } from '../../emulator/src/index.js';
import { StreamingApiClient } from '../../src/api/client.js';

let emulator: RunningEmulator;
const KEY = 'rich-key';
const POOR_KEY = 'poor-key';

beforeAll(async () => {
  emulator = await startEmulator({
    media: false,
    faults: true,
    liveAvatarKeys: { [KEY]: 100, [POOR_KEY]: 1 },
  });
});

afterAll(() => emulator?.stop());

async function call(
  method: string,
  path: string,
  options: { key?: string; token?: string; body?: unknown; origin?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.key) headers['x-api-key'] = options.key;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.origin) headers.origin = options.origin;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${emulator.liveAvatarUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const FULL = { mode: 'FULL', avatar_id: SANDBOX_AVATAR_ID, avatar_persona: { language: 'en' } };

async function token(body: object = FULL, key = KEY) {
  const answer = await call('POST', '/v1/sessions/token', { key, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.data as { session_id: string; session_token: string };
}

describe('LiveAvatar emulator: session tokens', () => {
  it('answers code 1000 with a session id and a three-part JWT carrying the start data', async () => {
    const { session_id, session_token } = await token();
    const parts = session_token.split('.');
    expect(parts).toHaveLength(3);
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
    expect(payload.session_id).toBe(session_id);
    expect(payload.start_session_data.mode).toBe('FULL');
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('names the field of every validation failure, FastAPI style (422)', async () => {
    const missing = await call('POST', '/v1/sessions/token', { key: KEY, body: { mode: 'FULL' } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toContainEqual(
      expect.objectContaining({ loc: ['body', 'avatar_id'], type: 'missing' }),
    );
    const both = await call('POST', '/v1/sessions/token', {
      key: KEY,
      body: { ...FULL, voice_agent: { id: 'x' } },
    });
    expect(both.status).toBe(422);
    expect(both.body.detail[0].msg).toMatch(/exactly one of avatar_persona and voice_agent/);
    const quality = await call('POST', '/v1/sessions/token', {
      key: KEY,
      body: { ...FULL, video_settings: { quality: 'ultra' } },
    });
    expect(quality.body.detail[0].loc).toEqual(['body', 'video_settings', 'quality']);
  });

  it('needs the API key, and says which avatar it does not know', async () => {
    expect((await call('POST', '/v1/sessions/token', { body: FULL })).status).toBe(401);
    const unknown = await call('POST', '/v1/sessions/token', {
      key: KEY,
      body: { ...FULL, avatar_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('00000000-0000-4000-8000-000000000000');
  });
});

describe('LiveAvatar emulator: start, keep-alive, stop', () => {
  it('starts once (201), escrows one minute of credits, and stops with its end reason', async () => {
    const before = Number((await call('GET', '/v1/users/credits', { key: KEY })).body.data.credits_left);
    const { session_id, session_token } = await token();
    const started = await call('POST', '/v1/sessions/start', { token: session_token });
    expect(started.status).toBe(201);
    expect(started.body.code).toBe(1000);
    expect(started.body.data).toMatchObject({ session_id, max_session_duration: 1200 });
    expect(typeof started.body.data.livekit_client_token).toBe('string');
    expect((await call('POST', '/v1/sessions/start', { token: session_token })).status).toBe(400);
    const during = Number((await call('GET', '/v1/users/credits', { key: KEY })).body.data.credits_left);
    expect(before - during).toBe(2);

    expect((await call('POST', '/v1/sessions/keep-alive', { token: session_token })).body.code).toBe(1000);
    const active = await call('GET', '/v1/sessions?type=active', { key: KEY });
    expect(active.body.data.results.map((session: { id: string }) => session.id)).toContain(session_id);

    expect((await call('POST', '/v1/sessions/stop', { token: session_token })).status).toBe(200);
    const again = await call('POST', '/v1/sessions/stop', { token: session_token });
    expect(again.status).toBe(200);
    expect(again.body.message).toMatch(/already stopped/);
    const historic = await call('GET', `/v1/sessions/${session_id}`, { key: KEY });
    expect(historic.body.data).toMatchObject({
      mode: 'FULL',
      end_reason: 'USER_CLOSED',
      credits_consumed: 2,
    });
    expect((await call('POST', '/v1/sessions/keep-alive', { token: session_token })).status).toBe(400);
  });

  it('a session stopped before it started never starts nor bills (DELETE alias)', async () => {
    const { session_token } = await token();
    expect((await call('DELETE', '/v1/sessions', { token: session_token })).status).toBe(200);
    expect((await call('POST', '/v1/sessions/start', { token: session_token })).status).toBe(400);
  });

  it('will not start without credits for the first minute (402), and sandbox is free', async () => {
    const { session_token } = await token(FULL, POOR_KEY);
    const refused = await call('POST', '/v1/sessions/start', { token: session_token });
    expect(refused.status).toBe(402);
    expect(refused.body.message).toMatch(/2 credits/);
    const sandbox = await token({ ...FULL, is_sandbox: true }, POOR_KEY);
    const started = await call('POST', '/v1/sessions/start', { token: sandbox.session_token });
    expect(started.status).toBe(201);
    expect(started.body.data.max_session_duration).toBe(60);
    await call('POST', '/v1/sessions/stop', { token: sandbox.session_token });
  });

  it('rejects a forged session token', async () => {
    const { session_token } = await token();
    const [head, payload] = session_token.split('.');
    expect((await call('POST', '/v1/sessions/start', { token: `${head}.${payload}.forged` })).status).toBe(
      401,
    );
  });
});

describe('LiveAvatar emulator: faults', () => {
  it('fails a LiveAvatar endpoint on request, in LiveAvatar’s envelope', async () => {
    await fetch(`${emulator.apiUrl}/_emulator/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: '/liveavatar/v1/sessions/start', count: 1, status: 503, code: 503 }),
    });
    const { session_token } = await token();
    const failed = await call('POST', '/v1/sessions/start', { token: session_token });
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 503, data: null });
    expect((await call('POST', '/v1/sessions/start', { token: session_token })).status).toBe(201);
    await call('POST', '/v1/sessions/stop', { token: session_token });
  });
});

describe('LiveAvatar emulator: CORS, catalogue, contexts', () => {
  it('echoes the origin of a page on this machine and allows credentials', async () => {
    const response = await fetch(`${emulator.liveAvatarUrl}/v1/sessions/start`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('lists the public avatars (with the sandbox avatar), paginated', async () => {
    const page = await call('GET', '/v1/avatars/public?page=1&page_size=2', { key: KEY });
    expect(page.body.data.count).toBe(3);
    expect(page.body.data.results).toHaveLength(2);
    expect(page.body.data.next).toMatch(/page=2/);
    expect(page.body.data.results[0]).toMatchObject({
      id: SANDBOX_AVATAR_ID,
      name: 'Wayne',
      status: 'ACTIVE',
    });
  });

  it('creates, reads, updates and deletes a context', async () => {
    const invalid = await call('POST', '/v1/contexts', { key: KEY, body: { name: 'Shop' } });
    expect(invalid.status).toBe(422);
    const created = await call('POST', '/v1/contexts', {
      key: KEY,
      body: { name: 'Shop', prompt: 'We open at nine.', opening_text: 'Hello!' },
    });
    const id = created.body.data.id;
    await call('PATCH', `/v1/contexts/${id}`, { key: KEY, body: { opening_text: 'Welcome!' } });
    expect((await call('GET', `/v1/contexts/${id}`, { key: KEY })).body.data.opening_text).toBe('Welcome!');
    expect((await call('DELETE', `/v1/contexts/${id}`, { key: KEY })).status).toBe(200);
    expect((await call('GET', `/v1/contexts/${id}`, { key: KEY })).status).toBe(404);
  });
});

describe('LiveAvatar emulator: secrets and LLM configurations (contract §10)', () => {
  it('stores a secret without ever answering it, and an LLM configuration on it, under either path', async () => {
    const refused = await call('POST', '/v1/secrets', { key: KEY, body: { secret_type: 'PASSWORD' } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail.map((issue: { loc: string[] }) => issue.loc.at(-1))).toEqual([
      'secret_type',
      'secret_value',
      'secret_name',
    ]);
    const secret = await call('POST', '/v1/secrets', {
      key: KEY,
      body: { secret_type: 'LLM_API_KEY', secret_value: 'sk-own-model', secret_name: 'brain' },
    });
    const secretId = secret.body.data.secret_id;
    expect(JSON.stringify(secret.body)).not.toContain('sk-own-model');

    const tooLong = await call('POST', '/v1/llm_configurations', {
      key: KEY,
      body: { display_name: '', model_name: 'faq', secret_id: secretId },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.detail[0].loc).toEqual(['body', 'display_name']);
    const created = await call('POST', '/v1/llm-configurations', {
      key: KEY,
      body: {
        display_name: 'Kiosk brain',
        model_name: 'faq',
        secret_id: secretId,
        base_url: 'http://127.0.0.1:9',
      },
    });
    expect(created.status).toBe(200);
    const configuration = created.body.data;
    expect(configuration).toMatchObject({
      base_url: 'http://127.0.0.1:9',
      model_name: 'faq',
      secret_id: secretId,
    });
    expect((await call('GET', `/v1/llm_configurations/${configuration.id}`, { key: KEY })).body.data).toEqual(
      configuration,
    );
    const listed = await call('GET', '/v1/llm_configurations', { key: KEY });
    expect(listed.body.data.results.map((entry: { id: string }) => entry.id)).toContain(configuration.id);
    // Another account's view: its secret is not this account's (400), the configuration unknown (404).
    const foreign = await call('POST', '/v1/llm_configurations', {
      key: POOR_KEY,
      body: { display_name: 'Borrowed', model_name: 'faq', secret_id: secretId },
    });
    expect(foreign.status).toBe(400);
    expect((await call('GET', `/v1/llm_configurations/${configuration.id}`, { key: POOR_KEY })).status).toBe(
      404,
    );

    // A FULL session's token may name the configuration; an unknown one is 404.
    const session = await token({ ...FULL, llm_configuration_id: configuration.id });
    expect(session.session_id).toBeTruthy();
    const unknown = await call('POST', '/v1/sessions/token', {
      key: KEY,
      body: { ...FULL, llm_configuration_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    expect((await call('DELETE', `/v1/llm_configurations/${configuration.id}`, { key: KEY })).status).toBe(
      200,
    );
    expect((await call('GET', `/v1/llm_configurations/${configuration.id}`, { key: KEY })).status).toBe(404);
  });
});

describe('the session limit control endpoint (tests renew sessions every 20–60 s)', () => {
  const limit = (body: unknown) =>
    fetch(`${emulator.apiUrl}/_emulator/session-limit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('caps new sessions of both APIs, refuses what is not a whole number of seconds, and lifts with null', async () => {
    expect((await limit({ seconds: 20 })).status).toBe(200);
    const { session_token } = await token();
    const started = await call('POST', '/v1/sessions/start', { token: session_token });
    expect(started.body.data.max_session_duration).toBe(20);
    const heygen = new StreamingApiClient({
      credentials: {
        sessionToken: await new StreamingApiClient({
          credentials: { apiKey: 'emulator-api-key' },
          baseUrl: emulator.apiUrl,
        }).createSessionToken(),
      },
      baseUrl: emulator.apiUrl,
    });
    const session = await heygen.newSession({});
    expect(session.session_duration_limit).toBe(20);
    await heygen.stopSession(session.session_id);
    await call('POST', '/v1/sessions/stop', { token: session_token });

    for (const seconds of [0, 2.5, '20', undefined]) expect((await limit({ seconds })).status).toBe(400);
    expect((await limit({ seconds: null })).status).toBe(200);
    const unlimited = await token();
    const again = await call('POST', '/v1/sessions/start', { token: unlimited.session_token });
    expect(again.body.data.max_session_duration).toBe(1200);
    await call('POST', '/v1/sessions/stop', { token: unlimited.session_token });
  });
});

describe('the latency control endpoint (server work for the network profiles)', () => {
  const latency = (body: unknown) =>
    fetch(`${emulator.apiUrl}/_emulator/latency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const timed = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };

  it('keeps each endpoint its own delay, and refuses what is not milliseconds', async () => {
    expect((await latency({ endpoint: '/liveavatar/v1/sessions/token', ms: 300 })).status).toBe(200);
    expect((await latency({ endpoint: '/liveavatar/v1/sessions/start', ms: 200 })).status).toBe(200);
    let sessionToken = '';
    expect(await timed(async () => ({ session_token: sessionToken } = await token()))).toBeGreaterThanOrEqual(
      300,
    );
    expect(
      await timed(() => call('POST', '/v1/sessions/start', { token: sessionToken })),
    ).toBeGreaterThanOrEqual(200);
    await call('POST', '/v1/sessions/stop', { token: sessionToken });

    for (const ms of [-1, '300', undefined]) expect((await latency({ ms })).status).toBe(400);
    await fetch(`${emulator.apiUrl}/_emulator/reset`, { method: 'POST' });
  });
});
