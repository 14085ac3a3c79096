/**
 * Time as the toolkit sees it. Managers take a clock through their constructor so tests drive
 * time by hand; the default is the real one.
 */
export interface Clock {
  /**
   * Milliseconds since the epoch on a monotonic clock: differences between two readings are
   * true intervals, whatever the wall clock does in between (NTP, a user setting the date).
   */
  now(): number;
  /** Runs `callback` after `delayMs` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a callback `setTimeout` scheduled; a handle that already ran is ignored. */
  clearTimeout(handle: unknown): void;
}
