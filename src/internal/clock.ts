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

/**
 * The real clock: the page's (or process's) time origin plus `performance.now()`, so keep-alives,
 * the meter and countdowns never jump with the wall clock; and the global timers.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Resolves after `delayMs` milliseconds of `clock` time; rejects with the signal's reason when
 * `signal` aborts first.
 */
export function sleep(delayMs: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `tick` every `intervalMs` milliseconds of `clock` time until the returned function is called. */
export function every(intervalMs: number, clock: Clock, tick: () => void): () => void {
  let handle: unknown;
  let running = true;
  const schedule = () => {
    handle = clock.setTimeout(() => {
      if (!running) return;
      tick();
      if (running) schedule();
    }, intervalMs);
  };
  schedule();
  return () => {
    running = false;
    clock.clearTimeout(handle);
  };
}
