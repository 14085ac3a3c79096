/**
 * The bench's `remote` network profile (bench/network.ts): every request to the API crosses
 * toxiproxy's 60 ms each way, and the emulator works 600 ms on `streaming.new` and 400 ms on
 * `streaming.start` before it answers. Timed from below only: a loaded machine adds, never takes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_PROFILES, type ProfiledEmulator, startProfiledEmulator } from '../../bench/network.js';
import { StreamingApiClient } from '../../src/api/client.js';

let remote: ProfiledEmulator;

beforeAll(async () => {
  remote = await startProfiledEmulator(NETWORK_PROFILES.remote, { media: false });
}, 300_000);

afterAll(() => remote?.stop());

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

describe('the remote network profile', () => {
  it('delays each request by a round trip, and streaming.new and streaming.start by their server work', async () => {
    const admin = new StreamingApiClient({
      credentials: { apiKey: 'emulator-api-key' },
      baseUrl: remote.apiUrl,
    });
    const [sessionToken, tokenMs] = await timed(() => admin.createSessionToken());
    expect(tokenMs).toBeGreaterThanOrEqual(120);
    const client = new StreamingApiClient({ credentials: { sessionToken }, baseUrl: remote.apiUrl });
    const [session, newMs] = await timed(() => client.newSession({}));
    expect(newMs).toBeGreaterThanOrEqual(120 + 600);
    const [, startMs] = await timed(() => client.startSession(session.session_id));
    expect(startMs).toBeGreaterThanOrEqual(120 + 400);
    await client.stopSession(session.session_id);
    // The emulator itself, a loopback away, answers without the network.
    const direct = new StreamingApiClient({
      credentials: { apiKey: 'emulator-api-key' },
      baseUrl: remote.emulator.apiUrl,
    });
    expect((await direct.listActiveSessions()).length).toBe(0);
  });
});
