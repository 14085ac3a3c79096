import type { Clock } from '../clock.js';

export type { Clock } from '../clock.js';

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
