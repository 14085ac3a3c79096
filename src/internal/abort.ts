/** Waiting that gives way to an `AbortSignal`, whatever the awaited work does with it. */

/** Rejects with the signal's reason as soon as it aborts, whether or not `promise` listens. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // Whichever comes first, the other outcome of `promise` is handled here, never left unhandled.
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
