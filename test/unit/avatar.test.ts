import { describe, expect, it } from 'vitest';
import { Avatar, type AvatarOptions } from '../../src/avatar.js';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { PICTURE_SWITCH_MS } from '../../src/session/renewal.js';
import { FakeClock, settle } from './fakes/clock.js';
import { FakeProvider, FakeTransport, gate } from './fakes/session-parts.js';

/** An avatar whose sessions run on fakes; each start gets a fresh provider and transport. */
function setup(
  options: Partial<AvatarOptions> = {},
  holdFirstMedia?: Promise<void>,
  prepare?: (provider: FakeProvider, index: number) => void,
) {
  const clock = new FakeClock();
  const providers: FakeProvider[] = [];
  const transports: FakeTransport[] = [];
  const avatar = new Avatar({
    token: async () => 'token',
    clock,
    pageLifecycle: new EventTarget(),
    provider: () => {
      const provider = new FakeProvider();
      provider.created = { ...provider.created, sessionId: `session-${providers.length + 1}` };
      prepare?.(provider, providers.length);
      providers.push(provider);
      return provider;
    },
    transport: async () => {
      const transport = new FakeTransport();
      if (transports.length === 0) transport.holdMedia = holdFirstMedia;
      transports.push(transport);
      return transport;
    },
    ...options,
  });
  const states: string[] = [];
  avatar.on('stateChanged', (state) => states.push(state));
  return { avatar, clock, providers, transports, states };
}

