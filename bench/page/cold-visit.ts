/** What a cold-visit page records, in milliseconds since the navigation started. */
export interface ColdVisitTimes {
  /** The visitor's click on the start button. */
  clickAt?: number;
  /** The avatar's first frame presented. */
  firstFrameAt?: number;
}

declare global {
  interface Window {
    coldVisit: ColdVisitTimes;
    /** Stops the visit's session, so none is left billing when the context closes. */
    stopColdVisit(): Promise<void>;
  }
}

/**
 * Records the click (any on the page, in the capture phase: before the button's own handler).
 * @param arm Given the function that records the first frame; returns the page's way to stop its session.
 */
export function watchColdVisit(arm: (firstFrame: (at: number) => void) => () => Promise<void>): void {
  const times: ColdVisitTimes = {};
  window.coldVisit = times;
  addEventListener('click', () => (times.clickAt ??= performance.now()), { capture: true });
  window.stopColdVisit = arm((at) => (times.firstFrameAt ??= at));
}
