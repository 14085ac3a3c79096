import type { Clock } from '../clock.js';
import { TimeoutError } from '../errors.js';

/** `promise`, or a {@link TimeoutError} naming `what` after `timeoutMs` milliseconds of `clock` time. */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
  clock: Clock,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new TimeoutError(`${what} (${timeoutMs} ms).`, timeoutMs)),
      timeoutMs,
    );
    promise.then(resolve, reject).finally(() => clock.clearTimeout(timer));
  });
}
