/**
 * A renewal: the avatar's next session starts in the background with the same options, takes the
 * queue over at a pause in speech, voice chat moves into its room, and the old session stops once
 * the new one speaks, so a session's end is never seen.
 */
import { StreamingAvatarError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import type { EventSink } from '../internal/events.js';
import { toToolkitError } from './connect.js';
import type { SessionEngine } from './session-engine.js';
import type { RenewalEvents } from './session-events.js';

/**
 * How long the switch waits for the utterance being spoken to end, in milliseconds; after that
 * it waits only for the end of the current piece (at most 1,000 characters).
 */
const UTTERANCE_WAIT_MS = 10_000;

/**
 * Seconds before the old session's duration limit at which the switch happens whatever is being
 * said; a piece cut there is spoken again, from its start, by the new session.
 */
const LAST_MOMENT_SECONDS = 3;

/**
 * How long the old session streams on after the switch, in milliseconds, so a page moving its
 * picture to the new media never shows the old video frozen or blank (`<streaming-avatar>` waits
 * for the new video's steady frame rate, up to 2 s, then cross-fades for 250 ms). It adds as much
 * overlap to each renewal.
 */
export const PICTURE_SWITCH_MS = 3_000;

/** What a renewal needs of its avatar. */
export interface RenewalHost {
  readonly events: EventSink<RenewalEvents>;
  /** The next session, on standby, with the old one's options; its events pass once it is the avatar's. */
  createNext(): SessionEngine;
  /** Makes `next` the avatar's session: its events and media from now on. */
  switchTo(next: SessionEngine): void;
  /** The old session has stopped (after a switch). */
  stopped(): void;
}

/** Renews the avatar's session `from`; `done` settles once the old session has stopped. */
export class SessionRenewal {
  /** Resolves once renewed; rejects with why the next session did not take over. */
  readonly done: Promise<void>;
  #next: SessionEngine | undefined;
  /** Ends the wait for a pause in speech; set once the next session is ready. */
  #switchNow: (() => void) | undefined;
  #switched = false;
  #cancelled = false;

  constructor(
    readonly from: SessionEngine,
    private readonly host: RenewalHost,
  ) {
    this.done = this.#run();
  }

  /**
   * An event of the avatar's session while this renewal runs. When the old session starts to end
   * with the next one ready, the next takes over at once (the old one's pieces are spoken again)
   * and the old one's end is not the avatar's. @returns Whether the event was the renewal's.
   */
  intercept(session: SessionEngine, event: string): boolean {
    if (session !== this.from || event !== 'stateChanged' || session.state !== 'closing') return false;
    if (!this.#switchNow || this.#next?.state !== 'connected') return false;
    this.#switch();
    this.#switchNow();
    return true;
  }

  /** Stops the session the avatar does not (it stops its current one): the next, or after the switch the old. */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    this.#switchNow?.();
    await (this.#switched ? this.from : this.#next)?.stop();
  }

  async #run(): Promise<void> {
    const { from, host } = this;
    const next = host.createNext();
    this.#next = next;
    try {
      await next.start();
      if (from.state !== 'connected' && from.state !== 'reconnecting') throw endedDuringRenewal(from);
    } catch (cause) {
      return this.#fail(cause);
    }
    if (this.#cancelled) return;
    const clock = from.options.clock ?? systemClock;
    let lastMoment: unknown;
    let paused = false;
    await new Promise<void>((resolve) => {
      this.#switchNow = resolve;
      void from.queue.handOver(UTTERANCE_WAIT_MS).then(() => {
        paused = true;
        resolve();
      });
      const remaining = from.remaining;
      if (remaining?.reason === 'duration_limit') {
        lastMoment = clock.setTimeout(resolve, Math.max(0, remaining.seconds - LAST_MOMENT_SECONDS) * 1000);
      }
    });
    clock.clearTimeout(lastMoment);
    if (this.#cancelled) return;
    if (!this.#switched) {
      if (next.state !== 'connected') {
        // The old session speaks on, as if no renewal had begun.
        from.takeOver();
        return this.#fail(endedDuringRenewal(next));
      }
      this.#switch();
      // At the last moment: the new session says the cut piece again, so the old one stops talking.
      if (!paused) from.silence().catch(() => undefined);
    }
    const pictureSwitched = new Promise<void>((resolve) => clock.setTimeout(resolve, PICTURE_SWITCH_MS));
    await from.voice.moveTo(next.voice).catch((error: unknown) => {
      from.options.log?.(`session ${next.sessionId}: voice chat did not move over: ${String(error)}`);
    });
    await pictureSwitched;
    await from.stop('renewed').catch(() => undefined);
    host.stopped();
    if (this.#cancelled) return;
    host.events.emit('renewed', {
      previousSessionId: from.sessionId!,
      sessionId: next.sessionId!,
      overlapSeconds: ((from.endedAt ?? 0) - (next.startedAt ?? 0)) / 1000,
    });
  }

  /** The next session did not take over: it is stopped and `renewFailed` says why. */
  async #fail(cause: unknown): Promise<never> {
    await this.#next?.stop().catch(() => undefined);
    const error = toToolkitError(cause);
    if (!this.#cancelled) this.host.events.emit('renewFailed', error);
    throw error;
  }

  #switch(): void {
    this.#switched = true;
    this.from.retire();
    this.host.switchTo(this.#next!);
  }
}

/** A session of the renewal ended before the switch: the old one before the next was ready, or the next before it took over. */
function endedDuringRenewal(session: SessionEngine): StreamingAvatarError {
  return new StreamingAvatarError('session_closed', `Session ${session.sessionId} ended during a renewal.`);
}
