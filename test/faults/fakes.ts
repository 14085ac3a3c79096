/**
 * The lifecycle against in-process fakes (provider, LiveKit-like transport, clock): stop in every
 * phase and state, double and concurrent calls, page hide in every phase, failing stops,
 * interrupts and keep-alives, a lost room, an exhausted budget.
 */

import { InvalidParameterError, ServerError, SessionClosedError } from '../../src/api/errors.js';
import { Avatar } from '../../src/avatar.js';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { MediaError } from '../../src/errors.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import type { SessionOptions } from '../../src/session/session-options.js';
import type { ConnectPhase } from '../../src/vocabulary.js';
import { FakeClock, settle } from '../unit/fakes/clock.js';
import { FakeProvider, FakeTransport, gate } from '../unit/fakes/session-parts.js';
import { type Group, type Outcome, PromiseTracker, type Scenario } from './matrix.js';

/** One session on fakes; `outcome()` reads what it left behind. */
function world(options: Partial<SessionOptions> = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider();
  const transport = new FakeTransport();
  const page = new EventTarget();
  const tracker = new PromiseTracker();
  const session = new SessionEngine({
    token: async () => 'token',
    avatarId: 'Anna',
    provider: () => provider,
    transport: async () => transport,
    clock,
    pageLifecycle: page,
    ...options,
  });
  const outcome = async (): Promise<Outcome> => {
    // Let every timer the session set run out (retries, watchdogs), a simulated ten minutes.
    await clock.advance(600_000);
    await settle();
    return { created: provider.createdIds.length, leftActive: provider.leftActive, pending: tracker.pending };
  };
  return { clock, provider, transport, page, tracker, session, outcome };
}

/** Holds the start at `phase`, returning what releases it. */
function holdAt(phase: ConnectPhase, parts: ReturnType<typeof world>) {
  const hold = gate();
  if (phase === 'new') parts.provider.holdNew = hold.promise;
  if (phase === 'start') parts.provider.holdStart = hold.promise;
  if (phase === 'room') parts.transport.holdConnect = hold.promise;
  if (phase === 'media') parts.transport.holdMedia = hold.promise;
  return hold;
}

const phases: ConnectPhase[] = ['token', 'new', 'start', 'room', 'media'];

/** Two worlds' outcomes as one scenario's. */
function sum(a: Outcome, b: Outcome): Outcome {
  return {
    created: a.created + b.created,
    leftActive: a.leftActive + b.leftActive,
    pending: a.pending + b.pending,
  };
}

function inPhase(
  phase: ConnectPhase,
  act: (parts: ReturnType<typeof world>) => void,
  verb: string,
): Scenario {
  return {
    name: `${verb} in phase ${phase}`,
    async run() {
      const token = gate<string>();
      const parts = world(phase === 'token' ? { token: () => token.promise } : {});
      const hold = phase === 'token' ? undefined : holdAt(phase, parts);
      parts.tracker.track(parts.session.start());
      await settle();
      if (parts.session.phase !== phase)
        throw new Error(`expected phase ${phase}, got ${parts.session.phase}`);
      act(parts);
      await settle();
      token.open('token');
      hold?.open();
      return parts.outcome();
    },
  };
}

const serverError = () => new ServerError('HeyGen answered HTTP 503', { status: 503 });

