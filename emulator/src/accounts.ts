/**
 * API keys, their tiers and their credit ledgers. Limits follow the seed pages: trial keys get 3
 * concurrent sessions of 10 minutes and 300 streaming minutes a month; API keys 100 concurrent
 * sessions (seed 002). Credits follow seed 000: 0.2 credits per minute of a session's
 * start-to-stop time, 30 seconds minimum, then 1-second increments.
 */

import { KEY_TIER_LIMITS } from './contract.js';

export type Tier = 'trial' | 'api';

/** One key in the emulator's config. `credits` is the starting balance. */
export interface KeyConfig {
  tier: Tier;
  credits: number;
}

/** Keys the emulator knows unless told otherwise: one API-tier key and one trial key. */
export const DEFAULT_KEYS: Record<string, KeyConfig> = {
  'emulator-api-key': { tier: 'api', credits: 100 },
  'emulator-trial-key': { tier: 'trial', credits: 10 },
};

/** The LiveAvatar key the emulator knows unless told otherwise, with 100 credits. */
export const DEFAULT_LIVEAVATAR_KEYS: Record<string, number> = { 'emulator-liveavatar-key': 100 };

/** The contract's key tiers (`contract.ts`), in the units the emulator counts in (seconds). */
export const TIER_LIMITS: Record<
  Tier,
  { concurrentSessions: number; sessionSeconds: number; monthlySeconds: number }
> = {
  trial: {
    concurrentSessions: KEY_TIER_LIMITS.trial.concurrentSessions,
    sessionSeconds: KEY_TIER_LIMITS.trial.sessionDurationSeconds,
    monthlySeconds: KEY_TIER_LIMITS.trial.monthlyStreamingMinutes * 60,
  },
  // HeyGen publishes no cap for API-key sessions; the emulator picks one hour.
  api: {
    concurrentSessions: KEY_TIER_LIMITS.api.concurrentSessions,
    sessionSeconds: 3600,
    monthlySeconds: Number.POSITIVE_INFINITY,
  },
};

/** Seconds of streaming one credit buys at 0.2 credits per minute (seed 000). */
export const SECONDS_PER_CREDIT = 300;

/** Billed seconds for a session that streamed `seconds`: none for none, else at least 30, whole seconds up. */
export function billedSeconds(seconds: number): number {
  if (seconds <= 0) return 0;
  return Math.max(30, Math.ceil(Math.round(seconds * 1000) / 1000));
}

export class Account {
  /** Billed seconds of closed sessions. */
  #closedBilledSeconds = 0;
  /** Streamed seconds of closed sessions, for the trial's monthly minutes. */
  streamedSeconds = 0;

  constructor(
    readonly apiKey: string,
    readonly tier: Tier,
    readonly grantedCredits: number,
  ) {}

  get limits() {
    return TIER_LIMITS[this.tier];
  }

  /** Records a closed session's start-to-stop time in seconds. */
  charge(seconds: number): void {
    this.#closedBilledSeconds += billedSeconds(seconds);
    this.streamedSeconds += seconds;
  }

  /** Credits used: closed sessions plus `runningSeconds` (each running session's time so far). */
  usedCredits(runningSeconds: readonly number[] = []): number {
    const running = runningSeconds.reduce((sum, seconds) => sum + billedSeconds(seconds), 0);
    return (this.#closedBilledSeconds + running) / SECONDS_PER_CREDIT;
  }

  remainingCredits(runningSeconds: readonly number[] = []): number {
    return Math.max(0, this.grantedCredits - this.usedCredits(runningSeconds));
  }
}
