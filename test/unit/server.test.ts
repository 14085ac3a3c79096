import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createSessionTokenHandler,
  type SessionTokenHandlerOptions,
  toNodeListener,
} from '../../src/server/index.js';
import { fail } from './fakes/fetch.js';
import { fakeHeyGenAccount } from './fakes/heygen-accounts.js';

const ENDPOINT = 'http://127.0.0.1:3000/api/avatar-token';

function post(body: unknown = {}, headers: Record<string, string> = {}) {
  return new Request(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function setup(options: Partial<SessionTokenHandlerOptions> = {}) {
  const heygen = fakeHeyGenAccount();
  const handler = createSessionTokenHandler({
    apiKey: 'secret',
    fetch: heygen.fetch,
    authorize: (request) => request.headers.get('x-user') === 'alice',
    ...options,
  });
  return { heygen, handler };
}

const signedIn = { 'x-user': 'alice' };

async function tokenFrom(handler: ReturnType<typeof setup>['handler']): Promise<string> {
  const response = await handler(post({}, signedIn));
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

describe('createSessionTokenHandler: safe by default', () => {
  it('refuses to be created without authorize, and warns when explicitly anonymous', () => {
    expect(() => createSessionTokenHandler({ apiKey: 'secret' })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', option: 'authorize' }),
    );
    const warnings: string[] = [];
    createSessionTokenHandler({
      apiKey: 'secret',
      allowAnonymous: true,
      warn: (line) => warnings.push(line),
    });
    expect(warnings.join()).toContain('anyone who can reach this endpoint can start paid avatar sessions');
  });

  it('answers an authorized POST with an uncached token, and a refused one with 403', async () => {
    const { handler } = setup();
    const response = await handler(post({}, signedIn));
    expect(await response.json()).toEqual({ token: 'tok-1' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await handler(post())).status).toBe(403);
    expect((await handler(new Request(ENDPOINT))).status).toBe(405);
    expect(handler.issuedTokens).toBe(1);
  });

  it('passes HeyGen errors on with their status and envelope', async () => {
    const { handler } = setup({ apiKey: 'wrong' });
    const response = await handler(post({}, signedIn));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 40009, message: 'invalid credentials' });
  });

  it('only serves pages of its own origin unless given an Origin list', async () => {
    const { handler } = setup();
    expect((await handler(post({}, { ...signedIn, origin: 'http://127.0.0.1:3000' }))).status).toBe(200);
    const foreign = await handler(post({}, { ...signedIn, origin: 'https://evil.example' }));
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ message: expect.stringContaining('https://evil.example') });

    // A framework may name the endpoint localhost in the URL while the browser asked 127.0.0.1.
    const rewritten = new Request('http://localhost:3000/api/avatar-token', {
      method: 'POST',
      headers: {
        ...signedIn,
        host: '127.0.0.1:3000',
        origin: 'http://127.0.0.1:3000',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect((await handler(rewritten)).status).toBe(200);

    const listed = setup({ allowedOrigins: ['https://shop.example'] }).handler;
    const allowed = await listed(post({}, { ...signedIn, origin: 'https://shop.example' }));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('limits tokens per client per minute with 429 and Retry-After, each client on its own', async () => {
    const { handler } = setup({ tokensPerMinute: 3 });
    const from = (address: string) => handler(post({}, signedIn), { remoteAddress: address });
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1')).status).toBe(200);
    const limited = await from('10.0.0.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from('10.0.0.2')).status).toBe(200);
    expect(handler.issuedTokens).toBe(4);
  });

  it('checks authorize before the rate limit: refused requests never lock a signed-in user out', async () => {
    // A Fetch handler (Next.js, Hono, Bun) is told no remote address.
    const { handler } = setup({
      tokensPerMinute: 3,
      authorize: (request) => /^session=(alice|bob)$/.test(request.headers.get('cookie') ?? ''),
    });
    const site = { origin: 'http://127.0.0.1:3000' };
    for (let i = 0; i < 10; i++) expect((await handler(post({}, site))).status).toBe(403);
    expect((await handler(post({}, { ...site, cookie: 'session=alice' }))).status).toBe(200);
  });

  it('keys the rate limit on the signed-in user’s credentials, also behind one proxy address', async () => {
    const { handler } = setup({
      tokensPerMinute: 2,
      authorize: (request) => /^session=(alice|bob)$/.test(request.headers.get('cookie') ?? ''),
    });
    const proxy = { remoteAddress: '10.0.0.9' };
    const as = (user: string) => handler(post({}, { cookie: `session=${user}` }), proxy);
    for (let i = 0; i < 2; i++) expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(429);
    expect((await as('bob')).status).toBe(200);
    // Without a remote address (a Fetch handler) too.
    expect((await handler(post({}, { cookie: 'session=bob' }))).status).toBe(200);
    expect((await handler(post({}, { cookie: 'session=bob' }))).status).toBe(429);
  });

  it('answers a body over the limit with 413 and a malformed one with 400', async () => {
    const { handler } = setup({ maxBodyBytes: 1024 });
    expect((await handler(post('x'.repeat(2048), signedIn))).status).toBe(413);
    const streamed = new Request(ENDPOINT, {
      method: 'POST',
      headers: signedIn,
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(new Uint8Array(512));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect((await handler(streamed)).status).toBe(413);
    expect((await handler(post('{"unterminated', signedIn))).status).toBe(400);
    expect((await handler(post('[1,2]', signedIn))).status).toBe(400);
  });
});

describe('createSessionTokenHandler: exact session ownership', () => {
  it('records a session when the page reports it and HeyGen confirms the token created it', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create(token, 'mine');
    heygen.create('someone-elses-token', 'theirs');
    expect((await handler(post({ session_id: 'mine', token }))).status).toBe(204);
    expect((await handler.listSessions()).map((session) => session.session_id)).toEqual(['mine']);
    expect(await handler.stopAllSessions()).toEqual(['mine']);
    expect([...heygen.active]).toEqual(['theirs']);
  });

  it('refuses a report for a session the token did not create, a token it did not issue, and a second report', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create(token, 'mine');
    heygen.create('other', 'theirs');
    expect((await handler(post({ session_id: 'theirs', token }))).status).toBe(403);
    const second = await tokenFrom(handler);
    heygen.create(second, 'mine-too');
    expect((await handler(post({ session_id: 'mine-too', token: 'not-issued-here' }))).status).toBe(403);
    expect((await handler(post({ session_id: 'mine-too', token: second }))).status).toBe(204);
    expect((await handler(post({ session_id: 'mine-too', token: second }))).status).toBe(403);
    expect((await handler.listSessions()).map((session) => session.session_id)).toEqual(['mine-too']);
  });

  it('retries HeyGen’s check through an outage, and past it answers 502 with the token still claimable', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create(token, 'mine');
    heygen.failNext(fail(503, 500, 'upstream unavailable'));
    expect((await handler(post({ session_id: 'mine', token }))).status).toBe(204);

    const second = await tokenFrom(handler);
    heygen.create(second, 'mine-too');
    for (let i = 0; i < 4; i++) heygen.failNext(fail(503, 500, 'upstream unavailable'));
    const outage = await handler(post({ session_id: 'mine-too', token: second }));
    expect(outage.status).toBe(502);
    expect(outage.headers.get('retry-after')).toBe('1');
    expect((await handler(post({ session_id: 'mine-too', token: second }))).status).toBe(204);
    expect((await handler.listSessions()).map((session) => session.session_id)).toEqual(['mine', 'mine-too']);
  }, 20_000);

  it('a report of someone else’s session does not spend the token', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create('other-backends-token', 'theirs');
    expect((await handler(post({ session_id: 'theirs', token }))).status).toBe(403);
    heygen.create(token, 'mine');
    expect((await handler(post({ session_id: 'mine', token }))).status).toBe(204);
  });

  it('answers HeyGen’s error in a 200 envelope with the error’s own status, never 200', async () => {
    const { handler, heygen } = setup();
    heygen.failNext(
      Response.json({ error: { code: 10007, message: 'concurrent limit reached' }, data: null }),
    );
    const limited = await handler(post({}, signedIn));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ code: 10007, message: 'concurrent limit reached' });
    heygen.failNext(Response.json({ code: 99999, message: 'something odd' }));
    expect((await handler(post({}, signedIn))).status).toBe(502);
  });

  it('ends a session for the page that created it as it goes away: once, and only with its token', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create(token, 'mine');
    const other = await tokenFrom(handler);
    heygen.create(other, 'also-mine');
    expect((await handler(post({ session_id: 'mine', token, end: true }))).status).toBe(403); // not reported yet
    await handler(post({ session_id: 'mine', token }));
    await handler(post({ session_id: 'also-mine', token: other }));
    expect((await handler(post({ session_id: 'mine', token: other, end: true }))).status).toBe(403);
    expect((await handler(post({ session_id: 'mine', token, end: true }))).status).toBe(204);
    expect([...heygen.active]).toEqual(['also-mine']);
    expect((await handler(post({ session_id: 'mine', token, end: true }))).status).toBe(403);
  });

  it('forgets owned sessions that are no longer active', async () => {
    const { handler, heygen } = setup();
    const token = await tokenFrom(handler);
    heygen.create(token, 'mine');
    await handler(post({ session_id: 'mine', token }));
    heygen.active.delete('mine');
    expect(await handler.listSessions()).toEqual([]);
    heygen.active.add('mine');
    expect(await handler.listSessions()).toEqual([]);
  });
});

describe('toNodeListener', () => {
  async function serve(options: Partial<SessionTokenHandlerOptions> = {}) {
    const { handler } = setup(options);
    const server = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { server, port, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  function raw(port: number, path: string, headers: Record<string, string>, body?: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  it('answers a request that cannot become a Request with 400, and keeps serving', async () => {
    const { port, close } = await serve();
    expect(await raw(port, '//[', { host: 'a b' })).toBe(400);
    expect(
      await raw(port, '/api/avatar-token', { 'x-user': 'alice', 'content-type': 'application/json' }),
    ).toBe(200);
    await close();
  });

  it('stops reading a huge body at the limit and answers 413', async () => {
    const { port, close } = await serve({ maxBodyBytes: 16_384 });
    const status = await raw(
      port,
      '/api/avatar-token',
      { 'x-user': 'alice' },
      Buffer.alloc(64 * 1024 * 1024),
    );
    expect(status).toBe(413);
    await close();
  });
});
