import { describe, expect, it } from 'vitest';
import {
  billedSecondsFor,
  creditsForSession,
  RATE_PLANS,
  resolveRatePlan,
} from '../../src/credits/rate-plans.js';

describe('creditsForSession', () => {
  it.each([
    [0, 0, 0],
    [29, 30, 0.1],
    [30, 30, 0.1],
    [31, 31, 31 / 300],
    [59.5, 60, 0.2],
    [600, 600, 2],
  ])('bills %d s of streaming as %d s = %d credits (seed 000)', (seconds, billed, credits) => {
    expect(billedSecondsFor(seconds)).toBe(billed);
    expect(creditsForSession(seconds)).toBeCloseTo(credits, 10);
  });

  it('does not round float noise up a whole second', () => {
    expect(billedSecondsFor(60.000000001)).toBe(60);
  });

  it('bills the legacy plan at 1 credit per 10 minutes (seed 001)', () => {
    expect(creditsForSession(600, 'streaming-legacy')).toBeCloseTo(1, 10);
    expect(creditsForSession(29, 'streaming-legacy')).toBeCloseTo(29 / 600, 10);
  });

  it('bills LiveAvatar per begun minute, the first escrowed at the start; sandbox is free', () => {
    expect(creditsForSession(5, 'liveavatar-full')).toBe(2);
    expect(creditsForSession(90, 'liveavatar-full')).toBe(4);
    expect(creditsForSession(90, 'liveavatar-lite')).toBe(2);
    expect(creditsForSession(120, 'liveavatar-lite')).toBe(2);
    expect(creditsForSession(600, 'liveavatar-sandbox')).toBe(0);
  });

  it('takes a custom plan', () => {
    const plan = {
      creditsPerMinute: 6,
      minimumSeconds: 60,
      incrementSeconds: 15,
      basis: 'session',
      source: 'test',
    } as const;
    expect(creditsForSession(10, plan)).toBe(6);
    expect(creditsForSession(61, plan)).toBeCloseTo(7.5, 10);
  });

  it('names the known plans when given an unknown one', () => {
    expect(() => resolveRatePlan('cheap' as never)).toThrow(/streaming, streaming-legacy/);
  });

  it('gives every built-in plan a source', () => {
    for (const plan of Object.values(RATE_PLANS)) expect(plan.source).toMatch(/seed|contract|api\.md/);
  });
});
