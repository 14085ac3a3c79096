import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  InvalidParameterError,
  ServerError,
  SessionClosedError,
} from '../../src/api/errors.js';
import { CreditMeter } from '../../src/credits/credit-meter.js';
import { AbortError, InvalidOptionError, MediaError, StopFailedError } from '../../src/errors.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import type { SessionOptions } from '../../src/session/session-options.js';
import type { SessionEnd } from '../../src/vocabulary.js';
import { FakeClock, settle } from './fakes/clock.js';
import { FakeProvider, FakeTransport, gate } from './fakes/session-parts.js';

function setup(options: Partial<SessionOptions> = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider();
  const transport = new FakeTransport();
  const page = new EventTarget();
  const tokens: string[] = [];
  const session = new SessionEngine({
    token: async () => {
      tokens.push('issued');
      return `token-${tokens.length}`;
    },
    avatarId: 'Anna',
    provider: () => provider,
    transport: async () => transport,
    clock,
    pageLifecycle: page,
    ...options,
  });
  const states: string[] = [];
  const phases: string[] = [];
  const ends: SessionEnd[] = [];
  session.on('stateChanged', (state) => states.push(state));
  session.on('phase', (phase) => phases.push(phase));
  session.on('ended', (end) => ends.push(end));
  return { session, clock, provider, transport, page, tokens, states, phases, ends };
}

describe('SessionEngine start', () => {
  it('goes through every phase to connected and hands over the media', async () => {
    const { session, provider, transport, states, phases } = setup();
    let ready: MediaStream | undefined;
    session.on('ready', (media) => (ready = media));
    await session.start();
    expect(states).toEqual(['connecting', 'connected']);
    expect(phases).toEqual(['token', 'new', 'start', 'room', 'media']);
    expect(provider.calls).toEqual(['new', 'start session-1']);
    expect(transport.calls).toEqual(['prepare wss://room', 'connect wss://room', 'media heygen']);
    expect(ready).toBe(transport.media);
    expect(session.sessionId).toBe('session-1');
    expect(session.remaining?.seconds).toBe(600);
  });

  it('joins the room while streaming.start is still running', async () => {
    const { session, provider, transport } = setup();
    const start = gate();
    provider.holdStart = start.promise;
    const started = session.start();
    await settle();
    expect(transport.calls).toContain('connect wss://room');
    expect(session.phase).toBe('start');
    start.open();
    await started;
  });

  it('a second start returns the same promise and creates one session', async () => {
    const { session, provider, tokens } = setup();
    const first = session.start();
    const second = session.start();
    expect(second).toBe(first);
    await first;
    expect(provider.count('new')).toBe(1);
    expect(tokens).toHaveLength(1);
  });

  it('fails with the typed error, stops the created session and reports the reason', async () => {
    const { session, provider, transport, ends, states } = setup();
    provider.failStart = new AuthenticationError('bad token', { status: 401 });
    await expect(session.start()).rejects.toBeInstanceOf(AuthenticationError);
    expect(states.at(-1)).toBe('failed');
    expect(ends).toEqual([{ reason: 'error', error: provider.failStart }]);
    expect(provider.calls).toContain('stop session-1');
    expect(transport.calls).toContain('disconnect');
  });

  it('fails with a timeout when the avatar media never arrives', async () => {
    const { session, clock, transport, provider } = setup({ mediaTimeoutMs: 5000 });
    transport.holdMedia = new Promise(() => undefined);
    const started = session.start().catch((error: unknown) => error);
    await clock.advance(5000);
    expect(await started).toMatchObject({ code: 'timeout' });
    expect(provider.calls).toContain('stop session-1');
  });

  it('cannot start again once ended', async () => {
    const { session } = setup();
    await session.stop();
    await expect(session.start()).rejects.toMatchObject({ code: 'session_closed' });
  });
});

