/**
 * The soak run's page side: `<streaming-avatar>` renewing its session before every duration limit,
 * with voice chat listening and a sentence spoken every 15 s, as a kiosk runs all day; each
 * renewal as the viewer saw it (the largest gap between presented frames across the handoff and
 * the darkest frame), and what the page holds (timers, the queue, credits on the meter).
 */

import { StreamingAvatarElement } from '../../components/index.js';
import { type KioskRenewal, watchRenewals } from '../../demo/frame-gaps.js';
import { CreditMeter } from '../../src/index.js';
import { pendingTimers } from './timers.js';

/** What the soak counts in the page each minute; heap, listeners and nodes come from DevTools. */
export interface SoakSample {
  renewals: KioskRenewal[];
  /**
   * At each sample taken away from any handoff (6 s after a session's `ready`, 3 s or more before
   * the next renewal begins): the largest gap between presented frames in the 2.5 s before it, in
   * milliseconds. The machine's own baseline, beside the handoffs' figure.
   */
  steadyGapsMs: number[];
  renewFailures: string[];
  state: string;
  conversationState: string;
  queued: number;
  timers: number;
  /** Credits on a meter following the avatar since the start. */
  credits: number;
}

let soak:
  | { avatar: StreamingAvatarElement; meter: CreditMeter; sample: () => SoakSample; stop: () => void }
  | undefined;

/** Starts the kiosk-like avatar: renewing `renewBeforeEndSeconds` before each limit. */
async function soakStart(baseUrl: string, avatarId: string, renewBeforeEndSeconds: number): Promise<void> {
  const avatar = new StreamingAvatarElement();
  avatar.tokenUrl = '/api/avatar-token';
  avatar.baseUrl = baseUrl;
  avatar.avatarId = avatarId;
  avatar.renewBeforeEnd = renewBeforeEndSeconds;
  document.body.append(avatar);
  await avatar.updateComplete;
  const meter = new CreditMeter(avatar.avatar);
  const renewals: KioskRenewal[] = [];
  const renewFailures: string[] = [];
  const steadyGapsMs: number[] = [];
  const watched = watchRenewals(avatar, (seen) => renewals.push(seen));
  const sampleSteadyGap = () => {
    const now = performance.now();
    const remaining = avatar.avatar.remainingSeconds ?? 0;
    if (now - watched.lastReadyAt() > 6_000 && remaining > renewBeforeEndSeconds + 3) {
      steadyGapsMs.push(watched.frames.around(now, 2_500, 0).largestGapMs);
    }
  };
  avatar.avatar.on('renewFailed', (error) => renewFailures.push(error.code));
  await avatar.start();
  await avatar.startVoiceChat();
  let sentence = 0;
  const speaking = setInterval(() => {
    sentence += 1;
    avatar.speak(`Sentence ${sentence}: the kiosk is still here, all day.`);
  }, 15_000);
  soak = {
    avatar,
    meter,
    sample: () => {
      sampleSteadyGap();
      return {
        renewals,
        steadyGapsMs,
        renewFailures,
        state: avatar.state,
        conversationState: avatar.conversationState,
        queued: avatar.avatar.utterances.length,
        timers: pendingTimers(),
        credits: meter.reading().credits,
      };
    },
    stop: () => clearInterval(speaking),
  };
}

function soakSample(): SoakSample {
  return soak!.sample();
}

/** Stops speaking and the session; resolves with the meter's final credits. */
async function soakStop(): Promise<number> {
  const run = soak!;
  soak = undefined;
  run.stop();
  await run.avatar.stop();
  return run.meter.reading().credits;
}

export const soakRun = { soakStart, soakSample, soakStop };