describe('Avatar', () => {
  it('loads, connects, and passes every session’s events through one emitter', async () => {
    const { avatar, states, transports } = setup();
    const ready: string[] = [];
    avatar.on('ready', () => ready.push(avatar.sessionId!));
    await avatar.start();
    expect(states).toEqual(['loading', 'connecting', 'connected']);
    await avatar.stop();
    await avatar.start();
    expect(ready).toEqual(['session-1', 'session-2']);
    expect(states.slice(3)).toEqual(['closing', 'closed', 'loading', 'connecting', 'connected']);
    expect(transports).toHaveLength(2);
  });

  it('runs one start at a time: starts during loading and connecting create one session', async () => {
    const media = gate();
    const { avatar, providers } = setup({}, media.promise);
    const first = avatar.start();
    expect(avatar.state).toBe('loading');
    const second = avatar.start();
    await settle();
    expect(avatar.state).toBe('connecting');
    const third = avatar.start();
    expect(second).toBe(first);
    expect(third).toBe(first);
    media.open();
    await first;
    expect(providers).toHaveLength(1);
  });

  it('asks for the session token as the start begins, while the session machinery loads; a stop aborts the request', async () => {
    const asked: { state: string; signal: AbortSignal }[] = [];
    const { avatar, providers } = setup({
      token: async (signal) => {
        asked.push({ state: avatar.state, signal });
        return 'token';
      },
    });
    await avatar.start();
    expect(asked.map((request) => request.state)).toEqual(['loading']);
    expect(providers).toHaveLength(1);
    await avatar.stop();
    const stopped = avatar.start().catch((error: unknown) => error);
    await avatar.stop();
    expect(await stopped).toMatchObject({ code: 'aborted' });
    expect(asked).toHaveLength(2);
    expect(asked[1]!.signal.aborted).toBe(true);
  });

  it('asks early also when the provider checks the options first, once the check has passed', async () => {
    const steps: string[] = [];
    const provider = Object.assign(() => new FakeProvider(), {
      checkOptions: async () => {
        steps.push(`checked while ${avatar.state}`);
      },
    });
    const { avatar } = setup({
      provider,
      token: async () => {
        steps.push(`token asked while ${avatar.state}`);
        return 'token';
      },
    });
    await avatar.start();
    expect(steps.slice(0, 2)).toEqual(['checked while loading', 'token asked while loading']);
    expect(steps.filter((step) => step.startsWith('token'))).toHaveLength(1);
  });

  it('stop while loading cancels the start: back to idle, no session created', async () => {
    const { avatar, providers, states } = setup();
    const started = avatar.start().catch((error: unknown) => error);
    expect(avatar.state).toBe('loading');
    await avatar.stop();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(avatar.state).toBe('idle');
    expect(states).toEqual(['loading', 'idle']);
    expect(providers).toHaveLength(0);
    await avatar.start();
    expect(providers).toHaveLength(1);
  });

  it('start while reconnecting keeps the session instead of creating a second one', async () => {
    const { avatar, providers, transports } = setup();
    await avatar.start();
    transports[0]!.emit('reconnecting');
    expect(avatar.state).toBe('reconnecting');
    await avatar.start();
    expect(providers).toHaveLength(1);
    expect(providers[0]!.count('stop')).toBe(0);
  });

  it('stop while connecting stops the created session; the next start makes a new one', async () => {
    const { avatar, providers } = setup({}, new Promise(() => undefined));
    const started = avatar.start().catch((error: unknown) => error);
    await settle();
    expect(avatar.state).toBe('connecting');
    await avatar.stop();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(providers[0]!.count('stop')).toBe(1);
    await avatar.start();
    expect(avatar.sessionId).toBe('session-2');
  });

  it('a start right after stop() waits for the closing session before creating the next', async () => {
    const { avatar, providers } = setup();
    await avatar.start();
    const stopped = avatar.stop();
    const restarted = avatar.start();
    await Promise.all([stopped, restarted]);
    expect(providers[0]!.count('stop')).toBe(1);
    expect(avatar.state).toBe('connected');
    expect(avatar.sessionId).toBe('session-2');
  });

  it('the utterances outlive a session: after an end, speak() fails typed; the next session speaks on, ids unique', async () => {
    const { avatar, providers } = setup();
    const queued: string[] = [];
    avatar.on('utteranceQueued', (utterance) => queued.push(utterance.id));
    await avatar.start();
    const first = avatar.speak('Before the end.');
    await avatar.stop();
    await expect(first.done).rejects.toMatchObject({ code: 'interrupted' });
    await expect(avatar.speak('Between sessions.').done).rejects.toMatchObject({ code: 'session_closed' });
    await avatar.start();
    const next = avatar.speak('On the next session.');
    await settle();
    expect(providers[1]!.calls).toContain('task On the next session.');
    expect(next.status).toBe('queued');
    expect(queued).toEqual(['utterance-1', 'utterance-2', 'utterance-3']);
  });

  it('speak before the first start is a typed not_started error', () => {
    const { avatar } = setup();
    expect(() => avatar.speak('Hello')).toThrow(expect.objectContaining({ code: 'not_started' }));
  });

  it('an option out of range fails the start with invalid_parameter and leaves the state as it was', async () => {
    const { avatar } = setup({ idleTimeoutSeconds: 5 });
    await expect(avatar.start()).rejects.toMatchObject({ code: 'invalid_parameter' });
    expect(avatar.state).toBe('idle');
  });

  it('a credit meter on the avatar follows each session afresh', async () => {
    const { avatar, clock } = setup();
    const meter = new CreditMeter(avatar, { clock, maxCredits: 1 });
    await avatar.start();
    await clock.advance(60_000);
    expect(meter.reading().elapsedSeconds).toBe(60);
    await avatar.stop();
    await avatar.start();
    await clock.advance(10_000);
    expect(meter.reading()).toMatchObject({ elapsedSeconds: 10, running: true });
  });

  it('ends the session after the page is hidden for endWhenHiddenSeconds, and restarts when visible', async () => {
    const page = Object.assign(new EventTarget(), { hidden: false });
    const setHidden = (hidden: boolean) => {
      page.hidden = hidden;
      page.dispatchEvent(new Event('visibilitychange'));
    };
    const { avatar, clock, providers } = setup({
      pageVisibility: page,
      endWhenHiddenSeconds: 30,
      restartWhenVisible: true,
    });
    const ends: string[] = [];
    avatar.on('ended', ({ reason }) => ends.push(reason));
    await avatar.start();
    setHidden(true);
    await clock.advance(20_000);
    setHidden(false); // back in time: nothing happens
    setHidden(true);
    await clock.advance(29_000);
    expect(ends).toEqual([]);
    await clock.advance(1000);
    expect(ends).toEqual(['page_hidden']);
    expect(providers[0]!.count('stop')).toBe(1);
    setHidden(false);
    await settle();
    expect(avatar.state).toBe('connected');
    expect(providers).toHaveLength(2);
  });

  it('ends a session nobody uses after endAfterInactivitySeconds; speech, speak() and noteActivity() hold it off', async () => {
    const { avatar, clock, providers } = setup({ endAfterInactivitySeconds: 60 });
    const ends: string[] = [];
    avatar.on('ended', ({ reason }) => ends.push(reason));
    await avatar.start();
    await clock.advance(50_000);
    avatar.noteActivity(); // a tap on the kiosk
    await clock.advance(50_000);
    avatar.speak('Welcome back.');
    await clock.advance(50_000);
    avatar.emit('userSpeech', 'Where is the exit?', false); // the visitor speaks (voice chat)
    await clock.advance(59_000);
    expect(ends).toEqual([]);
    expect(avatar.state).toBe('connected');
    await clock.advance(1000);
    expect(ends).toEqual(['inactivity']);
    expect(providers[0]!.count('stop')).toBe(1);
    // No countdown while no session runs.
    await clock.advance(600_000);
    expect(ends).toEqual(['inactivity']);
  });

  it('refuses an endAfterInactivitySeconds under 10 s, or not a finite number: at construction, or at the start for options read then', async () => {
    for (const endAfterInactivitySeconds of [5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const invalid = { code: 'invalid_parameter', option: 'endAfterInactivitySeconds' };
      expect(() => setup({ endAfterInactivitySeconds })).toThrow(expect.objectContaining(invalid));
      const avatar = new Avatar(() => ({ token: async () => 'token', endAfterInactivitySeconds }));
      await expect(avatar.start()).rejects.toMatchObject(invalid);
      expect(avatar.state).toBe('idle');
    }
  });

  it('leaves a hidden page alone when endWhenHiddenSeconds is not set', async () => {
    const page = Object.assign(new EventTarget(), { hidden: false });
    const { avatar, clock } = setup({ pageVisibility: page });
    await avatar.start();
    page.hidden = true;
    page.dispatchEvent(new Event('visibilitychange'));
    await clock.advance(300_000);
    expect(avatar.state).toBe('connected');
  });
});

describe('Avatar renewal', () => {
  /** Lets a renewal finish: the old session streams on for a while after the switch (PICTURE_SWITCH_MS). */
  async function finish(renewal: Promise<void>, clock: FakeClock): Promise<void> {
    let settled = false;
    const watched = renewal.finally(() => {
      settled = true;
    });
    for (let step = 0; step < 40 && !settled; step++) await clock.advance(250);
    await watched;
  }

  /** The avatar's speech events as they happen: `start task-1`, `stop task-1`. */
  function speaks(transport: FakeTransport, event: 'start' | 'stop', taskId: string) {
    transport.avatarSays({ type: `avatar_${event}_talking`, task_id: taskId });
  }

  it('moves to a new session without a state change or an end: ready gives its media, the old one stops, listeners stay', async () => {
    const { avatar, clock, providers, transports, states } = setup();
    await avatar.start();
    const ready: string[] = [];
    const ends: string[] = [];
    const renewals: unknown[] = [];
    avatar.on('ready', () => ready.push(avatar.sessionId!));
    avatar.on('ended', ({ reason }) => ends.push(reason));
    avatar.on('renewed', (renewal) => renewals.push(renewal));
    await finish(avatar.renew(), clock);
    expect(avatar.sessionId).toBe('session-2');
    expect(avatar.media).toBe(transports[1]!.media);
    expect(ready).toEqual(['session-2']);
    expect(states).toEqual(['loading', 'connecting', 'connected']);
    expect(ends).toEqual([]);
    expect(renewals).toEqual([
      { previousSessionId: 'session-1', sessionId: 'session-2', overlapSeconds: PICTURE_SWITCH_MS / 1000 },
    ]);
    expect(providers[0]!.stoppedIds).toEqual(new Set(['session-1']));
    expect(providers[1]!.leftActive).toBe(1);
    await avatar.stop();
    expect(ends).toEqual(['user']);
    expect(providers.map((provider) => provider.leftActive)).toEqual([0, 0]);
  });

  it('waits for a pause in speech; the utterances not yet begun are spoken by the new session, none twice', async () => {
    const { avatar, clock, providers, transports } = setup();
    await avatar.start();
    const first = avatar.speak('First words.');
    const second = avatar.speak('Second words.');
    const third = avatar.speak('Third words.');
    await settle();
    // The second utterance goes to the server once the first starts, so no gap opens between them.
    speaks(transports[0]!, 'start', 'task-1');
    await settle();
    const renewed = avatar.renew();
    await settle();
    expect(transports).toHaveLength(2);
    expect(avatar.sessionId).toBe('session-1');
    speaks(transports[0]!, 'stop', 'task-1');
    speaks(transports[0]!, 'start', 'task-2');
    await settle();
    expect(avatar.sessionId).toBe('session-1');
    speaks(transports[0]!, 'stop', 'task-2');
    await finish(renewed, clock);
    await expect(Promise.all([first.done, second.done])).resolves.toEqual([undefined, undefined]);
    expect(avatar.sessionId).toBe('session-2');
    const tasks = (provider: FakeProvider) => provider.calls.filter((call) => call.startsWith('task'));
    expect(tasks(providers[0]!)).toEqual(['task First words.', 'task Second words.']);
    expect(tasks(providers[1]!)).toEqual(['task Third words.']);
    speaks(transports[1]!, 'start', 'task-1');
    speaks(transports[1]!, 'stop', 'task-1');
    await expect(third.done).resolves.toBeUndefined();
  });

  it('after 10 s of one long utterance, moves at the end of its current piece', async () => {
    const { avatar, clock, providers, transports } = setup();
    await avatar.start();
    const sentence = `${'word '.repeat(150).trim()}.`;
    const long = avatar.speak(Array.from({ length: 4 }, () => sentence).join(' '));
    await settle();
    speaks(transports[0]!, 'start', 'task-1');
    await settle();
    const renewed = avatar.renew();
    await clock.advance(9_000);
    speaks(transports[0]!, 'stop', 'task-1');
    speaks(transports[0]!, 'start', 'task-2');
    await clock.advance(1_000);
    // From here no piece is sent to the old session: the one waiting there (the third) is its last.
    speaks(transports[0]!, 'stop', 'task-2');
    speaks(transports[0]!, 'start', 'task-3');
    await settle();
    expect(avatar.sessionId).toBe('session-1');
    speaks(transports[0]!, 'stop', 'task-3');
    await finish(renewed, clock);
    expect(avatar.sessionId).toBe('session-2');
    expect(providers[0]!.count('task')).toBe(3);
    expect(providers[1]!.count('task')).toBe(1);
    speaks(transports[1]!, 'start', 'task-1');
    speaks(transports[1]!, 'stop', 'task-1');
    await settle();
    expect(long.status).toBe('ended');
  });

  it('3 s before the old session ends, switches whatever is said: the old one stops talking, the new one says the cut piece again', async () => {
    const { avatar, clock, providers, transports } = setup();
    await avatar.start();
    await clock.advance(590_000);
    const sentence = `${'word '.repeat(150).trim()}.`;
    const long = avatar.speak(`${sentence} ${sentence}`);
    await settle();
    speaks(transports[0]!, 'start', 'task-1');
    const renewed = avatar.renew();
    await clock.advance(6_000);
    expect(avatar.sessionId).toBe('session-1');
    await clock.advance(1_000);
    expect(avatar.sessionId).toBe('session-2');
    expect(providers[0]!.calls).toContain('interrupt session-1');
    // The first piece again, then the second: nothing lost.
    expect(providers[1]!.count('task')).toBe(1);
    speaks(transports[1]!, 'start', 'task-1');
    await settle();
    speaks(transports[1]!, 'stop', 'task-1');
    await settle();
    speaks(transports[1]!, 'start', 'task-2');
    speaks(transports[1]!, 'stop', 'task-2');
    await finish(renewed, clock);
    expect(long.status).toBe('ended');
    expect(providers[1]!.count('task')).toBe(2);
  });

  it('when the old session ends while handing over, the new one takes over at once and says the cut piece again', async () => {
    const { avatar, clock, providers, transports, states } = setup();
    await avatar.start();
    const utterance = avatar.speak('Cut short by the server.');
    await settle();
    speaks(transports[0]!, 'start', 'task-1');
    const ends: string[] = [];
    avatar.on('ended', ({ reason }) => ends.push(reason));
    const renewed = avatar.renew();
    await settle();
    transports[0]!.emit('disconnected', 'server');
    await finish(renewed, clock);
    expect(avatar.sessionId).toBe('session-2');
    expect(states.at(-1)).toBe('connected');
    expect(ends).toEqual([]);
    expect(providers[1]!.calls).toContain('task Cut short by the server.');
    speaks(transports[1]!, 'start', 'task-1');
    speaks(transports[1]!, 'stop', 'task-1');
    await expect(utterance.done).resolves.toBeUndefined();
    expect(providers[0]!.leftActive).toBe(0);
  });

  it('a next session that cannot start: renewFailed, typed; the current one speaks on and nothing is left billing', async () => {
    const { avatar, providers, transports } = setup({}, undefined, (provider, index) => {
      if (index === 1) provider.failStart = new Error('10007: concurrent limit reached');
    });
    await avatar.start();
    const failures: string[] = [];
    avatar.on('renewFailed', (error) => failures.push(error.code));
    await expect(avatar.renew()).rejects.toMatchObject({ code: 'media' });
    expect(failures).toEqual(['media']);
    expect(avatar.sessionId).toBe('session-1');
    expect(avatar.state).toBe('connected');
    expect(providers[1]!.leftActive).toBe(0);
    avatar.speak('Still here.');
    await settle();
    expect(providers[0]!.calls).toContain('task Still here.');
    expect(transports[1]!.calls).toContain('disconnect');
  });

  it('stop() during a renewal stops both sessions', async () => {
    const media = gate();
    const { avatar, clock, providers, transports } = setup();
    await avatar.start();
    const renewed = avatar.renew().catch(() => undefined);
    await settle();
    transports[1]!.holdMedia = media.promise;
    await avatar.stop();
    media.open();
    await finish(renewed, clock);
    await settle();
    expect(providers.map((provider) => provider.leftActive)).toEqual([0, 0]);
    expect(avatar.state).toBe('closed');
  });

  it('renew() without a connected session is a typed not_started error', async () => {
    const { avatar } = setup();
    await expect(avatar.renew()).rejects.toMatchObject({ code: 'not_started' });
  });

  it('renews renewBeforeEndSeconds before the duration limit, every session', async () => {
    const { avatar, clock, providers } = setup({ renewBeforeEndSeconds: 30 });
    const renewals: string[] = [];
    avatar.on('renewed', ({ sessionId }) => renewals.push(sessionId));
    await avatar.start();
    await clock.advance(569_000);
    expect(providers).toHaveLength(1);
    // The old session streams on for a while after the switch (PICTURE_SWITCH_MS).
    await clock.advance(1_000 + PICTURE_SWITCH_MS);
    expect(renewals).toEqual(['session-2']);
    await clock.advance(570_000);
    expect(renewals).toEqual(['session-2', 'session-3']);
    expect(providers.map((provider) => provider.leftActive)).toEqual([0, 0, 1]);
  });

  it('refuses a renewBeforeEndSeconds under 10 s, or not a finite number', () => {
    for (const renewBeforeEndSeconds of [5, Number.NaN]) {
      expect(() => setup({ renewBeforeEndSeconds })).toThrow(
        expect.objectContaining({ code: 'invalid_parameter', option: 'renewBeforeEndSeconds' }),
      );
    }
  });

  it('the credit meter bills a next session while it waits unseen, and after stop() ends the handoff before it took over', async () => {
    const { avatar, clock, transports, providers } = setup();
    const meter = new CreditMeter(avatar, { clock });
    await avatar.start();
    await clock.advance(100_000);
    avatar.speak('Still speaking: the handoff waits.');
    await settle();
    speaks(transports[0]!, 'start', 'task-1');
    const renewed = avatar.renew().catch(() => undefined);
    await clock.advance(5_000);
    expect(avatar.sessionId).toBe('session-1');
    // Session 2 started unseen 5 s ago: both are billed (HeyGen's plan: 30 s minimum each, seed 000).
    expect(meter.reading()).toMatchObject({ elapsedSeconds: 105 + 5, billedSeconds: 105 + 30 });
    // Listed as a span, not as the session itself.
    expect(avatar.renewedSessions).toEqual([{ startedAt: clock.now() - 5_000, endedAt: undefined }]);
    await avatar.stop();
    await finish(renewed, clock);
    await clock.advance(60_000);
    expect(providers.map((provider) => provider.leftActive)).toEqual([0, 0]);
    expect(meter.reading()).toMatchObject({ elapsedSeconds: 110, billedSeconds: 135, running: false });
  });

  it('the credit meter bills both sessions while they overlap; renewed gives the overlap', async () => {
    const { avatar, clock, transports } = setup();
    const meter = new CreditMeter(avatar, { clock });
    const overlaps: number[] = [];
    avatar.on('renewed', ({ overlapSeconds }) => overlaps.push(overlapSeconds));
    await avatar.start();
    await clock.advance(100_000);
    avatar.speak('Still speaking when the next session is ready.');
    await settle();
    speaks(transports[0]!, 'start', 'task-1');
    const renewed = avatar.renew();
    await clock.advance(5_000);
    speaks(transports[0]!, 'stop', 'task-1');
    await finish(renewed, clock);
    await clock.advance(60_000);
    // Session 1 streamed on 5 s for the utterance and PICTURE_SWITCH_MS after the switch; session 2 from
    // its start while session 1 still spoke.
    const [first] = avatar.renewedSessions;
    const firstSeconds = (first!.endedAt! - first!.startedAt!) / 1000;
    const secondSeconds = (clock.now() - avatar.startedAt!) / 1000;
    expect(firstSeconds).toBeGreaterThanOrEqual(105 + PICTURE_SWITCH_MS / 1000);
    expect(overlaps).toEqual([(first!.endedAt! - avatar.startedAt!) / 1000]);
    expect(overlaps[0]).toBeGreaterThanOrEqual(5 + PICTURE_SWITCH_MS / 1000);
    const both = firstSeconds + secondSeconds;
    expect(meter.reading()).toMatchObject({ elapsedSeconds: both, billedSeconds: both, running: true });
    await avatar.stop();
    expect(meter.reading()).toMatchObject({ elapsedSeconds: both, running: false });
  });
});
