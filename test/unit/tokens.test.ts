import { describe, expect, it } from 'vitest';
import { fromEndpoint } from '../../src/tokens.js';
import { unsafeFromApiKey } from '../../src/unsafe-api-key.js';
import { fail, fakeFetch } from './fakes/fetch.js';

const heygen = () =>
  fakeFetch((request) =>
    request.headers.get('x-api-key') === 'secret'
      ? Response.json({ error: null, data: { token: 'tok-1' } })
      : fail(401, 40009, 'invalid credentials'),
  );

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

  it('fromEndpoint reports the created session to the same endpoint', async () => {
    const backend = fakeFetch(() => new Response(null, { status: 204 }));
    const provider = fromEndpoint('http://127.0.0.1/api/avatar-token', { fetch: backend.fetch });
    await provider.reportSession?.('session-1', 'tok-1');
    expect(backend.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/avatar-token',
      body: { session_id: 'session-1', token: 'tok-1' },
    });
  });

  it('fromEndpoint asks the endpoint to end the session with a keepalive request as the page goes away', async () => {
    const backend = fakeFetch(() => new Response(null, { status: 204 }));
    const provider = fromEndpoint('http://127.0.0.1/api/avatar-token', {
      fetch: backend.fetch,
      headers: { 'x-csrf': 'c' },
    });
    provider.endSessionOnUnload?.('session-1', 'tok-1');
    expect(backend.requests[0]).toMatchObject({
      method: 'POST',
      keepalive: true,
      body: { session_id: 'session-1', token: 'tok-1', end: true },
    });
    expect(backend.requests[0]?.headers.get('x-csrf')).toBe('c');
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
