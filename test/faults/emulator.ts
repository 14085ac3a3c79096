/**
 * The lifecycle against the emulator with its control endpoints (`--faults`, no media: the room is
 * a fake transport, every HTTP call is real): 5xx bursts, network errors and 429s of every kind
 * on each endpoint, a slow `streaming.new`, stops in each phase, failing stops, interrupts and
 * keep-alives, a lost room, an exhausted budget.
 */
import { StreamingApiClient } from '../../src/api/client.js';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { heygen } from '../../src/providers/heygen.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import type { SessionOptions } from '../../src/session/session-options.js';
import { type RunningEmulator, startEmulatorProcess } from '../emulator/emulator-process.js';
import { FakeTransport } from '../unit/fakes/session-parts.js';
import { eventually, type Group, type Outcome, PromiseTracker, pause, type Scenario } from './matrix.js';

let emulator: RunningEmulator;

interface EmulatorSessions {
  active: { session_id: string }[];
  closed: { session_id: string }[];
}

/**
 * Counts the sessions `target` creates from now on: `count()` gives how many were created and how
 * many of those are still active.
 */
export async function countNewSessions(target: RunningEmulator) {
  const sessions = () => target.control('sessions') as Promise<EmulatorSessions>;
  const before = await sessions();
  const known = new Set([...before.active, ...before.closed].map((entry) => entry.session_id));
  return async (): Promise<{ created: number; active: number }> => {
    const now = await sessions();
    const fresh = (list: { session_id: string }[]) => list.filter((entry) => !known.has(entry.session_id));
    return { created: fresh(now.active).length + fresh(now.closed).length, active: fresh(now.active).length };
  };
}

/** Rewrites the answers of one endpoint: `answer` returns a Response to use instead, or undefined. */
type Tamper = (path: string) => Response | Error | undefined;

/** One session against the emulator; `outcome()` reads what it left behind there. */
async function world(options: Partial<SessionOptions> = {}, tamper: Tamper = () => undefined) {
  await emulator.control('reset', {});
  const mine = await countNewSessions(emulator);
  const tracker = new PromiseTracker();
  const transport = new FakeTransport();
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    const tampered = tamper(path);
    if (tampered instanceof Error) throw tampered;
    return tampered ?? globalThis.fetch(input, init);
  };
  const keyClient = new StreamingApiClient({
    credentials: { apiKey: 'emulator-api-key' },
    baseUrl: emulator.apiUrl,
  });
  const session = new SessionEngine({
    token: (signal) => keyClient.createSessionToken({ signal }),
    provider: heygen({ baseUrl: emulator.apiUrl, fetch }),
    transport: async () => transport,
    pageLifecycle: new EventTarget(),
    ...options,
  });
  const outcome = async (): Promise<Outcome> => {
    // Stops retry with backoff and late sessions are stopped when they arrive: give them time.
    await eventually(async () => (await mine()).active === 0 && tracker.pending === 0, 15_000);
    const { created, active } = await mine();
    return { created, leftActive: active, pending: tracker.pending, exits: !emulator.running() ? 1 : 0 };
  };
  return { session, transport, tracker, outcome };
}

/** Starts, speaks, interrupts and stops; what every endpoint sees once. */
async function fullRun(parts: Awaited<ReturnType<typeof world>>): Promise<void> {
  const started = parts.tracker.track(parts.session.start());
  await started.catch(() => undefined);
  const utterance = parts.session.queue.speak('Hello from the fault matrix.');
  parts.tracker.track(utterance.done);
  await pause(300);
  parts.tracker.track(parts.session.interrupt()).catch(() => undefined);
  await pause(100);
  parts.tracker.track(parts.session.stop());
}

const endpoints = ['new', 'start', 'task', 'interrupt', 'stop'] as const;

function burst(endpoint: (typeof endpoints)[number], kind: '5xx' | 'network'): Scenario {
  return {
    name: `${kind === '5xx' ? '5xx burst' : 'network errors'} on streaming.${endpoint}`,
    async run() {
      let remaining = 4;
      const path = `/v1/streaming.${endpoint}`;
      const parts = await world({}, (requested) => {
        if (kind !== 'network' || requested !== path || remaining === 0) return undefined;
        remaining -= 1;
        return new TypeError('fetch failed');
      });
      if (kind === '5xx') await emulator.control('fail', { endpoint: path, count: 4, status: 503 });
      await fullRun(parts);
      return parts.outcome();
    },
  };
}

function tooManyRequests(label: string, retryAfter: () => string): Scenario {
  return {
    name: `429 on streaming.new with Retry-After ${label}`,
    async run() {
      let answered = false;
      const parts = await world({}, (path) => {
        if (path !== '/v1/streaming.new' || answered) return undefined;
        answered = true;
        return Response.json(
          { code: 400123, message: 'Too Many Requests' },
          { status: 429, headers: { 'retry-after': retryAfter() } },
        );
      });
      await fullRun(parts);
      return parts.outcome();
    },
  };
}

const scenarios: Scenario[] = [
  ...endpoints.map((endpoint) => burst(endpoint, '5xx')),
  ...endpoints.map((endpoint) => burst(endpoint, 'network')),
  tooManyRequests('1 (seconds)', () => '1'),
  tooManyRequests('as an HTTP date', () => new Date(Date.now() + 1000).toUTCString()),
  tooManyRequests('-5', () => '-5'),
  tooManyRequests('garbage', () => 'soon'),
  tooManyRequests('3600 (over the cap)', () => '3600'),
  {
    name: 'streaming.new slower than newSessionTimeoutMs',
    async run() {
      const parts = await world({ newSessionTimeoutMs: 500 });
      await emulator.control('latency', { endpoint: '/v1/streaming.new', ms: 2000 });
      parts.tracker.track(parts.session.start());
      await pause(2500);
      return parts.outcome();
    },
  },
  ...(['new', 'start'] as const).map(
    (endpoint): Scenario => ({
      name: `stop while streaming.${endpoint} is in flight`,
      async run() {
        const parts = await world();
        await emulator.control('latency', { endpoint: `/v1/streaming.${endpoint}`, ms: 1000 });
        parts.tracker.track(parts.session.start());
        await eventually(() => parts.session.phase === endpoint);
        parts.tracker.track(parts.session.stop());
        await pause(1500);
        return parts.outcome();
      },
    }),
  ),
  {
    name: 'streaming.keep_alive answers "session closed" (the emulator closed it)',
    async run() {
      const parts = await world({ idleTimeoutSeconds: 30 });
      await parts.tracker.track(parts.session.start());
      await emulator.control('close', { session_id: parts.session.sessionId, reason: 'idle_timeout' });
      // Keep-alives go out every quarter of the idle timeout (7.5 s).
      await eventually(() => parts.session.state === 'closed', 12_000);
      return parts.outcome();
    },
  },
  {
    name: 'the room is lost for good',
    async run() {
      const parts = await world();
      await parts.tracker.track(parts.session.start());
      parts.transport.emit('disconnected', 'network');
      return parts.outcome();
    },
  },
  {
    name: 'the budget runs out',
    async run() {
      const parts = await world();
      new CreditMeter(parts.session, { maxCredits: 0.1 });
      await parts.tracker.track(parts.session.start());
      return parts.outcome();
    },
  },
];

export const emulatorGroup: Group = {
  name: 'emulator --faults (HTTP)',
  scenarios,
  async setUp() {
    emulator = await startEmulatorProcess({ media: false });
    return () => emulator.stop();
  },
};
