/** The page going away: a session ends when its page is hidden for good. */

/**
 * Calls `onPageHide` when the page is hidden for good (`pagehide`) on `target` (default
 * `globalThis` where it has `addEventListener`).
 * @returns Stops listening.
 */
export function listenForPageHide(target: EventTarget | undefined, onPageHide: () => void): () => void {
  const lifecycle = target ?? (typeof globalThis.addEventListener === 'function' ? globalThis : undefined);
  lifecycle?.addEventListener('pagehide', onPageHide);
  return () => lifecycle?.removeEventListener('pagehide', onPageHide);
}
