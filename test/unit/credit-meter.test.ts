import { describe, expect, it } from 'vitest';
import { ServerError } from '../../src/api/errors.js';
import { CreditMeter, type MeterReading } from '../../src/credits/credit-meter.js';
import { creditsForSession } from '../../src/credits/rate-plans.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import { FakeClock } from './fakes/clock.js';
import { FakeProvider, FakeTransport } from './fakes/session-parts.js';

function setup() {
  const clock = new FakeClock();
  const provider = new FakeProvider();
  const transport = new FakeTransport();
  const session = new SessionEngine({
    token: async () => 'token',
    provider: () => provider,
    transport: async () => transport,
    clock,
    pageLifecycle: new EventTarget(),
  });
  return { clock, provider, transport, session };
}

describe('CreditMeter', () => {
  it('ticks every second from the session start and matches creditsForSession', async () => {
    const { clock, session } = setup();
    const meter = new CreditMeter(session, { clock, pricePerCredit: 0.99 });
    const ticks: MeterReading[] = [];
    meter.on('tick', (reading) => ticks.push(reading));
    await session.start();
    await clock.advance(31_000);
    const last = ticks.at(-1)!;
    expect(last.elapsedSeconds).toBe(31);
    expect(last.billedSeconds).toBe(31);
    expect(last.credits).toBeCloseTo(creditsForSession(31), 12);
    expect(last.cost).toBeCloseTo(creditsForSession(31) * 0.99, 12);
    expect(ticks.length).toBe(32);
  });

  it('reads time from the timestamps, so a jumped clock loses nothing', async () => {
    const { clock, session } = setup();
    const meter = new CreditMeter(session, { clock });
    await session.start();
    clock.jump(300_000);
    expect(meter.reading().elapsedSeconds).toBe(300);
    expect(meter.reading().credits).toBeCloseTo(1, 12);
  });

  it('freezes at the session end', async () => {
    const { clock, session } = setup();
    const meter = new CreditMeter(session, { clock });
    await session.start();
    await clock.advance(45_500);
    await session.stop();
    await clock.advance(60_000);
    const reading = meter.reading();
    expect(reading.running).toBe(false);
    expect(reading.elapsedSeconds).toBe(45.5);
    expect(reading.billedSeconds).toBe(46);
  });

  it('warns at the fraction and stops the session with budget_exhausted at 100 %', async () => {
    const { clock, session, provider } = setup();
    // 0.2 credits = 60 s of streaming (seed 000).
    const meter = new CreditMeter(session, { clock, maxCredits: 0.2, warnAtFraction: 0.75 });
    const events: string[] = [];
    meter.on('warning', (reading) => events.push(`warning at ${reading.elapsedSeconds} s`));
    meter.on('exhausted', (reading) => events.push(`exhausted at ${reading.elapsedSeconds} s`));
    const ends: string[] = [];
    session.on('ended', (end) => ends.push(end.reason));
    await session.start();
    await clock.advance(70_000);
    expect(events).toEqual(['warning at 45 s', 'exhausted at 60 s']);
    expect(ends).toEqual(['budget_exhausted']);
    expect(provider.count('stop')).toBe(1);
  });

  it('bills only speaking time on the speaking-time plan (seed 002)', async () => {
    const { clock, session, transport } = setup();
    const meter = new CreditMeter(session, { clock, plan: 'speaking-time' });
    await session.start();
    await clock.advance(10_000);
    transport.avatarSays({ type: 'avatar_start_talking', task_id: 't' });
    await clock.advance(30_000);
    transport.avatarSays({ type: 'avatar_stop_talking', task_id: 't' });
    await clock.advance(20_000);
    const reading = meter.reading();
    expect(reading.elapsedSeconds).toBe(60);
    expect(reading.billableSeconds).toBe(30);
    expect(reading.credits).toBeCloseTo(0.5, 12);
  });

  it.each([
    ['maxCredits', { maxCredits: -1 }],
    ['maxCredits', { maxCredits: Number.NaN }],
    ['maxCredits', { maxCredits: 0 }],
    ['pricePerCredit', { pricePerCredit: Number.POSITIVE_INFINITY }],
    ['warnAtFraction', { warnAtFraction: 1.5 }],
  ])('rejects %s out of range with a typed invalid_parameter error', (option, bad) => {
    const { session } = setup();
    expect(() => new CreditMeter(session, bad)).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', option }),
    );
  });

  it('keeps counting while the server has not confirmed the stop', async () => {
    const { clock, session, provider } = setup();
    const meter = new CreditMeter(session, { clock });
    await session.start();
    await clock.advance(40_000);
    provider.stopFailures = [new ServerError('HTTP 503', { status: 503 })];
    const stopped = session.stop();
    await clock.advance(1000);
    expect(meter.reading()).toMatchObject({ running: true, elapsedSeconds: 41 });
    await clock.advance(1000);
    await stopped;
    expect(meter.reading()).toMatchObject({ running: false, elapsedSeconds: 42 });
  });
});
