/**
 * The conversation beside the session: whose turn it is (LiveKit's agent states are the model),
 * the transcript of both sides, and the latency of every user turn. Fed by the avatar's and the
 * voice-chat socket's events; knows nothing of rooms or HTTP.
 */
import { type Clock, systemClock } from '../internal/clock.js';
import type { EventSink } from '../internal/events.js';

/**
 * `idle` without voice chat; then `listening` → `user_speaking` → `thinking` (the user stopped,
 * the answer is on its way) → `avatar_speaking` → `listening` …
 */
export type ConversationState = 'idle' | 'listening' | 'user_speaking' | 'thinking' | 'avatar_speaking';

/** One turn of the transcript. Times in milliseconds since the epoch. */
export interface TranscriptTurn {
  readonly role: 'user' | 'avatar';
  readonly text: string;
  readonly startedAt: number;
  /** Undefined while the turn is still going on. */
  readonly endedAt: number | undefined;
}

/**
 * How long one user turn waited for its answer, each figure in milliseconds from the end of the
 * user's speech (`user_stop`, or push-to-talk released).
 */
export interface TurnLatency {
  /** When the user stopped speaking, in milliseconds since the epoch. */
  userStoppedAt: number;
  /** … to the final transcript of what the user said (`user_end_message`). */
  toTranscriptMs: number | undefined;
  /** … to the avatar starting its answer (`avatar_start_talking`). */
  toAvatarStartMs: number | undefined;
  /** … to the first audio energy of the answer at this receiver. */
  toFirstAudioMs: number | undefined;
}

/** Events of voice chat's conversation, emitted by the avatar. */
export interface ConversationEvents {
  /** Every change of the conversation state, after it happened. */
  conversationStateChanged: (state: ConversationState, previous: ConversationState) => void;
  /** The user's words so far in this turn (`final` once the turn's transcript is complete). */
  userSpeech: (text: string, final: boolean) => void;
  /** A turn was added to the transcript or completed. */
  transcriptChanged: (transcript: readonly TranscriptTurn[]) => void;
  /** A user turn's latency, once all three figures are in (or the answer was cut short). */
  turnLatency: (latency: TurnLatency) => void;
}

/** Follows one voice conversation. */
export class Conversation {
  #currentState: ConversationState = 'idle';
  readonly #turns: TranscriptTurn[] = [];
  #userTurn: { startedAt: number; text: string } | undefined;
  #avatarTurn: { startedAt: number; text: string } | undefined;
  #latency: TurnLatency | undefined;

  constructor(
    private readonly events: EventSink<ConversationEvents>,
    private readonly clock: Clock = systemClock,
  ) {}

  get state(): ConversationState {
    return this.#currentState;
  }

  /** Both sides' turns, in order. */
  get transcript(): readonly TranscriptTurn[] {
    return this.#turns;
  }

