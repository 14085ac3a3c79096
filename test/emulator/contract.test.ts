import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { StreamingApiClient } from '../../src/api/client.js';
import {
  AuthenticationError,
  AvatarNotFoundError,
  ConcurrencyLimitError,
  InvalidParameterError,
  PlanLimitError,
  SessionClosedError,
  SessionNotFoundError,
} from '../../src/api/errors.js';
import { creditsForSession } from '../../src/credits/rate-plans.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess();
}, 300_000);

afterAll(() => emulator?.stop());

async function startedSession(request = {}) {
  const client = await emulator.sessionClient();
  const session = await client.newSession({ version: 'v2', ...request });
  await client.startSession(session.session_id);
  return { client, session, id: session.session_id };
}

async function ledger(apiKey = 'emulator-api-key') {
  const rows = (await emulator.control('ledger')) as { api_key: string; used_credits: number }[];
  return rows.find((row) => row.api_key === apiKey)!;
}

/** The process and its descendants (livekit-server is the emulator's child), from /proc. */
function processTree(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent's pid; the name (field 2) is in parentheses.
        return Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false; // the process ended meanwhile
      }
    })
    .map(Number);
  return [pid, ...children.flatMap(processTree)];
}

describe('emulator: network', () => {
  it('binds every listener, livekit-server’s included, to 127.0.0.1 only', () => {
    const pids = processTree(emulator.pid);
    const sockets = execFileSync('ss', ['-Hltunp'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)));
    const local = sockets.map((line) => line.trim().split(/\s+/)[4]);
    expect(local.length).toBeGreaterThanOrEqual(3); // API, LiveKit signalling, WebRTC UDP
    for (const address of local) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('emulator: session lifecycle', () => {
  it('creates, starts, lists, stops and then refuses a session as HeyGen does', async () => {
    const { client, session, id } = await startedSession({ quality: 'low' });
    expect(session.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(session.session_duration_limit).toBe(3600);
    expect(session.is_paid).toBe(true);
    const active = await emulator.admin.listActiveSessions();
    expect(active.find((entry) => entry.session_id === id)?.status).toBe('connected');

    const task = await client.sendTask({ sessionId: id, text: 'Hello from the contract test.' });
    expect(task.task_id).not.toBe('');
    expect(task.duration_ms).toBeGreaterThan(500);
    await client.keepAlive(id);
    await client.interrupt(id);
    await client.stopSession(id);

    expect((await emulator.admin.listActiveSessions()).some((entry) => entry.session_id === id)).toBe(false);
    await expect(client.keepAlive(id)).rejects.toBeInstanceOf(SessionClosedError);
    const history: string[] = [];
    for await (const entry of emulator.admin.listSessionHistory()) history.push(entry.session_id);
    expect(history).toContain(id);
  });

  it('answers sync tasks once the speech has ended', async () => {
    const { client, id } = await startedSession();
    const started = Date.now();
    const response = await fetch(`${emulator.apiUrl}/v1/streaming.task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'emulator-api-key' },
      body: JSON.stringify({ session_id: id, text: 'One two three.', task_mode: 'sync' }),
    });
    const { data } = (await response.json()) as { data: { duration_ms: number } };
    // No viewer joins here: the avatar waits up to 5 s for one, then speaks anyway.
    expect(Date.now() - started).toBeGreaterThanOrEqual(data.duration_ms);
    await client.stopSession(id);
  }, 30_000);
});

describe('emulator: auth', () => {
  it('rejects an unknown API key', async () => {
    const stranger = new StreamingApiClient({ credentials: { apiKey: 'nope' }, baseUrl: emulator.apiUrl });
    await expect(stranger.createSessionToken()).rejects.toMatchObject({
      code: 'authentication',
      serverCode: 40009,
    });
  });

  it('uses a session token once', async () => {
    const client = await emulator.sessionClient();
    const first = await client.newSession({});
    const second = await client.newSession({}).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(AuthenticationError);
    expect((second as AuthenticationError).serverCode).toBe(400112);
    await client.stopSession(first.session_id);
  });

  it('does not let one session token act on another session', async () => {
    const a = await emulator.sessionClient();
    const b = await emulator.sessionClient();
    const sessionA = await a.newSession({});
    const sessionB = await b.newSession({});
    await expect(a.stopSession(sessionB.session_id)).rejects.toBeInstanceOf(AuthenticationError);
    await a.stopSession(sessionA.session_id);
    await b.stopSession(sessionB.session_id);
  });

  it('rejects a made-up session token', async () => {
    const fake = new StreamingApiClient({
      credentials: { sessionToken: 'made-up' },
      baseUrl: emulator.apiUrl,
    });
    await expect(fake.newSession({})).rejects.toMatchObject({ code: 'authentication', serverCode: 400112 });
  });
});

describe('emulator: rejects what HeyGen rejects', () => {
  it('says which avatar was not found', async () => {
    const client = await emulator.sessionClient();
    const error = await client.newSession({ avatar_id: 'No_Such_Avatar' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AvatarNotFoundError);
    expect((error as AvatarNotFoundError).serverCode).toBe(10013);
    expect((error as Error).message).toContain('No_Such_Avatar');
  });

  it('refuses repeat text over 1,000 characters, naming the limit, but takes exactly 1,000', async () => {
    const { client, id } = await startedSession();
    const error = await client
      .sendTask({ sessionId: id, text: 'a'.repeat(1001) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).serverMessage).toContain('1000');
    await expect(client.sendTask({ sessionId: id, text: 'word '.repeat(200) })).resolves.toBeDefined();
    await client.stopSession(id);
  });

  it('refuses tasks before start, unknown sessions and idle timeouts out of range', async () => {
    const client = await emulator.sessionClient();
    const created = await client.newSession({});
    await expect(client.sendTask({ sessionId: created.session_id, text: 'Hi.' })).rejects.toMatchObject({
      code: 'session_state',
      sessionState: 'new',
    });
    await expect(emulator.admin.keepAlive('0000')).rejects.toBeInstanceOf(SessionNotFoundError);
    const other = await emulator.sessionClient();
    await expect(other.newSession({ activity_idle_timeout: 10 })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    await client.stopSession(created.session_id);
  });

  it('refuses a fourth concurrent session on a trial key (seed 002: 3)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await (await emulator.sessionClient('emulator-trial-key')).newSession({})).session_id);
    const fourth = await emulator.sessionClient('emulator-trial-key');
    const error = await fourth.newSession({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrencyLimitError);
    const trial = new StreamingApiClient({
      credentials: { apiKey: 'emulator-trial-key' },
      baseUrl: emulator.apiUrl,
    });
    for (const id of ids) await trial.stopSession(id);
  });

  it('answers 429 with Retry-After when rate limited, and the client waits it out', async () => {
    await emulator.control('rate-limit', {
      endpoint: '/v1/streaming/avatar.list',
      count: 1,
      retryAfterSeconds: 1,
    });
    const started = Date.now();
    const avatars = await emulator.admin.listAvatars();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(avatars.length).toBeGreaterThan(0);
  });
});

describe('emulator: voice-chat socket', () => {
  it('opens for the session token of a live session, refuses others, and closes with the session', async () => {
    const keyClient = new StreamingApiClient({
      credentials: { apiKey: 'emulator-api-key' },
      baseUrl: emulator.apiUrl,
    });
    const token = await keyClient.createSessionToken();
    const client = new StreamingApiClient({ credentials: { sessionToken: token }, baseUrl: emulator.apiUrl });
    const { session_id: id } = await client.newSession({});
    const socketUrl = (query: string) =>
      `${emulator.apiUrl.replace('http', 'ws')}/v1/ws/streaming.chat?${query}`;
    const opened = (url: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    await expect(opened(socketUrl(`session_id=${id}&session_token=wrong`))).rejects.toThrow(/401/);
    const socket = await opened(socketUrl(`session_id=${id}&session_token=${token}&arch_version=v2`));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await client.stopSession(id);
    expect(await closed).toBe(1000);
  });
});

describe('emulator: catalogue endpoints', () => {
  it('lists avatars and keeps knowledge bases', async () => {
    const avatars = await emulator.admin.listAvatars();
    expect(avatars.every((avatar) => avatar.status === 'ACTIVE')).toBe(true);
    const id = await emulator.admin.createKnowledgeBase({
      name: 'FAQ',
      opening: 'Hi!',
      prompt: 'We open at nine.',
    });
    await emulator.admin.updateKnowledgeBase(id, { name: 'Opening hours' });
    expect((await emulator.admin.listKnowledgeBases()).find((kb) => kb.id === id)?.name).toBe(
      'Opening hours',
    );
    await emulator.admin.deleteKnowledgeBase(id);
    expect((await emulator.admin.listKnowledgeBases()).some((kb) => kb.id === id)).toBe(false);
  });
});

describe('emulator: credits (seed 000: 0.2 credits/min, 30 s minimum, 1-s increments)', () => {
  it('bills a short session the 30-second minimum and reports the quota in seconds', async () => {
    const before = await ledger();
    const quotaBefore = await emulator.admin.getRemainingQuota();
    const { client, id } = await startedSession();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await client.stopSession(id);
    const after = await ledger();
    expect(after.used_credits - before.used_credits).toBeCloseTo(creditsForSession(1.5), 9);
    expect(quotaBefore - (await emulator.admin.getRemainingQuota())).toBe(30);
  });
});

describe('emulator: timeouts', () => {
  it.concurrent('closes a session after its idle timeout, and keep-alives hold it open', async () => {
    // Ten times real time: the 30-second idle timeout passes in 3 s, keep-alives every 8 s of
    // emulated time go out every 0.8 s.
    const scale = 10;
    const fast = await startEmulatorProcess({ media: false, faults: true, timeScale: scale });
    try {
      const started = async () => {
        const client = await fast.sessionClient();
        const session = await client.newSession({ activity_idle_timeout: 30 });
        await client.startSession(session.session_id);
        return { client, id: session.session_id };
      };
      const [idle, kept] = await Promise.all([started(), started()]);
      for (let second = 0; second < 32; second += 8) {
        await kept.client.keepAlive(kept.id);
        await new Promise((resolve) => setTimeout(resolve, 8000 / scale));
      }
      await expect(idle.client.keepAlive(idle.id)).rejects.toBeInstanceOf(SessionClosedError);
      await expect(kept.client.keepAlive(kept.id)).resolves.toBeUndefined();
      await kept.client.stopSession(kept.id);
      const sessions = (await fast.control('sessions')) as {
        closed: { session_id: string; close_reason: string }[];
      };
      expect(sessions.closed.find((entry) => entry.session_id === idle.id)?.close_reason).toBe(
        'idle_timeout',
      );
    } finally {
      await fast.stop();
    }
  });

  it.concurrent('closes a session at its duration limit and ends it when the credits run out', async () => {
    const small = await startEmulatorProcess({
      media: false,
      sessionDurationSeconds: 2,
      keys: {
        rich: { tier: 'api', credits: 100 },
        poor: { tier: 'api', credits: 0.1 },
        broke: { tier: 'api', credits: 0 },
      },
    });
    try {
      const limited = await small.sessionClient('rich');
      const session = await limited.newSession({});
      expect(session.session_duration_limit).toBe(2);
      await limited.startSession(session.session_id);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await expect(limited.keepAlive(session.session_id)).rejects.toBeInstanceOf(SessionClosedError);

      const poor = await small.sessionClient('poor');
      const poorSession = await poor.newSession({});
      await poor.startSession(poorSession.session_id);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await expect(poor.keepAlive(poorSession.session_id)).rejects.toBeInstanceOf(SessionClosedError);

      const broke = await small.sessionClient('broke');
      await expect(broke.newSession({})).rejects.toBeInstanceOf(PlanLimitError);
    } finally {
      await small.stop();
    }
  }, 60_000);
});
