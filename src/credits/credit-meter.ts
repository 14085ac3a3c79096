import { EventEmitter } from 'eventemitter3';
import { type Clock, every, systemClock } from '../internal/clock.js';
import { checkNumberOption } from '../internal/validate.js';
import type { AvatarEvent } from '../session/avatar-events.js';
import type { EndReason } from '../vocabulary.js';
import {
  billedSecondsFor,
  creditsForSession,
  RATE_PLANS,
  type RatePlan,
  type RatePlanName,
  resolveRatePlan,
} from './rate-plans.js';

/** When a session billed: from its start to its stop, in milliseconds since the epoch. */
export interface BilledSpan {
  /** When billing started (`streaming.start` succeeded). */
  readonly startedAt: number | undefined;
  /** When billing ended (the server confirmed the stop). */
  readonly endedAt: number | undefined;
}

/**
 * What the meter reads off: a `Avatar`, whose sessions it follows one after another
 * (each new `connecting` starts a fresh reading; a renewal's sessions are one reading).
 */
export interface MeteredSession extends BilledSpan {
  /** Sessions renewed away from since the reading began, each billed on its own. */
  readonly renewedSessions?: readonly BilledSpan[];
  /** The provider's plan, used when the meter is given none. */
  readonly ratePlan?: RatePlan | undefined;
  /** The session's state (`connected`, `closed`, …). */
  readonly state: string;
  /** Follows state changes. */
  on(event: 'stateChanged', listener: (state: string) => void): unknown;
  /** Follows the avatar's events (speaking time, for plans billed by speech). */
  on(event: 'avatarEvent', listener: (event: AvatarEvent) => void): unknown;
  /** Stops following state changes. */
  off(event: 'stateChanged', listener: (state: string) => void): unknown;
  /** Stops following the avatar's events. */
  off(event: 'avatarEvent', listener: (event: AvatarEvent) => void): unknown;
  /** Ends the session; the meter calls it with `budget_exhausted` when the budget is reached. */
  stop(reason: EndReason): Promise<void>;
}

/** Options of {@link CreditMeter}. */
export interface CreditMeterOptions {
  /**
   * Default: the session's provider's plan (HeyGen's `streaming`, seed 000: 0.2 credits/min, 30 s
   * minimum, then 1-s increments; LiveAvatar's per-minute plans, contract §8).
   */
  plan?: RatePlan | RatePlanName | undefined;
  /** Money per credit, for `cost` (e.g. `PRICE_PER_CREDIT_USD.pro`: $0.99, seed 000). */
  pricePerCredit?: number | undefined;
  /** Credits the session may use; at 100 % the meter stops it with reason `budget_exhausted`. */
  maxCredits?: number | undefined;
  /** Fraction of `maxCredits` at which `warning` fires once (default 0.8). */
  warnAtFraction?: number;
  clock?: Clock;
}

/** One reading of the meter. Times in seconds. */
export interface MeterReading {
  /**
   * Session time since `streaming.start`, in seconds; with renewals, every session's time, both
   * counted while they overlap (each is billed).
   */
  elapsedSeconds: number;
  /** The time the plan bills on, in seconds: the session's time, or the avatar's speaking time. */
  billableSeconds: number;
  /** `billableSeconds` after the plan's minimum and rounding, in seconds. */
  billedSeconds: number;
  credits: number;
  /** `credits × pricePerCredit`, when a price was given. */
  cost: number | undefined;
  /** `credits / maxCredits` (0–1 or more), when a budget was given. */
  budgetFraction: number | undefined;
  /** Whether the session is still billing. */
  running: boolean;
}

/** Events of a {@link CreditMeter}. */
export interface CreditMeterEvents {
  /** Every second while the session runs, and once when it ends. */
  tick: (reading: MeterReading) => void;
  /** Once, when credits reach `warnAtFraction` of the budget. */
  warning: (reading: MeterReading) => void;
  /** Once, when credits reach the budget; the session is being stopped. */
  exhausted: (reading: MeterReading) => void;
}

/**
 * Follows a session's credit use second by second. Time is read from the session's own start and
 * end timestamps (not by counting ticks), so a throttled timer never loses billed time; a session
 * whose stop the server has not confirmed yet is still `running`.
 */
export class CreditMeter extends EventEmitter<CreditMeterEvents> {
  readonly #fixedPlan: RatePlan | undefined;
  readonly #clock: Clock;
  #stopTicking: (() => void) | undefined;
  #speakingMs = 0;
  #speakingSince: number | undefined;
  #warned = false;
  #exhausted = false;

