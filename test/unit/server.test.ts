import { describe, expect, it } from 'vitest';
import { createSessionTokenHandler } from '../../src/server/index.js';
import { fromEndpoint } from '../../src/tokens.js';
import { unsafeFromApiKey } from '../../src/unsafe-api-key.js';
import { fail, fakeFetch, ok } from './fakes/fetch.js';

const heygen = () =>
  fakeFetch((request) => {
    if (request.headers.get('x-api-key') !== 'secret') return fail(401, 40009, 'invalid credentials');
    if (request.path === '/v1/streaming.create_token')
      return Response.json({ error: null, data: { token: 'tok-1' } });
    if (request.path === '/v1/streaming.list') {
      const now = Math.floor(Date.now() / 1000);
      return ok({
        sessions: [
          { session_id: 'mine', status: 'connected', created_at: now + 1 },
          { session_id: 'older', status: 'connected', created_at: now - 3600 },
        ],
      });
    }
    return ok(null);
  });

const post = () => new Request('http://127.0.0.1/api/avatar-token', { method: 'POST', body: '{}' });

describe('createSessionTokenHandler', () => {
  it('answers POST with a session token and counts it', async () => {
    const upstream = heygen();
    const handler = createSessionTokenHandler({ apiKey: 'secret', fetch: upstream.fetch });
    const response = await handler(post());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ token: 'tok-1' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(handler.issuedTokens).toBe(1);
  });

  it('passes HeyGen errors on with their status and envelope', async () => {
    const handler = createSessionTokenHandler({ apiKey: 'wrong', fetch: heygen().fetch });
    const response = await handler(post());
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 40009, message: 'invalid credentials' });
  });

  it('refuses other methods and requests the app does not authorize', async () => {
    const handler = createSessionTokenHandler({
      apiKey: 'secret',
      fetch: heygen().fetch,
      authorize: (request) => request.headers.get('x-user') === 'ok',
    });
    expect((await handler(new Request('http://127.0.0.1/t'))).status).toBe(405);
    expect((await handler(post())).status).toBe(403);
  });

  it('lists and stops the sessions started since it issued its first token', async () => {
    const upstream = heygen();
    const handler = createSessionTokenHandler({ apiKey: 'secret', fetch: upstream.fetch });
    expect(await handler.listSessions()).toEqual([]);
    await handler(post());
    expect((await handler.listSessions()).map((session) => session.session_id)).toEqual(['mine']);
    expect(await handler.stopAllSessions()).toEqual(['mine']);
    expect(upstream.requests.at(-1)).toMatchObject({
      path: '/v1/streaming.stop',
      body: { session_id: 'mine' },
    });
  });
});

describe('session token providers', () => {
  it('fromEndpoint reads {token} from the page backend', async () => {
    const backend = fakeFetch(() => Response.json({ token: 'abc' }));
    const provider = fromEndpoint('http://127.0.0.1/api/avatar-token', {
      fetch: backend.fetch,
      headers: { 'x-csrf': '1' },
    });
    await expect(provider(new AbortController().signal)).resolves.toBe('abc');
    expect(backend.requests[0]).toMatchObject({ method: 'POST', path: '/api/avatar-token' });
    expect(backend.requests[0]?.headers.get('x-csrf')).toBe('1');
  });

  it('fromEndpoint turns a backend error into the typed error', async () => {
    const backend = fakeFetch(() => fail(401, 40009, 'invalid credentials'));
    const provider = fromEndpoint('http://127.0.0.1/t', { fetch: backend.fetch });
    await expect(provider(new AbortController().signal)).rejects.toMatchObject({ code: 'authentication' });
  });

  it('fromEndpoint names the page’s own endpoint when it fails, never HeyGen', async () => {
    const notFound = fromEndpoint('/api/avatar-token', {
      fetch: fakeFetch(() => new Response('Not Found', { status: 404 })).fetch,
    });
    const error = await notFound(new AbortController().signal).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'token_endpoint', status: 404 });
    expect((error as Error).message).toBe('Your token endpoint /api/avatar-token answered HTTP 404.');

    const refused = fromEndpoint('/api/avatar-token', {
      fetch: fakeFetch(() => fail(403, 403, 'Not allowed to start an avatar session.')).fetch,
    });
    const denied = await refused(new AbortController().signal).catch((caught: unknown) => caught);
    expect(denied).toMatchObject({ code: 'authentication' });
    expect((denied as Error).message).toContain('Your token endpoint /api/avatar-token refused the request');
    expect((denied as Error).message).not.toContain('HeyGen');
  });

  it('fromEndpoint says when the answer has no token', async () => {
    const backend = fakeFetch(() => Response.json({ tok: 'abc' }));
    const provider = fromEndpoint('http://127.0.0.1/t', { fetch: backend.fetch });
    await expect(provider(new AbortController().signal)).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('unsafeFromApiKey warns on every use', async () => {
    const warnings: string[] = [];
    const provider = unsafeFromApiKey('secret', {
      fetch: heygen().fetch,
      warn: (message) => warnings.push(message),
    });
    await provider(new AbortController().signal);
    await provider(new AbortController().signal);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/exposes your HeyGen API key/);
  });
});
