/**
 * How streaming is billed. HeyGen's pages disagree (contract doc, "Session lifecycle and
 * limits"), so each plan names its source; `streaming` (seed 000, the newest) is the default.
 */

/** What a plan bills: the session's whole active time, or only the time the avatar speaks. */
export type BillingBasis = 'session' | 'speaking';

/** A billing rule. Credits are charged per minute, on billed seconds. */
export interface RatePlan {
  /** Credits per minute of billed time. */
  creditsPerMinute: number;
  /** Seconds billed at least once a session has any time (0 for none). */
  minimumSeconds: number;
  /** Billed time is rounded up to a multiple of this many seconds (1 = per second). */
  incrementSeconds: number;
  basis: BillingBasis;
  /** Where the numbers come from: a seed page or a section of the contract doc. */
  source: string;
}

/** The built-in plans, each with its source. */
export const RATE_PLANS = {
  /** 0.2 credits per minute of active session time, 30 s minimum, then 1-s increments (seed 000). */
  streaming: {
    creditsPerMinute: 0.2,
    minimumSeconds: 30,
    incrementSeconds: 1,
    basis: 'session',
    source: 'seed 000',
  },
  /** 1 credit = 10 minutes of active streaming (seed 001). */
  'streaming-legacy': {
    creditsPerMinute: 0.1,
    minimumSeconds: 0,
    incrementSeconds: 1,
    basis: 'session',
    source: 'seed 001',
  },
  /** 1 credit per minute the avatar is speaking (seed 002). */
  'speaking-time': {
    creditsPerMinute: 1,
    minimumSeconds: 0,
    incrementSeconds: 1,
    basis: 'speaking',
    source: 'seed 002',
  },
  /** FULL mode: 2 credits per minute, one minute escrowed at start, charged per elapsed minute (liveavatar-api.md §8). */
  'liveavatar-full': {
    creditsPerMinute: 2,
    minimumSeconds: 60,
    incrementSeconds: 60,
    basis: 'session',
    source: 'liveavatar-api.md §8',
  },
  /** LITE mode: 1 credit per minute, one minute escrowed at start, charged per elapsed minute (liveavatar-api.md §8). */
  'liveavatar-lite': {
    creditsPerMinute: 1,
    minimumSeconds: 60,
    incrementSeconds: 60,
    basis: 'session',
    source: 'liveavatar-api.md §8',
  },
  /** Sandbox sessions use no credits (liveavatar-api.md §8). */
  'liveavatar-sandbox': {
    creditsPerMinute: 0,
    minimumSeconds: 0,
    incrementSeconds: 1,
    basis: 'session',
    source: 'liveavatar-api.md §8',
  },
} as const satisfies Record<string, RatePlan>;

/** The name of a built-in plan. */
export type RatePlanName = keyof typeof RATE_PLANS;

/** Dollars per credit on HeyGen's plans (seeds 000/001): Pro $99 for 100 credits, Scale $330 for 660. */
export const PRICE_PER_CREDIT_USD = { pro: 99 / 100, scale: 330 / 660 } as const;

/** Looks up a plan by name, or returns a custom plan as it is. @throws {RangeError} for an unknown name. */
export function resolveRatePlan(plan: RatePlan | RatePlanName = 'streaming'): RatePlan {
  if (typeof plan !== 'string') return plan;
  const found: RatePlan | undefined = (RATE_PLANS as Record<string, RatePlan>)[plan];
  if (!found) {
    throw new RangeError(`Unknown rate plan "${plan}"; use one of ${Object.keys(RATE_PLANS).join(', ')}.`);
  }
  return found;
}

/**
 * Seconds billed for `durationSeconds` of billable time: 0 for none, else at least the plan's
 * minimum, rounded up to its increment.
 */
export function billedSecondsFor(
  durationSeconds: number,
  plan: RatePlan | RatePlanName = 'streaming',
): number {
  const rule = resolveRatePlan(plan);
  if (!(durationSeconds > 0)) return 0;
  // Round away float noise (59.999999 s) before rounding up to the increment.
  const seconds = Math.round(durationSeconds * 1e6) / 1e6;
  const rounded = Math.ceil(seconds / rule.incrementSeconds) * rule.incrementSeconds;
  return Math.max(rule.minimumSeconds, rounded);
}

/**
 * Credits a session costs. `durationSeconds` is the billable time in seconds: the session's active
 * time for `session` plans, the avatar's speaking time for `speaking` plans.
 * Default plan `streaming` (seed 000): 0.2 credits/min, 30 s minimum, then 1-s increments, so
 * 0 s → 0, 29 s → 0.1, 31 s → 0.10333…, 600 s → 2.
 * @throws {RangeError} for an unknown plan name.
 */
export function creditsForSession(
  durationSeconds: number,
  plan: RatePlan | RatePlanName = 'streaming',
): number {
  const rule = resolveRatePlan(plan);
  return (billedSecondsFor(durationSeconds, rule) * rule.creditsPerMinute) / 60;
}
