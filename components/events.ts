/**
 * DOM events of the elements. All bubble, cross shadow roots (`composed`) and share the `avatar-`
 * prefix; they are declared in `GlobalEventHandlersEventMap`, so listeners are typed.
 */
import type {
  AvatarState,
  ConversationState,
  EndReason,
  ExpiryReason,
  Speech,
  StreamingAvatarError,
  TurnLatency,
} from '../src/index.js';

const init = { bubbles: true, composed: true } as const;

/**
 * Fired (bubbling, composed) by each `<streaming-avatar>` as it connects, so companion elements
 * whose target appears later find it.
 */
export const AVATAR_CONNECTED_EVENT = 'avatar-connected';

/** The avatar's state changed (`idle`, `loading`, `connecting`, `connected`, …). */
export class AvatarStateChangeEvent extends Event {
  constructor(
    readonly state: AvatarState,
    readonly previous: AvatarState,
  ) {
    super('avatar-state-change', init);
  }
}

/** The first video frame is on screen. */
export class AvatarReadyEvent extends Event {
  constructor() {
    super('avatar-ready', init);
  }
}

/**
 * The avatar started speaking: one of the page's utterances (`speech.source` `repeat` or `talk`,
 * with `speech.utteranceId`), an answer to the user's voice (`voice`) or audio (`audio`).
 */
export class AvatarSpeakingStartEvent extends Event {
  constructor(readonly speech: Speech) {
    super('avatar-speaking-start', init);
  }
}

/**
 * The avatar stopped speaking `speech`: said to the end (`interrupted` false), or cut short by
 * `interrupt()`, `cancel()`, a failure or the session's end (`interrupted` true).
 */
export class AvatarSpeakingEndEvent extends Event {
  constructor(
    readonly speech: Speech,
    readonly interrupted: boolean,
  ) {
    super('avatar-speaking-end', init);
  }
}

/** The next words the avatar is speaking (caption text), for task `taskId`. */
export class AvatarSpeechTextEvent extends Event {
  constructor(
    readonly text: string,
    readonly taskId: string,
  ) {
    super('avatar-speech-text', init);
  }
}

/** The session ends by itself in `seconds` seconds unless something happens. */
export class AvatarExpiringEvent extends Event {
  constructor(
    readonly seconds: number,
    readonly reason: ExpiryReason,
  ) {
    super('avatar-expiring', init);
  }
}

/** The session ended, for `reason`. */
export class AvatarEndedEvent extends Event {
  constructor(
    readonly reason: EndReason,
    readonly error: StreamingAvatarError | undefined,
  ) {
    super('avatar-ended', init);
  }
}

/** The voice conversation moved on (`listening`, `user_speaking`, `thinking`, `avatar_speaking`, `idle`). */
export class AvatarConversationStateChangeEvent extends Event {
  constructor(
    readonly state: ConversationState,
    readonly previous: ConversationState,
  ) {
    super('avatar-conversation-state-change', init);
  }
}

/** What the user said, as the avatar heard it (`final` once the turn's transcript is complete). */
export class AvatarUserSpeechEvent extends Event {
  constructor(
    readonly text: string,
    readonly final: boolean,
  ) {
    super('avatar-user-speech', init);
  }
}

/** How long a user turn waited for its answer, in milliseconds (see `TurnLatency`). */
export class AvatarTurnLatencyEvent extends Event {
  constructor(readonly latency: TurnLatency) {
    super('avatar-turn-latency', init);
  }
}

/** Something failed; `error.code` says what. */
export class AvatarErrorEvent extends Event {
  constructor(readonly error: StreamingAvatarError) {
    super('avatar-error', init);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'avatar-state-change': AvatarStateChangeEvent;
    'avatar-ready': AvatarReadyEvent;
    'avatar-speaking-start': AvatarSpeakingStartEvent;
    'avatar-speaking-end': AvatarSpeakingEndEvent;
    'avatar-speech-text': AvatarSpeechTextEvent;
    'avatar-expiring': AvatarExpiringEvent;
    'avatar-ended': AvatarEndedEvent;
    'avatar-error': AvatarErrorEvent;
    'avatar-conversation-state-change': AvatarConversationStateChangeEvent;
    'avatar-user-speech': AvatarUserSpeechEvent;
    'avatar-turn-latency': AvatarTurnLatencyEvent;
  }
}