const scenarios: Scenario[] = [
  ...phases.map((phase) => inPhase(phase, (parts) => void parts.tracker.track(parts.session.stop()), 'stop')),
  ...phases.map((phase) =>
    inPhase(phase, (parts) => void parts.page.dispatchEvent(new Event('pagehide')), 'page hide'),
  ),
  {
    name: 'stop while idle, connected, reconnecting, and twice while closing',
    async run() {
      const idle = world();
      idle.tracker.track(idle.session.stop());
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.transport.emit('reconnecting');
      parts.tracker.track(parts.session.stop());
      parts.tracker.track(parts.session.stop());
      return sum(await idle.outcome(), await parts.outcome());
    },
  },
  {
    name: 'page hide while connected',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.page.dispatchEvent(new Event('pagehide'));
      return parts.outcome();
    },
  },
  {
    name: 'concurrent start, start, stop, start on the avatar',
    async run() {
      const provider = new FakeProvider();
      const clock = new FakeClock();
      const tracker = new PromiseTracker();
      let sessions = 0;
      const avatar = new Avatar({
        token: async () => 'token',
        clock,
        pageLifecycle: new EventTarget(),
        provider: () => {
          sessions += 1;
          provider.created = { ...provider.created, sessionId: `session-${sessions}` };
          return provider;
        },
        transport: async () => new FakeTransport(),
      });
      tracker.track(avatar.start());
      tracker.track(avatar.start());
      tracker.track(avatar.stop());
      await settle();
      await tracker.track(avatar.start());
      tracker.track(avatar.stop());
      await clock.advance(600_000);
      return {
        created: provider.createdIds.length,
        leftActive: provider.leftActive,
        pending: tracker.pending,
      };
    },
  },
  {
    name: 'streaming.new slower than its timeout',
    async run() {
      const parts = world({ newSessionTimeoutMs: 15_000 });
      const hold = holdAt('new', parts);
      parts.tracker.track(parts.session.start());
      await parts.clock.advance(15_000);
      hold.open();
      return parts.outcome();
    },
  },
  {
    name: 'a token provider that ignores its abort signal',
    async run() {
      const parts = world({ token: () => new Promise<string>(() => undefined) });
      const start = parts.session.start().catch(() => undefined);
      await settle();
      parts.tracker.track(parts.session.stop());
      await start;
      return parts.outcome();
    },
  },
  {
    name: 'start fails while the room join runs',
    async run() {
      const parts = world();
      const join = holdAt('room', parts);
      parts.transport.failConnect = new MediaError('Client initiated disconnect');
      parts.provider.failStart = serverError();
      parts.tracker.track(parts.session.start());
      await settle();
      join.open();
      return parts.outcome();
    },
  },
  {
    name: 'streaming.stop fails four times, then succeeds',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.provider.stopFailures = Array.from({ length: 4 }, serverError);
      parts.tracker.track(parts.session.stop());
      return parts.outcome();
    },
  },
  {
    name: 'streaming.interrupt fails during cancel and interrupt',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.provider.failInterrupt = serverError();
      const utterances = Array.from({ length: 20 }, (_, i) => parts.session.queue.speak(`Sentence ${i}.`));
      for (const utterance of utterances) parts.tracker.track(utterance.done);
      await settle();
      parts.transport.avatarSays({ type: 'avatar_start_talking', task_id: 'task-1' });
      await settle();
      parts.tracker.track(parts.session.queue.cancel(utterances[0]!.id));
      parts.tracker.track(parts.session.interrupt());
      await settle();
      parts.tracker.track(parts.session.stop());
      return parts.outcome();
    },
  },
  {
    name: 'a keep-alive answers "session closed"; another fails with 5xx',
    async run() {
      const closed = world();
      await closed.tracker.track(closed.session.start());
      closed.provider.failKeepAlive = new SessionClosedError({ status: 400, serverCode: 10005 });
      const failing = world();
      await failing.tracker.track(failing.session.start());
      failing.provider.failKeepAlive = serverError();
      await failing.clock.advance(120_000);
      failing.tracker.track(failing.session.stop());
      return sum(await closed.outcome(), await failing.outcome());
    },
  },
  {
    name: 'the room is lost for good',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.tracker.track(parts.session.queue.speak('Still talking.').done);
      parts.transport.emit('disconnected', 'network');
      return parts.outcome();
    },
  },
  {
    name: 'the budget runs out',
    async run() {
      const parts = world();
      new CreditMeter(parts.session, { clock: parts.clock, maxCredits: 0.2 });
      await parts.tracker.track(parts.session.start());
      return parts.outcome();
    },
  },
  {
    name: 'an avatar_stop_talking is lost while five utterances are queued',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      const long = 'This sentence is long enough to need a second piece. '.repeat(30).trim();
      for (const text of [long, 'One.', 'Two.', 'Three.', 'Four.'])
        parts.tracker.track(parts.session.queue.speak(text).done);
      // The avatar speaks each task as it is sent; the first task's stop event never arrives, and
      // its watchdog runs out (12 s) while the short utterances still wait.
      for (let played = 1; played <= 6; played++) {
        await settle();
        parts.transport.avatarSays({ type: 'avatar_start_talking', task_id: `task-${played}` });
        await settle();
        if (played !== 1)
          parts.transport.avatarSays({ type: 'avatar_stop_talking', task_id: `task-${played}` });
        if (played === 2) await parts.clock.advance(15_000);
      }
      await parts.clock.advance(60_000);
      parts.tracker.track(parts.session.stop());
      return parts.outcome();
    },
  },
  {
    name: 'streaming.stop answers 400 once, then confirms',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.provider.stopFailures = [
        new InvalidParameterError('The request was rejected as invalid.', {
          status: 400,
          serverCode: 400175,
        }),
      ];
      parts.tracker.track(parts.session.stop());
      return parts.outcome();
    },
  },
  {
    name: 'speak after stop, and an utterance whose events never come',
    async run() {
      const parts = world();
      await parts.tracker.track(parts.session.start());
      parts.tracker.track(parts.session.queue.speak('Nobody answers this.').done);
      await parts.clock.advance(60_000);
      await parts.tracker.track(parts.session.stop());
      parts.tracker.track(parts.session.queue.speak('Too late.').done);
      return parts.outcome();
    },
  },
];

export const fakesGroup: Group = { name: 'fakes (session, avatar)', scenarios };