  /**
   * @throws {InvalidOptionError} (`invalid_parameter`) when `maxCredits` or `pricePerCredit` is
   *   not a positive number, or `warnAtFraction` is outside (0, 1].
   */
  constructor(
    private readonly session: MeteredSession,
    private readonly options: CreditMeterOptions = {},
  ) {
    super();
    checkNumberOption('maxCredits', options.maxCredits, {
      min: 0,
      exclusiveMin: true,
      expected: 'a positive number of credits',
    });
    checkNumberOption('pricePerCredit', options.pricePerCredit, { min: 0, expected: 'a price of 0 or more' });
    checkNumberOption('warnAtFraction', options.warnAtFraction, {
      min: 0,
      exclusiveMin: true,
      max: 1,
      expected: 'a fraction above 0 and at most 1',
    });
    this.#fixedPlan = options.plan === undefined ? undefined : resolveRatePlan(options.plan);
    this.#clock = options.clock ?? systemClock;
    session.on('stateChanged', this.#handleState);
    session.on('avatarEvent', this.#handleAvatarEvent);
    this.#handleState(session.state);
  }

  /** The plan the meter bills on: the one it was given, else the provider's. */
  get plan(): RatePlan {
    return this.#fixedPlan ?? this.session.ratePlan ?? RATE_PLANS.streaming;
  }

  /** The meter's figures now. */
  reading(): MeterReading {
    const { startedAt, endedAt, renewedSessions = [] } = this.session;
    const now = endedAt ?? this.#clock.now();
    const sessionSeconds = [...renewedSessions, this.session].map((span) =>
      span.startedAt === undefined
        ? 0
        : Math.max(0, ((span.endedAt ?? this.#clock.now()) - span.startedAt) / 1000),
    );
    const speakingNowMs = this.#speakingSince === undefined ? 0 : now - this.#speakingSince;
    // Each session is billed on its own (its minimum, its rounding); speaking time as one.
    const billable =
      this.plan.basis === 'speaking' ? [(this.#speakingMs + speakingNowMs) / 1000] : sessionSeconds;
    const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
    const credits = total(billable.map((seconds) => creditsForSession(seconds, this.plan)));
    const { pricePerCredit, maxCredits } = this.options;
    return {
      elapsedSeconds: total(sessionSeconds),
      billableSeconds: total(billable),
      billedSeconds: total(billable.map((seconds) => billedSecondsFor(seconds, this.plan))),
      credits,
      cost: pricePerCredit === undefined ? undefined : credits * pricePerCredit,
      budgetFraction: maxCredits === undefined ? undefined : credits / maxCredits,
      running: startedAt !== undefined && endedAt === undefined,
    };
  }

  /** Stops following the session. */
  dispose(): void {
    this.#stopTicking?.();
    this.#stopTicking = undefined;
    this.session.off('stateChanged', this.#handleState);
    this.session.off('avatarEvent', this.#handleAvatarEvent);
  }

  readonly #handleState = (state: string): void => {
    if (state === 'connecting') {
      this.#speakingMs = 0;
      this.#speakingSince = undefined;
      this.#warned = false;
      this.#exhausted = false;
    }
    if ((state === 'connected' || state === 'reconnecting') && !this.#stopTicking) {
      this.#stopTicking = every(1000, this.#clock, () => this.#tick());
      this.#tick();
    } else if (state === 'closed' || state === 'failed') {
      this.#stopTicking?.();
      this.#stopTicking = undefined;
      if (this.#speakingSince !== undefined) this.#handleAvatarEvent({ type: 'avatar_stop_talking' });
      if (this.session.startedAt !== undefined) this.#tick();
    }
  };

  readonly #handleAvatarEvent = (event: { type: string }): void => {
    const now = this.session.endedAt ?? this.#clock.now();
    if (event.type === 'avatar_start_talking' && this.#speakingSince === undefined) {
      this.#speakingSince = now;
    } else if (event.type === 'avatar_stop_talking' && this.#speakingSince !== undefined) {
      this.#speakingMs += now - this.#speakingSince;
      this.#speakingSince = undefined;
    }
  };

  #tick(): void {
    const reading = this.reading();
    this.emit('tick', reading);
    const fraction = reading.budgetFraction;
    if (fraction === undefined || !reading.running) return;
    // Credits are floats (0.2/60 per second); a hair of tolerance keeps 45 s at 75 % from reading 74.99 %.
    if (fraction >= (this.options.warnAtFraction ?? 0.8) - 1e-9 && !this.#warned) {
      this.#warned = true;
      this.emit('warning', reading);
    }
    if (fraction >= 1 - 1e-9 && !this.#exhausted) {
      this.#exhausted = true;
      this.emit('exhausted', reading);
      // A failed stop is reported by the session itself (`stopFailed`, `ended`).
      this.session.stop('budget_exhausted').catch(() => undefined);
    }
  }
}