describe('SessionEngine stop in every state', () => {
  it('idle: closes without calling the server', async () => {
    const { session, provider, ends, states } = setup();
    await session.stop();
    expect(states).toEqual(['closing', 'closed']);
    expect(ends).toEqual([{ reason: 'user' }]);
    expect(provider.calls).toEqual([]);
  });

  it('while the token is being fetched: no session is ever created', async () => {
    const token = gate<string>();
    const { session, provider } = setup({ token: () => token.promise });
    const started = session.start().catch((error: unknown) => error);
    await settle();
    const stopped = session.stop();
    token.open('late-token');
    await stopped;
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(provider.calls).toEqual([]);
    expect(session.state).toBe('closed');
  });

  it('while streaming.new is in flight: ends at once and stops the session when its id arrives', async () => {
    const { session, provider, transport } = setup();
    const answer = gate();
    provider.holdNew = answer.promise;
    const started = session.start().catch((error: unknown) => error);
    await settle();
    await session.stop();
    expect(session.state).toBe('closed');
    expect(await started).toMatchObject({ code: 'aborted' });
    answer.open();
    await settle();
    expect(provider.calls).toEqual(['new', 'stop session-1']);
    expect(transport.calls).toEqual([]);
  });

  it('while joining the room: stops the session and leaves the room', async () => {
    const { session, provider, transport } = setup();
    const join = gate();
    transport.holdConnect = join.promise;
    const started = session.start().catch((error: unknown) => error);
    await settle();
    const stopped = session.stop();
    join.open();
    await stopped;
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(provider.calls.at(-1)).toBe('stop session-1');
    expect(transport.calls.at(-1)).toBe('disconnect');
  });

  it('connected: stops once however often it is called, and interrupts the queue', async () => {
    const { session, provider, ends } = setup();
    await session.start();
    const utterance = session.queue.speak('Hello.');
    const stops = [session.stop(), session.stop(), session.stop('budget_exhausted')];
    expect(new Set(stops).size).toBe(1);
    await Promise.all(stops);
    await session.stop();
    expect(provider.count('stop')).toBe(1);
    expect(ends).toEqual([{ reason: 'user' }]);
    await expect(utterance.done).rejects.toMatchObject({ code: 'interrupted' });
    expect(session.endedAt).toBeDefined();
  });

  it('on pagehide: sends a keepalive stop and ends the session', async () => {
    const { session, provider, page, ends } = setup();
    await session.start();
    page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(provider.unloadStops).toEqual(['session-1']);
    expect(provider.count('stop')).toBe(0);
    expect(ends).toEqual([{ reason: 'user' }]);
  });

  it('on pagehide: also asks the page’s backend to end the session its token created', async () => {
    const ended: [string, string][] = [];
    const token = Object.assign(async () => 'token-1', {
      endSessionOnUnload: (sessionId: string, sessionToken: string) => ended.push([sessionId, sessionToken]),
    });
    const { session, page } = setup({ token });
    await session.start();
    page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(ended).toEqual([['session-1', 'token-1']]);
  });
});

