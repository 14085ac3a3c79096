/**
 * When an avatar's sessions end or renew by themselves: the page hidden too long, nobody using the
 * avatar, the duration limit coming. Loaded with the session machinery, so a page that never starts
 * an avatar never downloads it.
 */
import { type Clock, systemClock } from '../internal/clock.js';
import type { AvatarState, EndReason } from '../vocabulary.js';
import type { SessionEngine } from './session-engine.js';

/** Whether the page is hidden, and an event when that changes (`document` in a browser). */
export interface PageVisibility extends EventTarget {
  readonly hidden: boolean;
}

/** How an avatar's sessions end or renew by themselves; all off by default. */
export interface LifetimeOptions {
  /**
   * End the session once the page has been hidden (another tab, a minimised window) for this many
   * seconds, with end reason `page_hidden`, so nobody pays for an avatar talking to a hidden tab.
   */
  endWhenHiddenSeconds?: number | undefined;
  /** With `endWhenHiddenSeconds`: start a fresh session when the page is visible again. */
  restartWhenVisible?: boolean | undefined;
  /** Where visibility is read (default `document`). */
  pageVisibility?: PageVisibility | undefined;
  /**
   * End the session after this many seconds (10 or more) in which nobody used it: no user speech,
   * no `noteActivity()` (the element calls it on a tap or key) and no `speak()`. End reason
   * `inactivity`, so a kiosk stops billing once its visitor walked away. Unlike the platform's
   * idle timeout, keep-alives do not hold it off.
   */
  endAfterInactivitySeconds?: number | undefined;
  /**
   * Renew the session this many seconds (10 or more) before its duration limit (HeyGen's
   * `session_duration_limit`, LiveAvatar's `max_session_duration`), as `renew()` does, so an
   * always-on page never shows a session's end.
   */
  renewBeforeEndSeconds?: number | undefined;
  /** Times the countdowns (default: the system clock). */
  clock?: Clock | undefined;
}

/** What the lifetime needs of its avatar. */
export interface LifetimeHost {
  state(): AvatarState;
  /** The options now: read again at each change of visibility, as a page may change them. */
  options(): LifetimeOptions;
  /** Whether `session` is still the avatar's. */
  isCurrent(session: SessionEngine): boolean;
  start(): Promise<void>;
  stop(reason: EndReason): Promise<void>;
  renew(): Promise<void>;
}

/** A timer of the lifetime, on the clock it was set with. */
interface Countdown {
  clock: Clock;
  handle: unknown;
}

/** The avatar's countdowns: hidden page, inactivity and renewal. */
export class SessionLifetime {
  #watched: PageVisibility | undefined;
  #hidden: Countdown | undefined;
  #restartOnVisible = false;
  /** The session's `endAfterInactivitySeconds`, read at its start, and its countdown. */
  #inactivity: (Countdown & { seconds: number }) | undefined;
  #renewal: Countdown | undefined;

  constructor(private readonly host: LifetimeHost) {}

  /** A session starts with `options`: the inactivity countdown and the page's visibility follow them. */
  begin(options: LifetimeOptions): void {
    this.#inactivity?.clock.clearTimeout(this.#inactivity.handle);
    const seconds = options.endAfterInactivitySeconds;
    this.#inactivity =
      seconds === undefined ? undefined : { seconds, clock: options.clock ?? systemClock, handle: undefined };
    const visibility = options.pageVisibility ?? globalThis.document;
    if (visibility && visibility !== this.#watched) {
      this.#watched?.removeEventListener('visibilitychange', this.#handleVisibility);
      this.#watched = visibility;
      visibility.addEventListener('visibilitychange', this.#handleVisibility);
    }
    if (this.#watched?.hidden && !this.#hidden) this.#handleVisibility();
  }

  /** Someone used the avatar, or a session began or ended: restarts the inactivity countdown. */
  noteActivity(): void {
    const inactivity = this.#inactivity;
    if (!inactivity) return;
    inactivity.clock.clearTimeout(inactivity.handle);
    inactivity.handle = undefined;
    if (!['connecting', 'connected', 'reconnecting'].includes(this.host.state())) return;
    inactivity.handle = inactivity.clock.setTimeout(() => {
      inactivity.handle = undefined;
      this.host.stop('inactivity').catch(() => undefined);
    }, inactivity.seconds * 1000);
  }

  /** `session` is the avatar's and connected: with `renewBeforeEndSeconds`, renews it that long before its limit. */
  connected(session: SessionEngine, options: LifetimeOptions): void {
    const before = options.renewBeforeEndSeconds;
    const remaining = session.remaining;
    if (before === undefined || remaining?.reason !== 'duration_limit') return;
    this.stopped();
    const clock = options.clock ?? systemClock;
    const handle = clock.setTimeout(
      () => {
        if (this.host.isCurrent(session)) this.host.renew().catch(() => undefined);
      },
      Math.max(0, remaining.seconds - before) * 1000,
    );
    this.#renewal = { clock, handle };
  }

  /** The avatar was stopped: no renewal is due. */
  stopped(): void {
    this.#renewal?.clock.clearTimeout(this.#renewal.handle);
    this.#renewal = undefined;
  }

  readonly #handleVisibility = (): void => {
    const options = this.host.options();
    this.#hidden?.clock.clearTimeout(this.#hidden.handle);
    this.#hidden = undefined;
    if (!this.#watched?.hidden) {
      if (this.#restartOnVisible) {
        this.#restartOnVisible = false;
        this.host.start().catch(() => undefined);
      }
      return;
    }
    const seconds = options.endWhenHiddenSeconds;
    const live = ['loading', 'connecting', 'connected', 'reconnecting'].includes(this.host.state());
    if (seconds === undefined || !live) return;
    const clock = options.clock ?? systemClock;
    const handle = clock.setTimeout(() => {
      this.#hidden = undefined;
      this.#restartOnVisible = options.restartWhenVisible === true;
      this.host.stop('page_hidden').catch(() => undefined);
    }, seconds * 1000);
    this.#hidden = { clock, handle };
  };
}
