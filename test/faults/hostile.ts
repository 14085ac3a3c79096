/**
 * Hostile requests to the emulator and to a token endpoint and a chat-completions endpoint in
 * their own process: malformed request lines and hosts, bodies far over the limit, malformed JSON,
 * anonymous and foreign-origin token requests, a burst past the rate limit, pages of other sites at
 * the emulator, unauthorized requests that try to lock a signed-in user out, callers of the model
 * without its secret or who hang up mid-answer. No process may exit, and no session may be created.
 */
import { connect } from 'node:net';
import { type RunningEmulator, startEmulatorProcess } from '../emulator/emulator-process.js';
import { type ReadyProcess, spawnUntilReady } from '../support/processes.js';
import type { Group, Outcome, Scenario } from './matrix.js';

let emulator: RunningEmulator;
let endpoint: ReadyProcess;

/** Sends raw bytes and resolves with the answer's status code (0 when the socket just closed). */
function raw(url: string, bytes: string | Buffer): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0)));
    socket.on('error', () => undefined);
    socket.end(bytes);
  });
}

const hugeChunkedPost = (path: string) =>
  Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
    ),
    ...Array.from({ length: 64 }, () => Buffer.from(`100000\r\n${'a'.repeat(0x100000)}\r\n`)),
    Buffer.from('0\r\n\r\n'),
  ]);

async function sessionsCreated(): Promise<number> {
  const { active, closed } = (await emulator.control('sessions')) as { active: unknown[]; closed: unknown[] };
  return active.length + closed.length;
}

