/**
 * Every string the elements show or announce, in one catalogue per language (`lang` on the
 * element or on `<html>` picks it; English is the fallback). A page can register another
 * language with {@link registerTranslation} or override single messages on one element through its
 * `messages` property.
 */
import type { Translation } from '@shoelace-style/localize';
import type { StreamingAvatarError } from '../../src/errors.js';
import type { ConnectionQuality, ConnectPhase, EndReason } from '../../src/index.js';

/** One language's messages: `$code` (e.g. `de`), `$name`, `$dir`, and every string the elements use. */
export interface AvatarMessages extends Translation {
  /** The start button of an idle avatar. */
  start: string;
  /** The start button after a session ended. */
  startAgain: string;
  /** The retry button after a failure. */
  retry: string;
  /** While the session machinery loads (the first start). */
  loading: string;
  /** While connecting, before a connect step is known. */
  connecting: string;
  /** The connect step under way. */
  phase: (phase: ConnectPhase) => string;
  /** Why the session ended. */
  ended: (reason: EndReason) => string;
  /** A failure, for the person in front of the screen (`error` undefined: no detail is known). */
  error: (error: StreamingAvatarError | undefined) => string;
  /** The button shown when the browser blocked the avatar's sound. */
  unmute: string;
  /** The voice chat toggle, off and on. */
  talk: string;
  stopTalking: string;
  /** The push-to-talk button, released and held. */
  holdToTalk: string;
  talking: string;
  /** The microphone level meter's and the microphone picker's labels. */
  microphoneLevel: string;
  microphone: string;
  /** A microphone the browser gives no name, `number` counting from 1. */
  unnamedMicrophone: (number: number) => string;
  /** The connection grade shown while connected. */
  connectionQuality: (quality: ConnectionQuality) => string;
  /** The grade's tooltip, with frames per second and packet loss in percent when measured. */
  connectionDetails: (quality: string, framesPerSecond?: number, packetLossPercent?: number) => string;
  /** The credit meter's figure names and its budget bar's label. */
  elapsed: string;
  credits: string;
  estimate: string;
  budgetUsed: string;
  /** What the credit meter announces to screen readers; `budgetPercent` undefined without a budget. */
  meterAnnouncement: (elapsed: string, credits: string, budgetPercent: number | undefined) => string;
  /** The captions' region label and speaker names. */
  captions: string;
  user: string;
  avatar: string;
}

const PHASES: Record<ConnectPhase, string> = {
  token: 'Getting a session token…',
  new: 'Creating the session…',
  start: 'Starting the avatar…',
  room: 'Joining the room…',
  media: 'Waiting for video…',
};

const ENDINGS: Record<EndReason, string> = {
  user: 'The session has ended.',
  idle_timeout: 'The session ended after a period of inactivity.',
  duration_limit: 'The session reached its time limit.',
  budget_exhausted: 'The session used up its credit budget.',
  server_closed: 'The service closed the session.',
  network_lost: 'The connection was lost.',
  page_hidden: 'The session ended while the page was hidden.',
  inactivity: 'The session ended after a while with nobody using it.',
  renewed: 'The session was renewed.',
  error: 'The session failed.',
};

/** English, the fallback for every missing message. */
export const english: AvatarMessages = {
  $code: 'en',
  $name: 'English',
  $dir: 'ltr',
  start: 'Start avatar',
  startAgain: 'Start again',
  retry: 'Retry',
  loading: 'Loading…',
  connecting: 'Connecting…',
  phase: (phase) => PHASES[phase],
  ended: (reason) => ENDINGS[reason],
  // The toolkit's errors say what happened and what to do, in English.
  error: (error) => error?.message ?? 'The session failed.',
  unmute: 'Tap to unmute',
  talk: 'Talk',
  stopTalking: 'Stop talking',
  holdToTalk: 'Hold to talk',
  talking: 'Talking…',
  microphoneLevel: 'Microphone level',
  microphone: 'Microphone',
  unnamedMicrophone: (number) => `Microphone ${number}`,
  connectionQuality: (quality) => quality,
  connectionDetails: (quality, fps, loss) =>
    fps === undefined || loss === undefined
      ? `Connection ${quality}`
      : `Connection ${quality}, ${Math.round(fps)} fps, ${loss.toFixed(1)} % packets lost`,
  elapsed: 'Elapsed',
  credits: 'Credits',
  estimate: 'Estimate',
  budgetUsed: 'Credit budget used',
  meterAnnouncement: (elapsed, credits, percent) =>
    `${elapsed} elapsed, ${credits} credits${percent === undefined ? '' : `, ${percent} percent of the budget`}.`,
  captions: 'Avatar captions',
  user: 'You',
  avatar: 'Avatar',
};