describe('SessionEngine keep-alive and countdowns', () => {
  it('sends keep-alives every quarter of the idle timeout', async () => {
    const { session, clock, provider } = setup({ idleTimeoutSeconds: 120 });
    await session.start();
    await clock.advance(29_000);
    expect(provider.count('keep_alive')).toBe(0);
    await clock.advance(1000);
    expect(provider.count('keep_alive')).toBe(1);
    await clock.advance(30_000);
    expect(provider.count('keep_alive')).toBe(2);
  });

  it('still sends a keep-alive at once when the clock jumps (a throttled background tab)', async () => {
    const { session, clock, provider } = setup({ idleTimeoutSeconds: 120 });
    await session.start();
    clock.jump(90_000);
    await clock.advance(1000);
    expect(provider.count('keep_alive')).toBe(1);
  });

  it('keeps its keep-alives, meter and countdown when the wall clock jumps back an hour (the default clock is monotonic)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const { session, provider } = setup({ idleTimeoutSeconds: 120, clock: undefined });
      provider.created = { ...provider.created, durationLimitSeconds: 600 };
      const meter = new CreditMeter(session);
      await session.start();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(provider.count('keep_alive')).toBe(1);
      vi.setSystemTime(Date.now() - 3_600_000); // NTP, or a user setting the date
      await vi.advanceTimersByTimeAsync(30_000);
      expect(provider.count('keep_alive')).toBe(2);
      expect(meter.reading().elapsedSeconds).toBeCloseTo(60, 0);
      expect(session.remaining?.seconds).toBeCloseTo(540, 0);
      meter.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a task counts as activity and postpones the keep-alive', async () => {
    const { session, clock, provider } = setup({ idleTimeoutSeconds: 120 });
    await session.start();
    await clock.advance(20_000);
    session.queue.speak('Hello.');
    await clock.advance(20_000);
    expect(provider.count('keep_alive')).toBe(0);
  });

  it('reports keep-alive failures and tries again after a backoff', async () => {
    const { session, clock, provider } = setup({ idleTimeoutSeconds: 120 });
    const failures: unknown[] = [];
    session.on('keepAliveFailed', (error) => failures.push(error));
    await session.start();
    provider.failKeepAlive = new Error('offline');
    await clock.advance(30_000);
    provider.failKeepAlive = undefined;
    await clock.advance(1000);
    expect(provider.count('keep_alive')).toBe(1);
    await clock.advance(1000);
    expect(failures).toHaveLength(1);
    expect(provider.count('keep_alive')).toBe(2);
  });

  it('without keep-alives, warns before the idle timeout and ends with reason idle_timeout', async () => {
    const { session, clock, provider, ends } = setup({ keepAlive: false, idleTimeoutSeconds: 60 });
    const warnings: unknown[] = [];
    session.on('expiring', (remaining) => warnings.push(remaining));
    await session.start();
    await clock.advance(29_000);
    expect(warnings).toEqual([]);
    await clock.advance(1000);
    expect(warnings).toEqual([{ reason: 'idle_timeout', seconds: 30 }]);
    await clock.advance(30_000);
    expect(ends).toEqual([{ reason: 'idle_timeout' }]);
    expect(provider.count('keep_alive')).toBe(0);
    expect(provider.count('stop')).toBe(1);
  });

  it('warns before the duration limit and ends with reason duration_limit', async () => {
    const { session, clock, provider, ends } = setup({ expiringWarningSeconds: 60 });
    provider.created = { ...provider.created, durationLimitSeconds: 120 };
    const warnings: unknown[] = [];
    session.on('expiring', (remaining) => warnings.push(remaining));
    await session.start();
    await clock.advance(60_000);
    expect(warnings).toEqual([{ reason: 'duration_limit', seconds: 60 }]);
    expect(session.remaining?.seconds).toBe(60);
    await clock.advance(60_000);
    expect(ends).toEqual([{ reason: 'duration_limit' }]);
  });
});

