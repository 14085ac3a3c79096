/** The events of one session engine; the avatar emits them for its current session. */
import type { StopFailedError, StreamingAvatarError } from '../errors.js';
import type { UtteranceEvents } from '../tasks/utterance.js';
import type { ConnectPhase, Remaining, SessionEnd, SessionState } from '../vocabulary.js';
import type { ConversationEvents } from '../voice/conversation.js';
import type { MicrophoneChange } from '../voice/voice-chat.js';
import type { AvatarEvent } from './avatar-events.js';
import type { ConnectionStats } from './transport.js';

/** One renewal, once the old session has stopped. */
export interface Renewal {
  /** The session renewed away from (now stopped). */
  previousSessionId: string;
  /** The session that took over. */
  sessionId: string;
  /** Seconds both sessions were billed at once: from the new one's start to the old one's stop. */
  overlapSeconds: number;
}

/** The events of a renewal, emitted by the avatar. */
export interface RenewalEvents {
  /** A renewal finished: the new session speaks and the old one has stopped. */
  renewed: (renewal: Renewal) => void;
  /** The next session could not start (a concurrency limit, quota, the network): the current one runs on to its end. */
  renewFailed: (error: StreamingAvatarError) => void;
}

/**
 * Events of a session, beside the utterance events of its task queue and its voice conversation
 * (and, on an avatar, its renewals).
 */
export interface SessionEvents extends UtteranceEvents, ConversationEvents, RenewalEvents {
  /** The microphone in use went away (unplugged); voice chat fell back to the system's default. */
  microphoneChanged: (change: MicrophoneChange) => void;
  /** Every state change, after it happened. */
  stateChanged: (state: SessionState, previous: SessionState) => void;
  /** A connecting session moved on to `phase`. */
  phase: (phase: ConnectPhase) => void;
  /** The avatar's video and audio are subscribed; attach `media` to a `<video>`. */
  ready: (media: MediaStream) => void;
  /** An event the avatar sent on the data channel. */
  avatarEvent: (event: AvatarEvent) => void;
  /** A data packet with a `type` this toolkit does not know, passed through. */
  unknownEvent: (type: string, value: Record<string, unknown>) => void;
  /** A data packet that could not be read. */
  malformedEvent: (reason: string, text: string) => void;
  /** The room connection dropped; LiveKit is trying to get it back. */
  reconnecting: () => void;
  /** The room connection is back after `reconnecting`. */
  reconnected: () => void;
  /** Emitted once per reason when the session will end by itself in `remaining.seconds` seconds or fewer. */
  expiring: (remaining: Remaining) => void;
  /** The session is over (state `closed` or `failed`). */
  ended: (end: SessionEnd) => void;
  /**
   * The avatar's connection changed grade (LiveKit's `excellent`/`good`/`poor`/`lost`; `poor` and
   * `lost` come before a reconnect), or a new measurement of its video arrived (about every 2 s).
   */
  connectionQuality: (stats: ConnectionStats) => void;
  /** The browser allowed or blocked audio; when blocked, call `startAudio()` from a click. */
  audioPlaybackChanged: (canPlayback: boolean) => void;
  /**
   * A keep-alive failed; it is tried again with backoff (2 s, 4 s, … up to a quarter of the idle
   * timeout). A session-state answer (closed, not found) ends the session with `server_closed`.
   */
  keepAliveFailed: (error: unknown) => void;
  /**
   * `streaming.stop` failed, so the server may still bill. The session stays `closing` (and the
   * credit meter keeps counting) while it retries with backoff; `ended` follows once the server
   * confirms or the retries run out.
   */
  stopFailed: (error: StopFailedError) => void;
}
