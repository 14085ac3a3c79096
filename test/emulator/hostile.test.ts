import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, SessionClosedError } from '../../src/api/errors.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess({ media: false });
}, 300_000);

afterAll(() => emulator?.stop());

/** Sends raw bytes to the emulator's port and resolves with the status line of the answer. */
function rawRequest(bytes: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(emulator.apiUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

/** Whether the emulator still answers, after whatever the test threw at it. */
async function stillServes(): Promise<boolean> {
  return (
    await fetch(`${emulator.apiUrl}/v1/streaming/avatar.list`, {
      headers: { 'x-api-key': 'emulator-api-key' },
    })
  ).ok;
}

describe('emulator: hostile requests get a 4xx and never take it down', () => {
  it.each([
    ['a request target that is not a path', 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'HTTP/1.1 400'],
    ['a broken Host header', 'POST / HTTP/1.1\r\nHost: a b\r\n\r\n', 'HTTP/1.1 4'],
    ['garbage instead of HTTP', 'x\x00\x01\r\n\r\n', 'HTTP/1.1 400'],
  ])('%s', async (_what, bytes, status) => {
    expect(await rawRequest(bytes)).toContain(status);
    expect(await stillServes()).toBe(true);
  });

  it('malformed JSON is a HeyGen-style 400', async () => {
    const response = await fetch(`${emulator.apiUrl}/v1/streaming.create_token`, {
      method: 'POST',
      headers: { 'x-api-key': 'emulator-api-key', 'content-type': 'application/json' },
      body: '{"unterminated',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 40001 });
  });

  it('a body over 1 MB gets 413 without being read whole', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 'a');
    const response = await fetch(`${emulator.apiUrl}/v1/streaming.task`, {
      method: 'POST',
      headers: { 'x-api-key': 'emulator-api-key', 'content-type': 'application/json' },
      body: huge,
    }).catch((error: unknown) => error);
    // The emulator answers 413 and closes the connection; fetch may see either.
    if (response instanceof Response) expect(response.status).toBe(413);
    const chunked = await rawRequest(
      Buffer.concat([
        Buffer.from(
          'POST /v1/streaming.task HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
        ),
        ...Array.from({ length: 3 }, () =>
          Buffer.from(`${(512 * 1024).toString(16)}\r\n${'a'.repeat(512 * 1024)}\r\n`),
        ),
        Buffer.from('0\r\n\r\n'),
      ]),
    );
    expect(chunked).toContain('413');
    expect(await stillServes()).toBe(true);
  });
});

describe('emulator: a session token acts only on its own session', () => {
  it('cannot list sessions, read the quota, see the catalogue or touch knowledge bases', async () => {
    const client = await emulator.sessionClient();
    const calls = [
      () => client.listActiveSessions(),
      () => client.listSessionHistoryPage(),
      () => client.getRemainingQuota(),
      () => client.listAvatars(),
      () => client.listKnowledgeBases(),
      () => client.createKnowledgeBase({ name: 'n', opening: 'o', prompt: 'p' }),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('stops working when its session closes', async () => {
    const client = await emulator.sessionClient();
    const { session_id: id } = await client.newSession({ version: 'v2' });
    await client.startSession(id);
    await client.stopSession(id);
    await expect(client.keepAlive(id)).rejects.toBeInstanceOf(SessionClosedError);
    await expect(client.newSession({ version: 'v2' })).rejects.toBeInstanceOf(AuthenticationError);
    await expect(client.listActiveSessions()).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('emulator: only this machine’s pages may drive it', () => {
  const get = (path: string, headers: Record<string, string>, apiUrl = emulator.apiUrl) =>
    new Promise<{ status: number; allowOrigin: string | undefined }>((resolve, reject) => {
      const { hostname, port } = new URL(apiUrl);
      const request = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (response) => {
        response.resume();
        const allowOrigin = response.headers['access-control-allow-origin'];
        resolve({
          status: response.statusCode ?? 0,
          allowOrigin: typeof allowOrigin === 'string' ? allowOrigin : undefined,
        });
      });
      request.on('error', reject);
      request.end();
    });
  const key = { 'x-api-key': 'emulator-api-key' };

  it('refuses a page of another site on both APIs and the control endpoints, with no CORS grant', async () => {
    for (const path of [
      '/v1/streaming/avatar.list',
      '/liveavatar/v1/avatars/public',
      '/_emulator/sessions',
    ]) {
      const answer = await get(path, { ...key, origin: 'https://evil.example' });
      expect(answer, path).toEqual({ status: 403, allowOrigin: undefined });
    }
  });

  it('refuses a Host that is not loopback (a rebound DNS name)', async () => {
    expect((await get('/v1/streaming/avatar.list', { ...key, host: 'attacker.example:8787' })).status).toBe(
      403,
    );
  });

  it('serves pages on 127.0.0.1 and localhost, and clients that send no Origin', async () => {
    expect((await get('/v1/streaming/avatar.list', { ...key, origin: 'http://localhost:5173' })).status).toBe(
      200,
    );
    expect((await get('/v1/streaming/avatar.list', { ...key, origin: 'http://127.0.0.1:3000' })).status).toBe(
      200,
    );
    expect((await get('/v1/streaming/avatar.list', key)).status).toBe(200);
  });

  it('refuses a websocket from another site', async () => {
    const { port } = new URL(emulator.apiUrl);
    const status = await rawRequest(
      `GET /v1/ws/streaming.chat?session_id=x&session_token=y HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        'Origin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(status).toBe('HTTP/1.1 403 Forbidden');
  });

  it('serves an origin it was told to allow', async () => {
    const allowing = await startEmulatorProcess({ media: false, allowedOrigins: ['https://app.example'] });
    try {
      const path = '/v1/streaming/avatar.list';
      expect(await get(path, { ...key, origin: 'https://app.example' }, allowing.apiUrl)).toEqual({
        status: 200,
        allowOrigin: '*',
      });
      expect((await get(path, { ...key, origin: 'https://other.example' }, allowing.apiUrl)).status).toBe(
        403,
      );
    } finally {
      await allowing.stop();
    }
  }, 60_000);
});
