/**
 * Keeping a session alive, and knowing when it will end by itself: keep-alives before the idle
 * timeout (with backoff after a failure), the idle and duration countdowns, and one `expiring`
 * warning per reason.
 */
import { type Clock, every } from '../internal/clock.js';
import type { EndReason, ExpiryReason, Remaining } from '../vocabulary.js';
import { isSessionGone } from './server-stop.js';

/** How often the countdowns are read, in milliseconds. */
const TICK_MS = 1000;
/** First backoff after a failed keep-alive, in milliseconds; it doubles up to a quarter of the idle timeout. */
const KEEP_ALIVE_BACKOFF_MS = 2000;

/** What the liveness of one session needs from it. Times in milliseconds, the idle timeout in seconds. */
export interface LivenessOptions {
  clock: Clock;
  idleTimeoutSeconds: number;
  /** Send keep-alives (false: the idle timeout may end the session, and counts down). */
  keepAlive: boolean;
  /** Warn this many seconds before the session ends by itself. */
  expiringWarningSeconds: number;
  sendKeepAlive(): Promise<void>;
  /** A keep-alive failed (and is tried again, unless the server said the session is gone). */
  keepAliveFailed(error: unknown): void;
  expiring(remaining: Remaining): void;
  /** The session's time is up (or the server said it is gone): stop it for `reason`. */
  expired(reason: EndReason): void;
}

/** The keep-alives and countdowns of one session, from its start to its end. */
export class Liveness {
  #startedAt: number | undefined;
  #durationLimitSeconds: number | undefined;
  #lastActivityAt = 0;
  #inFlight = false;
  #failures = 0;
  #nextKeepAliveAt = 0;
  readonly #warned = new Set<ExpiryReason>();
  #stopTicking: (() => void) | undefined;

  constructor(private readonly options: LivenessOptions) {}

  /**
   * The session started at `startedAt` (milliseconds since the epoch) and ends by itself after
   * `durationLimitSeconds` seconds: the countdowns and keep-alives begin.
   */
  begin(startedAt: number, durationLimitSeconds: number | undefined): void {
    this.#startedAt = startedAt;
    this.#durationLimitSeconds = durationLimitSeconds;
    this.#lastActivityAt = startedAt;
    this.#stopTicking = every(TICK_MS, this.options.clock, () => this.#tick());
  }

  /** Something reset the session's idle timeout at the server (a task, audio, a keep-alive). */
  noteActivity(): void {
    this.#lastActivityAt = this.options.clock.now();
  }

  /** The session is ending: no more keep-alives or warnings. */
  stop(): void {
    this.#stopTicking?.();
  }

  /**
   * Seconds the session has left at `now` (milliseconds since the epoch) before it ends by itself
   * (duration limit, or the idle timeout when keep-alives are off); undefined before it started.
   */
  remainingAt(now: number): Remaining | undefined {
    const { options } = this;
    const startedAt = this.#startedAt;
    const durationLimitSeconds = this.#durationLimitSeconds;
    if (startedAt === undefined || durationLimitSeconds === undefined) return undefined;
    const duration: Remaining = {
      seconds: Math.max(0, durationLimitSeconds - (now - startedAt) / 1000),
      reason: 'duration_limit',
    };
    if (options.keepAlive) return duration;
    const idle: Remaining = {
      seconds: Math.max(0, options.idleTimeoutSeconds - (now - this.#lastActivityAt) / 1000),
      reason: 'idle_timeout',
    };
    return idle.seconds < duration.seconds ? idle : duration;
  }

  /**
   * Runs every second, but reads the wall clock rather than counting ticks, so a background tab's
   * throttled timers (once a minute at worst) still send keep-alives in time for the default
   * 120-second idle timeout.
   */
  #tick(): void {
    const now = this.options.clock.now();
    const keepAliveDue = now - this.#lastActivityAt >= this.keepAliveEveryMs && now >= this.#nextKeepAliveAt;
    if (this.options.keepAlive && keepAliveDue) this.#sendKeepAlive();
    const remaining = this.remainingAt(now);
    if (!remaining) return;
    if (remaining.seconds <= 0) {
      this.options.expired(remaining.reason);
      return;
    }
    if (remaining.seconds <= this.options.expiringWarningSeconds && !this.#warned.has(remaining.reason)) {
      this.#warned.add(remaining.reason);
      this.options.expiring(remaining);
    }
  }

  private get keepAliveEveryMs(): number {
    return (this.options.idleTimeoutSeconds * 1000) / 4;
  }

  #sendKeepAlive(): void {
    if (this.#inFlight) return;
    this.#inFlight = true;
    const { options } = this;
    options
      .sendKeepAlive()
      .then(() => {
        this.noteActivity();
        this.#failures = 0;
        this.#nextKeepAliveAt = 0;
      })
      .catch((error: unknown) => {
        options.keepAliveFailed(error);
        if (isSessionGone(error)) {
          options.expired('server_closed');
          return;
        }
        const backoffMs = Math.min(KEEP_ALIVE_BACKOFF_MS * 2 ** this.#failures, this.keepAliveEveryMs);
        this.#failures += 1;
        this.#nextKeepAliveAt = options.clock.now() + backoffMs;
      })
      .finally(() => {
        this.#inFlight = false;
      });
  }
}