  /** Voice chat started: the avatar listens. */
  begin(): void {
    if (this.#currentState === 'idle') this.#setState('listening');
  }

  /** Voice chat stopped: back to `idle`; the transcript is kept. */
  end(): void {
    this.#finishUserTurn();
    this.#setState('idle');
  }

  /** The user started speaking (`user_start`, the first words, or the talk key pressed). */
  userStarted(): void {
    if (this.#currentState === 'idle') return;
    this.#userTurn ??= { startedAt: this.clock.now(), text: '' };
    this.#setState('user_speaking');
  }

  /** The user stopped speaking (`user_stop`, or the talk key released): the answer is awaited. */
  userStopped(): void {
    if (this.#currentState !== 'user_speaking') return;
    this.#latency = {
      userStoppedAt: this.clock.now(),
      toTranscriptMs: undefined,
      toAvatarStartMs: undefined,
      toFirstAudioMs: undefined,
    };
    this.#setState('thinking');
  }

  /** More of the user's words (`user_talking_message`). */
  userWords(message: string): void {
    if (this.#currentState === 'idle') return;
    if (!this.#userTurn) this.userStarted();
    const turn = this.#userTurn!;
    turn.text = joinWords(turn.text, message);
    this.events.emit('userSpeech', turn.text, false);
  }

  /**
   * The user's turn is transcribed (`user_end_message`). `finalText`, where the provider sends the
   * whole turn's words at the end (LiveAvatar's `user.transcription`), replaces the pieces.
   */
  userFinished(finalText?: string): void {
    if (this.#currentState === 'user_speaking') this.userStopped();
    if (finalText?.trim()) {
      this.#userTurn ??= { startedAt: this.clock.now(), text: '' };
      this.#userTurn.text = finalText;
    }
    if (this.#latency && this.#latency.toTranscriptMs === undefined) {
      this.#latency.toTranscriptMs = this.clock.now() - this.#latency.userStoppedAt;
    }
    this.#finishUserTurn();
  }

  /**
   * The avatar began to speak (`avatar_start_talking`); `continuing` a turn it began, as a long or
   * streamed utterance's later piece does, unless the user spoke in between.
   */
  avatarStarted(continuing = false): void {
    this.#finishUserTurn();
    const last = this.#turns.at(-1);
    if (continuing && last?.role === 'avatar') {
      this.#turns.pop();
      this.#avatarTurn = { startedAt: last.startedAt, text: `${last.text} ` };
    } else this.#avatarTurn = { startedAt: this.clock.now(), text: '' };
    const { startedAt, text } = this.#avatarTurn;
    this.#turns.push({ role: 'avatar', text: text.trim(), startedAt, endedAt: undefined });
    this.events.emit('transcriptChanged', this.#turns);
    if (this.#latency && this.#latency.toAvatarStartMs === undefined) {
      this.#latency.toAvatarStartMs = this.clock.now() - this.#latency.userStoppedAt;
    }
    if (this.#currentState !== 'idle') this.#setState('avatar_speaking');
  }

  /** More of the avatar's words (`avatar_talking_message`). */
  avatarWords(message: string): void {
    const turn = this.#avatarTurn;
    if (!turn) return;
    turn.text += message;
    this.#replaceLast({
      role: 'avatar',
      text: turn.text.trim(),
      startedAt: turn.startedAt,
      endedAt: undefined,
    });
  }

  /** The answer's first audio energy reached this receiver. */
  avatarAudible(): void {
    const latency = this.#latency;
    if (!latency || latency.toAvatarStartMs === undefined || latency.toFirstAudioMs !== undefined) return;
    latency.toFirstAudioMs = this.clock.now() - latency.userStoppedAt;
    this.#reportLatency();
  }

  /** The avatar stopped speaking (`avatar_stop_talking`). */
  avatarStopped(): void {
    const turn = this.#avatarTurn;
    if (turn) {
      this.#avatarTurn = undefined;
      this.#replaceLast({
        role: 'avatar',
        text: turn.text.trim(),
        startedAt: turn.startedAt,
        endedAt: this.clock.now(),
      });
    }
    // An answer cut before it was heard still reports what was measured.
    if (this.#latency) this.#reportLatency();
    if (this.#currentState === 'avatar_speaking') this.#setState('listening');
  }

  #finishUserTurn(): void {
    const turn = this.#userTurn;
    if (!turn) return;
    this.#userTurn = undefined;
    if (turn.text.trim() === '') return;
    this.events.emit('userSpeech', turn.text, true);
    this.#turns.push({
      role: 'user',
      text: turn.text.trim(),
      startedAt: turn.startedAt,
      endedAt: this.clock.now(),
    });
    this.events.emit('transcriptChanged', this.#turns);
  }

  #replaceLast(turn: TranscriptTurn): void {
    this.#turns[this.#turns.length - 1] = turn;
    this.events.emit('transcriptChanged', this.#turns);
  }

  #reportLatency(): void {
    const latency = this.#latency;
    if (!latency) return;
    this.#latency = undefined;
    this.events.emit('turnLatency', latency);
  }

  #setState(next: ConversationState): void {
    const previous = this.#currentState;
    if (previous === next) return;
    this.#currentState = next;
    this.events.emit('conversationStateChanged', next, previous);
  }
}

function joinWords(text: string, message: string): string {
  if (text === '') return message;
  return /\s$/.test(text) || /^\s/.test(message) ? text + message : `${text} ${message}`;
}
