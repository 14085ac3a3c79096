import { describe, expect, it } from 'vitest';
import { Avatar, type AvatarOptions } from '../../src/avatar.js';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { FakeClock, settle } from './fakes/clock.js';
import { FakeProvider, FakeTransport, gate } from './fakes/session-parts.js';

/** An avatar whose sessions run on fakes; each start gets a fresh provider and transport. */
function setup(options: Partial<AvatarOptions> = {}, holdFirstMedia?: Promise<void>) {
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