describe('SessionEngine room events', () => {
  it('dispatches the avatar events, passes unknown ones through and reports malformed ones', async () => {
    const { session, transport } = setup();
    await session.start();
    const seen: string[] = [];
    session.on('avatarEvent', (event) => seen.push(event.type));
    session.on('unknownEvent', (type) => seen.push(`unknown ${type}`));
    session.on('malformedEvent', (reason) => seen.push(`malformed ${reason}`));
    transport.avatarSays({ type: 'avatar_start_talking', task_id: 't' });
    transport.avatarSays({ type: 'avatar_talking_message', task_id: 't', message: 'Hi' });
    transport.avatarSays({ type: 'something_new', x: 1 });
    transport.avatarSays('{not json');
    transport.avatarSays({ type: 'avatar_talking_message', task_id: 't' });
    transport.avatarSays({ type: 'avatar_stop_talking', task_id: 't' }, 'someone-else');
    expect(seen).toEqual([
      'avatar_start_talking',
      'avatar_talking_message',
      'unknown something_new',
      'malformed not JSON',
      'malformed avatar_talking_message: bad field(s) message',
    ]);
  });

  it('surfaces the avatar connection’s grade and measurements as an event and a property', async () => {
    const { session, transport } = setup();
    const seen: string[] = [];
    session.on('connectionQuality', (stats) => seen.push(stats.quality));
    await session.start();
    transport.emit('connection', { quality: 'good', framesPerSecond: 25, packetLossFraction: 0 });
    transport.emit('connection', { quality: 'poor', framesPerSecond: 11, packetLossFraction: 0.2 });
    expect(seen).toEqual(['good', 'poor']);
    expect(session.connectionQuality).toEqual({
      quality: 'poor',
      framesPerSecond: 11,
      packetLossFraction: 0.2,
    });
  });

  it('surfaces reconnects', async () => {
    const { session, transport, states } = setup();
    await session.start();
    transport.emit('reconnecting');
    transport.emit('reconnected');
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('ends with network_lost and stops server side when the room is lost for good', async () => {
    const { session, transport, provider, ends } = setup();
    await session.start();
    transport.emit('disconnected', 'network');
    await settle();
    expect(ends).toEqual([{ reason: 'network_lost' }]);
    expect(provider.count('stop')).toBe(1);
  });

  it('ends with server_closed when the server ends the room early', async () => {
    const { session, transport, ends } = setup();
    await session.start();
    transport.emit('disconnected', 'server');
    await settle();
    expect(ends).toEqual([{ reason: 'server_closed' }]);
  });

  it('names the idle timeout when the server closes the room as it falls due', async () => {
    const { session, transport, clock, ends } = setup({ keepAlive: false, idleTimeoutSeconds: 30 });
    await session.start();
    clock.jump(29_000);
    transport.emit('disconnected', 'server');
    await settle();
    expect(ends).toEqual([{ reason: 'idle_timeout' }]);
  });

  it('speaks through the provider once connected and settles on the avatar events', async () => {
    const { session, transport, provider } = setup();
    const utterance = session.queue.speak('Hello there.');
    await session.start();
    await settle();
    expect(provider.calls).toContain('task Hello there.');
    transport.avatarSays({ type: 'avatar_start_talking', task_id: 'task-1' });
    transport.avatarSays({ type: 'avatar_stop_talking', task_id: 'task-1', duration_ms: 800 });
    await utterance.done;
    expect(utterance.status).toBe('ended');
  });
});

const serverError = () => new ServerError('HeyGen answered HTTP 503', { status: 503 });

describe('SessionEngine leaves nothing billing', () => {
  it('pagehide while the token is fetched stops the start; no session is created', async () => {
    const token = gate<string>();
    const { session, provider, page, ends } = setup({ token: () => token.promise });
    const started = session.start().catch((error: unknown) => error);
    await settle();
    page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(await started).toMatchObject({ code: 'aborted' });
    token.open('late');
    await settle();
    expect(provider.calls).toEqual([]);
    expect(ends).toEqual([{ reason: 'user' }]);
  });

  it('pagehide while streaming.new is in flight stops that session with a keepalive request', async () => {
    const { session, provider, page } = setup();
    const answer = gate();
    provider.holdNew = answer.promise;
    const started = session.start().catch((error: unknown) => error);
    await settle();
    page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(session.state).toBe('closed');
    answer.open();
    await settle();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(provider.unloadStops).toEqual(['session-1']);
  });

  it('streaming.new slower than its timeout: start fails, and the late session is stopped', async () => {
    const { session, provider, clock } = setup({ newSessionTimeoutMs: 15_000 });
    const answer = gate();
    provider.holdNew = answer.promise;
    const started = session.start().catch((error: unknown) => error);
    await clock.advance(15_000);
    expect(await started).toMatchObject({ code: 'timeout' });
    expect(session.state).toBe('failed');
    answer.open();
    await settle();
    expect(provider.calls).toEqual(['new', 'stop session-1']);
  });

  it('stop() settles even when the token provider ignores its abort signal', async () => {
    const { session, provider } = setup({ token: () => new Promise<string>(() => undefined) });
    const started = session.start().catch((error: unknown) => error);
    await settle();
    await session.stop();
    expect(await started).toMatchObject({ code: 'aborted' });
    expect(provider.calls).toEqual([]);
  });

  it.each(['token', 'new', 'start', 'room', 'media'])(
    'stop() called the moment phase %s begins leaves nothing unhandled or billing',
    async (target) => {
      const { session, provider } = setup({
        token: (signal) =>
          signal.aborted ? Promise.reject(new AbortError('token request aborted')) : Promise.resolve('token'),
      });
      session.on('phase', (phase) => {
        if (phase === target) void session.stop();
      });
      expect(await session.start().catch((error: unknown) => error)).toMatchObject({ code: 'aborted' });
      await settle();
      expect(provider.leftActive).toBe(0);
    },
  );

  it('a start that fails while the room join is under way raises nothing unhandled', async () => {
    const { session, provider, transport } = setup();
    const join = gate();
    transport.holdConnect = join.promise;
    transport.failConnect = new MediaError('Client initiated disconnect');
    provider.failStart = new AuthenticationError('bad token', { status: 401 });
    const started = session.start().catch((error: unknown) => error);
    await settle();
    join.open();
    expect(await started).toBe(provider.failStart);
    await settle();
    expect(provider.calls).toContain('stop session-1');
  });

  it('a failed stop is surfaced, retried with backoff, and the session stays closing (billing) until confirmed', async () => {
    const { session, provider, clock, states, ends } = setup();
    await session.start();
    provider.stopFailures = [serverError(), serverError()];
    const failures: StopFailedError[] = [];
    session.on('stopFailed', (error) => failures.push(error));
    const stopped = session.stop();
    await settle();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'stop_failed', sessionId: 'session-1' });
    expect(session.state).toBe('closing');
    expect(session.endedAt).toBeUndefined();
    await clock.advance(2000);
    expect(failures).toHaveLength(2);
    await clock.advance(4000);
    await stopped;
    expect(provider.count('stop')).toBe(3);
    expect(states.at(-1)).toBe('closed');
    expect(ends).toEqual([{ reason: 'user' }]);
  });

  it('a stop that never succeeds ends in failed with a StopFailedError after about a minute', async () => {
    const { session, provider, clock, ends } = setup();
    await session.start();
    provider.stopFailures = Array.from({ length: 10 }, serverError);
    const stopped = session.stop().catch((error: unknown) => error);
    await clock.advance(60_000);
    expect(await stopped).toBeInstanceOf(StopFailedError);
    expect(provider.count('stop')).toBe(6);
    expect(session.state).toBe('failed');
    expect(ends[0]?.error).toBeInstanceOf(StopFailedError);
  });

  it('a stop answered 400 is retried while the session stays closing and the meter counts; "already closed" is done', async () => {
    const { session, provider, clock, ends } = setup();
    const meter = new CreditMeter(session, { clock });
    await session.start();
    await clock.advance(10_000);
    provider.stopFailures = [
      new InvalidParameterError('The request was rejected as invalid.', { status: 400, serverCode: 400175 }),
    ];
    const stopped = session.stop();
    await clock.advance(1000);
    expect(session.state).toBe('closing');
    expect(meter.reading().running).toBe(true);
    await clock.advance(1000);
    await stopped;
    expect(provider.count('stop')).toBe(2);
    expect(session.state).toBe('closed');
    expect(ends).toEqual([{ reason: 'user' }]);
    expect(meter.reading().elapsedSeconds).toBeCloseTo(12, 0);
    meter.dispose();

    const closedAlready = setup();
    await closedAlready.session.start();
    closedAlready.provider.stopFailures = [new SessionClosedError({ status: 400, serverCode: 10005 })];
    await closedAlready.session.stop();
    expect(closedAlready.provider.count('stop')).toBe(1);
    expect(closedAlready.session.state).toBe('closed');
  });

  it('a keep-alive answered "session closed" ends the session with server_closed', async () => {
    const { session, provider, clock, ends } = setup({ idleTimeoutSeconds: 120 });
    await session.start();
    provider.failKeepAlive = new SessionClosedError({ status: 400, serverCode: 10005 });
    await clock.advance(30_000);
    await settle();
    expect(ends).toEqual([{ reason: 'server_closed' }]);
    expect(provider.count('keep_alive')).toBe(1);
  });

  it('speak() after stop or after a failed start settles at once with session_closed', async () => {
    const stopped = setup();
    await stopped.session.stop();
    await expect(stopped.session.queue.speak('Hello?').done).rejects.toMatchObject({
      code: 'session_closed',
    });

    const failed = setup();
    failed.provider.failStart = new AuthenticationError('bad token', { status: 401 });
    await failed.session.start().catch(() => undefined);
    await expect(failed.session.queue.speak('Hello?').done).rejects.toMatchObject({ code: 'session_closed' });
  });

  it.each([
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 10 }],
    ['idleTimeoutSeconds', { idleTimeoutSeconds: Number.NaN }],
    ['quality', { quality: 'ultra' }],
    ['mediaTimeoutMs', { mediaTimeoutMs: -1 }],
  ])('rejects %s out of range at construction', (option, bad) => {
    expect(() => setup(bad as Partial<SessionOptions>)).toThrow(InvalidOptionError);
    expect(() => setup(bad as Partial<SessionOptions>)).toThrow(option);
  });
});
