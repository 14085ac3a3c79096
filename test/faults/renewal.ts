/**
 * Renewal against the emulator with its control endpoints (`--faults`, no media: each room is a
 * fake transport, every HTTP call is real): the next session's `streaming.new` fails, is too slow,
 * or is refused for the concurrency limit (10007); the old session ends while handing over;
 * `stop()` and the page being hidden during a handoff. Nothing may be left billing or pending.
 */

import { StreamingApiClient } from '../../src/api/client.js';
import { Avatar, type AvatarOptions } from '../../src/avatar.js';
import { heygen } from '../../src/providers/heygen.js';
import { type RunningEmulator, startEmulatorProcess } from '../emulator/emulator-process.js';
import { FakeTransport } from '../unit/fakes/session-parts.js';
import { countNewSessions } from './emulator.js';
import { eventually, type Group, type Outcome, PromiseTracker, type Scenario } from './matrix.js';

let emulator: RunningEmulator;

/** A connected avatar on the emulator; `outcome()` reads what it left behind there. */
async function connectedAvatar(options: Partial<AvatarOptions> = {}) {
  await emulator.control('reset', {});
  const mine = await countNewSessions(emulator);
  const tracker = new PromiseTracker();
  const transports: FakeTransport[] = [];
  const keyClient = new StreamingApiClient({
    credentials: { apiKey: 'emulator-api-key' },
    baseUrl: emulator.apiUrl,
  });
  const page = Object.assign(new EventTarget(), { hidden: false });
  const avatar = new Avatar({
    token: (signal) => keyClient.createSessionToken({ signal }),
    provider: heygen({ baseUrl: emulator.apiUrl }),
    transport: async () => {
      const transport = new FakeTransport();
      transports.push(transport);
      return transport;
    },
    pageLifecycle: new EventTarget(),
    pageVisibility: page,
    ...options,
  });
  const failures: string[] = [];
  avatar.on('renewFailed', (error) => failures.push(error.code));
  await tracker.track(avatar.start());
  const hide = () => {
    page.hidden = true;
    page.dispatchEvent(new Event('visibilitychange'));
  };
  const outcome = async (): Promise<Outcome> => {
    tracker.track(avatar.stop());
    await eventually(async () => (await mine()).active === 0 && tracker.pending === 0, 20_000);
    const { created, active } = await mine();
    return { created, leftActive: active, pending: tracker.pending, exits: emulator.running() ? 0 : 1 };
  };
  return { avatar, tracker, transports, failures, hide, outcome };
}

/** A renewal whose next session's `streaming.new` meets `fault`: renewFailed, the old session speaks on. */
function nextSessionRefused(
  name: string,
  fault: () => Promise<unknown>,
  options: Partial<AvatarOptions> = {},
): Scenario {
  return {
    name,
    async run() {
      const parts = await connectedAvatar(options);
      const first = parts.avatar.sessionId;
      await fault();
      await parts.tracker.track(parts.avatar.renew()).catch(() => undefined);
      // The current session goes on: the failure typed and reported once, still connected.
      if (
        parts.failures.length !== 1 ||
        parts.avatar.sessionId !== first ||
        parts.avatar.state !== 'connected'
      ) {
        throw new Error(
          `renewFailed ${parts.failures.join(', ')}; ${parts.avatar.sessionId} ${parts.avatar.state}`,
        );
      }
      parts.tracker.track(parts.avatar.speak('Still here.').done).catch(() => undefined);
      return parts.outcome();
    },
  };
}

/** A renewal under way (the old session still speaking), then `interfere`. */
function duringHandoff(
  name: string,
  interfere: (parts: Awaited<ReturnType<typeof connectedAvatar>>) => Promise<void>,
  options: Partial<AvatarOptions> = {},
): Scenario {
  return {
    name,
    async run() {
      const parts = await connectedAvatar(options);
      // No avatar events come from a fake room: the utterance stays at the old session's server,
      // so the hand-over waits for it.
      parts.tracker.track(parts.avatar.speak('A long answer being spoken.').done).catch(() => undefined);
      parts.tracker.track(parts.avatar.renew()).catch(() => undefined);
      await eventually(
        () => parts.transports.length === 2 && parts.transports[1]!.calls.includes('media heygen'),
      );
      await interfere(parts);
      return parts.outcome();
    },
  };
}

const scenarios: Scenario[] = [
  nextSessionRefused('the next session’s streaming.new fails (5xx after every retry)', () =>
    emulator.control('fail', { endpoint: '/v1/streaming.new', count: 10, status: 500 }),
  ),
  nextSessionRefused(
    'the next session’s streaming.new is slower than newSessionTimeoutMs',
    () => emulator.control('latency', { endpoint: '/v1/streaming.new', ms: 2000 }),
    { newSessionTimeoutMs: 500 },
  ),
  nextSessionRefused('the next session is refused: concurrent limit (10007)', () =>
    emulator.control('fail', {
      endpoint: '/v1/streaming.new',
      count: 1,
      status: 400,
      code: 10007,
      message: 'Concurrent limit reached',
    }),
  ),
  duringHandoff('the old session ends while handing over', async (parts) => {
    // Still the old session's: the switch waits for its speech.
    const old = parts.avatar.sessionId;
    await emulator.control('close', { session_id: old, reason: 'user' });
    parts.transports[0]!.emit('disconnected', 'server');
    // The next session takes over at once: the avatar never ends.
    const tookOver = await eventually(
      () => parts.avatar.state === 'connected' && parts.avatar.sessionId !== old,
    );
    if (!tookOver || parts.avatar.end)
      throw new Error(`the avatar is ${parts.avatar.state} (${parts.avatar.end?.reason})`);
  }),
  duringHandoff('stop() during a handoff', async (parts) => {
    parts.tracker.track(parts.avatar.stop());
  }),
  duringHandoff(
    'the page is hidden during a handoff',
    async (parts) => {
      parts.hide();
      await eventually(() => parts.avatar.state === 'closed');
    },
    { endWhenHiddenSeconds: 0 },
  ),
];

export const renewalGroup: Group = {
  name: 'renewal (emulator --faults)',
  scenarios,
  async setUp() {
    emulator = await startEmulatorProcess({ media: false });
    return () => emulator.stop();
  },
};
