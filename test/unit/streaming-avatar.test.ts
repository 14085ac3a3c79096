import { describe, expect, it } from 'vitest';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { AvatarController, type AvatarControllerOptions } from '../../src/session/controller.js';
import { AvatarSession } from '../../src/session/session.js';
import { FakeClock, settle } from './fakes/clock.js';
import { FakeProvider, FakeTransport, gate } from './fakes/session-parts.js';

/** A controller whose sessions run on fakes; each start gets a fresh provider and transport. */
function setup(options: Partial<AvatarControllerOptions> = {}, holdFirstMedia?: Promise<void>) {
  const clock = new FakeClock();
  const providers: FakeProvider[] = [];
  const transports: FakeTransport[] = [];
  const controller = new AvatarController({
    token: async () => 'token',
    clock,
    pageLifecycle: new EventTarget(),
    createSession: (sessionOptions) => {
      const provider = new FakeProvider();
      provider.created = { ...provider.created, sessionId: `session-${providers.length + 1}` };
      const transport = new FakeTransport();
      if (transports.length === 0) transport.holdMedia = holdFirstMedia;
      providers.push(provider);
      transports.push(transport);
      return new AvatarSession({
        ...sessionOptions,
        provider: () => provider,
        transport: async () => transport,
      });
    },
    ...options,
  });
  const states: string[] = [];
  controller.on('stateChanged', (state) => states.push(state));
  return { controller, clock, providers, transports, states };
}

describe('AvatarController', () => {
  it('loads, connects, and passes every session’s events through one emitter', async () => {
    const { controller, states, transports } = setup();
    const ready: string[] = [];
    controller.on('ready', () => ready.push(controller.session!.sessionId!));
    await controller.start();
    expect(states).toEqual(['loading', 'connecting', 'connected']);
    await controller.stop();
    await controller.start();
    expect(ready).toEqual(['session-1', 'session-2']);
    expect(states.slice(3)).toEqual(['closing', 'closed', 'loading', 'connecting', 'connected']);
    expect(transports).toHaveLength(2);
  });

  it('runs one start at a time: starts during loading and connecting create one session', async () => {
    const media = gate();
    const { controller, providers } = setup({}, media.promise);
    const first = controller.start();
    expect(controller.state).toBe('loading');
    const second = controller.start();
    await settle();
    expect(controller.state).toBe('connecting');
    const third = controller.start();
    expect(second).toBe(first);
    expect(third).toBe(first);
    media.open();
    await first;
    expect(providers).toHaveLength(1);
  });

  it('stop while loading cancels the start: back to idle, no session created', async () => {
    const { controller, providers, states } = setup();
    const started = controller.start().catch((error: unknown) => error);
    expect(controller.state).toBe('loading');
    await controller.stop();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(controller.state).toBe('idle');
    expect(states).toEqual(['loading', 'idle']);
    expect(providers).toHaveLength(0);
    await controller.start();
    expect(providers).toHaveLength(1);
  });

  it('start while reconnecting keeps the session instead of creating a second one', async () => {
    const { controller, providers, transports } = setup();
    await controller.start();
    transports[0]!.emit('reconnecting');
    expect(controller.state).toBe('reconnecting');
    await controller.start();
    expect(providers).toHaveLength(1);
    expect(providers[0]!.count('stop')).toBe(0);
  });

  it('stop while connecting stops the created session; the next start makes a new one', async () => {
    const { controller, providers } = setup({}, new Promise(() => undefined));
    const started = controller.start().catch((error: unknown) => error);
    await settle();
    expect(controller.state).toBe('connecting');
    await controller.stop();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(providers[0]!.count('stop')).toBe(1);
    await controller.start();
    expect(controller.session!.sessionId).toBe('session-2');
  });

  it('a start right after stop() waits for the closing session before creating the next', async () => {
    const { controller, providers } = setup();
    await controller.start();
    const stopped = controller.stop();
    const restarted = controller.start();
    await Promise.all([stopped, restarted]);
    expect(providers[0]!.count('stop')).toBe(1);
    expect(controller.state).toBe('connected');
    expect(controller.session!.sessionId).toBe('session-2');
  });

  it('speak before the first start is a typed not_started error', () => {
    const { controller } = setup();
    expect(() => controller.speak('Hello')).toThrow(expect.objectContaining({ code: 'not_started' }));
  });

  it('an option out of range fails the start with invalid_parameter and leaves the state as it was', async () => {
    const { controller } = setup({ idleTimeoutSeconds: 5 });
    await expect(controller.start()).rejects.toMatchObject({ code: 'invalid_parameter' });
    expect(controller.state).toBe('idle');
  });

  it('a credit meter on the controller follows each session afresh', async () => {
    const { controller, clock } = setup();
    const meter = new CreditMeter(controller, { clock, maxCredits: 1 });
    await controller.start();
    await clock.advance(60_000);
    expect(meter.reading().elapsedSeconds).toBe(60);
    await controller.stop();
    await controller.start();
    await clock.advance(10_000);
    expect(meter.reading()).toMatchObject({ elapsedSeconds: 10, running: true });
  });

  it('ends the session after the page is hidden for endWhenHiddenSeconds, and restarts when visible', async () => {
    const page = Object.assign(new EventTarget(), { hidden: false });
    const setHidden = (hidden: boolean) => {
      page.hidden = hidden;
      page.dispatchEvent(new Event('visibilitychange'));
    };
    const { controller, clock, providers } = setup({
      pageVisibility: page,
      endWhenHiddenSeconds: 30,
      restartWhenVisible: true,
    });
    const ends: string[] = [];
    controller.on('ended', ({ reason }) => ends.push(reason));
    await controller.start();
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
    expect(controller.state).toBe('connected');
    expect(providers).toHaveLength(2);
  });

  it('leaves a hidden page alone when endWhenHiddenSeconds is not set', async () => {
    const page = Object.assign(new EventTarget(), { hidden: false });
    const { controller, clock } = setup({ pageVisibility: page });
    await controller.start();
    page.hidden = true;
    page.dispatchEvent(new Event('visibilitychange'));
    await clock.advance(300_000);
    expect(controller.state).toBe('connected');
  });
});
