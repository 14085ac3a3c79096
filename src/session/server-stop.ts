/**
 * Stopping a session at the server for sure: `streaming.stop` retried with backoff until HeyGen
 * confirms (an answer that the session is already closed counts), each failure reported.
 */

import { SessionStateError } from '../api/errors.js';
import { StopFailedError, StreamingAvatarError } from '../errors.js';
import { type Clock, sleep } from '../internal/clock.js';

/** Session-level retries of a failed `streaming.stop`, after the client's own, and their backoff in milliseconds. */
const STOP_RETRY_DELAYS_MS = [2000, 4000, 8000, 16_000, 30_000];

/**
 * Runs `stop` until it succeeds or the server says the session is gone (closed, closing or
 * unknown), retrying every other failure after {@link STOP_RETRY_DELAYS_MS}: until HeyGen
 * confirms, the session may still bill, so a 4xx is tried again as a 5xx is.
 * @throws {StopFailedError} when every try failed.
 */
export async function stopWithRetries(
  sessionId: string,
  stop: () => Promise<void>,
  clock: Clock,
  onFailure: (error: unknown) => void = () => undefined,
): Promise<void> {
  for (let retry = 0; ; retry++) {
    try {
      await stop();
      return;
    } catch (error) {
      if (isSessionGone(error)) return;
      onFailure(error);
      const delayMs = STOP_RETRY_DELAYS_MS[retry];
      if (delayMs === undefined) throw new StopFailedError(sessionId, error);
      await sleep(delayMs, clock);
    }
  }
}

/** Whether an answer says the session no longer runs at the server (closed, closing or unknown). */
export function isSessionGone(error: unknown): boolean {
  if (!(error instanceof StreamingAvatarError)) return false;
  if (error.code === 'session_closed' || error.code === 'session_not_found') return true;
  return error instanceof SessionStateError && error.sessionState === 'closing';
}
