/**
 * A vitest test of the backend's token route against the emulator: no HeyGen account, no credits,
 * no network. (Shown in docs/emulator.md.)
 */
import { type RunningEmulator, startEmulator } from 'streaming-avatar-emulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokenRoute } from './token-route.js';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ media: false }); // REST only: fast, no livekit-server needed
});
afterAll(() => emulator.stop());

const post = (headers: Record<string, string> = {}) =>
  new Request('http://127.0.0.1/api/avatar-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
  });

it('gives a signed-in user a session token that can create a session', async () => {
  const route = tokenRoute({ HEYGEN_API_KEY: 'emulator-api-key', HEYGEN_API_BASE: emulator.apiUrl });
  const response = await route(post({ authorization: 'Bearer signed-in-user' }));
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  const created = await fetch(`${emulator.apiUrl}/v1/streaming.new`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(created.status).toBe(200);
});

it('refuses anyone else', async () => {
  const route = tokenRoute({ HEYGEN_API_KEY: 'emulator-api-key', HEYGEN_API_BASE: emulator.apiUrl });
  expect((await route(post())).status).toBe(403);
});
