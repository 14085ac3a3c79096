/**
 * Counts the page's pending timers, for the long-session bench: installed first, it wraps
 * `setTimeout`, `setInterval` and their `clear…` so a timer that is never cleared shows up.
 */
const pending = new Set<number>();
const { setTimeout: nativeSetTimeout, setInterval: nativeSetInterval } = window;
const { clearTimeout: nativeClearTimeout, clearInterval: nativeClearInterval } = window;

window.setTimeout = ((handler: TimerHandler, timeout?: number, ...rest: unknown[]) => {
  const id = nativeSetTimeout(
    (...args: unknown[]) => {
      pending.delete(id);
      if (typeof handler === 'function') handler(...args);
    },
    timeout,
    ...rest,
  );
  pending.add(id);
  return id;
}) as typeof window.setTimeout;
window.setInterval = ((handler: TimerHandler, timeout?: number, ...rest: unknown[]) => {
  const id = nativeSetInterval(handler, timeout, ...rest);
  pending.add(id);
  return id;
}) as typeof window.setInterval;
window.clearTimeout = ((id?: number) => {
  if (id !== undefined) pending.delete(id);
  nativeClearTimeout(id);
}) as typeof window.clearTimeout;
window.clearInterval = ((id?: number) => {
  if (id !== undefined) pending.delete(id);
  nativeClearInterval(id);
}) as typeof window.clearInterval;

/** How many timers are set and neither fired (timeouts) nor cleared. */
export function pendingTimers(): number {
  return pending.size;
}