/** Every hostile request in `requests` must get a 4xx (or a closed socket) and leave the target up. */
function hostile(
  target: 'emulator' | 'token endpoint' | 'chat endpoint',
  name: string,
  send: () => Promise<number[]>,
): Scenario {
  return {
    name: `${target}: ${name}`,
    async run(): Promise<Outcome> {
      const before = await sessionsCreated();
      const statuses = await send();
      const unexpected = statuses.filter((status) => status !== 0 && (status < 400 || status >= 500));
      if (unexpected.length > 0) throw new Error(`answered ${statuses.join(', ')}`);
      const exited = target === 'emulator' ? !emulator.running() : endpoint.child.exitCode !== null;
      const created = (await sessionsCreated()) - before;
      return { created, leftActive: created, pending: 0, exits: exited ? 1 : 0 };
    },
  };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(
    (response) => response.status,
    () => 0,
  );

const tokenUrl = () => endpoint.found.url!;
const chatUrl = () => endpoint.found.chat!;
const model = { authorization: 'Bearer model-secret' };
const question = (content: string) => JSON.stringify({ stream: true, messages: [{ role: 'user', content }] });

const scenarios: Scenario[] = [
  hostile('emulator', 'a request target that is not a path', async () => [
    await raw(emulator.apiUrl, 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
  ]),
  hostile('emulator', 'a Host with a space, and bytes that are not HTTP', async () => [
    await raw(emulator.apiUrl, 'POST /v1/streaming.new HTTP/1.1\r\nHost: a b\r\n\r\n'),
    await raw(emulator.apiUrl, '\x00\x01\x02\r\n\r\n'),
  ]),
  hostile('emulator', 'a 64 MB body', async () => [
    await raw(emulator.apiUrl, hugeChunkedPost('/v1/streaming.new')),
  ]),
  hostile('emulator', 'malformed JSON', async () => [
    await post(`${emulator.apiUrl}/v1/streaming.new`, '{"avatar_id":', { 'x-api-key': 'emulator-api-key' }),
  ]),
  hostile('token endpoint', 'a request target that is not a path, with a broken Host', async () => [
    await raw(tokenUrl(), 'POST //[ HTTP/1.1\r\nHost: a b\r\n\r\n'),
  ]),
  hostile('token endpoint', 'a 64 MB body', async () => [
    await raw(tokenUrl(), hugeChunkedPost('/api/avatar-token')),
  ]),
  hostile('token endpoint', 'malformed JSON and a JSON array', async () => [
    await post(tokenUrl(), '{"unterminated', { authorization: 'Bearer signed-in-user' }),
    await post(tokenUrl(), '[1]', { authorization: 'Bearer signed-in-user' }),
  ]),
  hostile('token endpoint', 'anonymous and foreign-origin token requests', async () => [
    await post(tokenUrl(), '{}'),
    await post(tokenUrl(), '{}', { authorization: 'Bearer signed-in-user', origin: 'https://evil.example' }),
  ]),
  hostile('token endpoint', 'a report of a session it did not issue the token for', async () => [
    await post(tokenUrl(), JSON.stringify({ session_id: 'someone-elses', token: 'made-up' })),
  ]),
  hostile(
    'emulator',
    'a page of another site and a rebound Host, on its APIs and control endpoints',
    async () => {
      const { port } = new URL(emulator.apiUrl);
      return [
        await raw(
          emulator.apiUrl,
          `GET /_emulator/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n`,
        ),
        await raw(
          emulator.apiUrl,
          'POST /liveavatar/v1/sessions/token HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\ncontent-length: 0\r\nConnection: close\r\n\r\n',
        ),
        await raw(
          emulator.apiUrl,
          'POST /v1/streaming.create_token HTTP/1.1\r\nHost: rebound.example\r\nx-api-key: emulator-api-key\r\ncontent-length: 0\r\nConnection: close\r\n\r\n',
        ),
      ];
    },
  ),
  hostile(
    'token endpoint',
    'ten unauthorized requests with the site’s Origin, then the signed-in user',
    async () => {
      const refused = await Promise.all(Array.from({ length: 10 }, () => post(tokenUrl(), '{}')));
      // Refused requests spend no one's limit: the signed-in user still gets a token.
      const signedIn = await post(tokenUrl(), '{}', { authorization: 'Bearer signed-in-user' });
      if (signedIn !== 200) throw new Error(`the signed-in user got ${signedIn}`);
      return refused;
    },
  ),
  hostile('token endpoint', '20 token requests in a burst (5 per minute allowed)', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => post(tokenUrl(), '{}', { authorization: 'Bearer signed-in-user' })),
    );
    // Refused requests from the same client count too, so at most 5 of these get a token.
    const issued = statuses.filter((status) => status === 200).length;
    if (issued > 5 || !statuses.includes(429)) throw new Error(`answered ${statuses.join(', ')}`);
    return statuses.filter((status) => status !== 200);
  }),
  hostile('chat endpoint', 'no secret, a wrong one, and a GET', async () => [
    await post(chatUrl(), question('hi')),
    await post(chatUrl(), question('hi'), { authorization: 'Bearer guess' }),
    await fetch(chatUrl()).then((response) => response.status),
  ]),
  hostile('chat endpoint', 'a 64 MB body, malformed JSON and a conversation that is not one', async () => [
    await raw(chatUrl(), hugeChunkedPost('/v1/chat/completions')),
    await post(chatUrl(), '{"messages":', model),
    await post(chatUrl(), JSON.stringify({ messages: [{ role: 7, content: {} }] }), model),
  ]),
  hostile('chat endpoint', 'callers that go away mid-answer, and a model that fails', async () => {
    // Ten callers hang up after the first words: the model is told, nothing is left streaming.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const caller = new AbortController();
        const response = await fetch(chatUrl(), {
          method: 'POST',
          headers: model,
          body: question('hours?'),
          signal: caller.signal,
        });
        await response.body!.getReader().read();
        caller.abort();
      }),
    );
    // A model that fails is the model's failure, not the caller's: 502, and the endpoint goes on.
    const failing = await fetch(chatUrl(), { method: 'POST', headers: model, body: question('fail') });
    const whole = await fetch(chatUrl(), { method: 'POST', headers: model, body: question('hours?') });
    const text = await whole.text();
    if (failing.status !== 502 || whole.status !== 200 || !text.includes('[DONE]')) {
      throw new Error(`a failing model got ${failing.status}, then a question ${whole.status}`);
    }
    return [];
  }),
];

export const hostileGroup: Group = {
  name: 'hostile requests',
  scenarios,
  async setUp() {
    emulator = await startEmulatorProcess({ media: false });
    endpoint = await spawnUntilReady('test/faults/token-endpoint.ts', [emulator.apiUrl], {
      url: /^Token endpoint: (\S+)/m,
      chat: /^Chat endpoint: (\S+)/m,
    });
    return async () => {
      await endpoint.stop();
      await emulator.stop();
    };
  },
};
