/** The vocabulary of speech: utterances, their status and events, and the speech they become. */
import type { TaskType } from '../api/schemas.js';

/** Where an utterance is: waiting, being spoken, or settled one way or another. */
export type UtteranceStatus = 'queued' | 'speaking' | 'ended' | 'interrupted' | 'cancelled' | 'failed';

/** A piece of text the avatar is asked to say, split into one or more tasks. */
export interface Utterance {
  /** Unique among the avatar's utterances, across its sessions. */
  readonly id: string;
  readonly text: string;
  readonly taskType: TaskType;
  /** The text as sent: ≤1,000-character pieces for `repeat` (seed 000), the whole text for `talk`. */
  readonly pieces: readonly string[];
  /** The server's task ids, one per piece sent so far. */
  readonly taskIds: readonly string[];
  readonly status: UtteranceStatus;
  /** The words spoken so far, from the avatar's talking messages. */
  readonly spokenText: string;
  /**
   * Resolves when the avatar has finished speaking the last piece. Always settles: rejects with an
   * `UtteranceError` (`interrupted` or `cancelled`), the error that stopped a task being sent, a
   * `TimeoutError` when the avatar's events for a piece stop coming (the task queue's watchdog), or a
   * `session_closed` error when the session had ended before `speak()`.
   */
  readonly done: Promise<void>;
}

/**
 * Where a stretch of the avatar's speech came from: the page's own text said verbatim (`repeat`),
 * the platform's answer to a `talk` utterance, an answer to the user's voice (voice chat), or
 * audio the page sent (`audio`, LiveAvatar LITE's `speakAudio`).
 */
export type SpeechSource = 'repeat' | 'talk' | 'voice' | 'audio';

/** One stretch of the avatar's speech, from its first word to its last. */
export interface Speech {
  readonly source: SpeechSource;
  /** The avatar's task id for the speech (the utterance's first piece). */
  readonly taskId: string;
  /** The page's utterance being spoken (`repeat` and `talk`). */
  readonly utteranceId?: string | undefined;
}

/** Options of `speak()`. */
export interface SpeakOptions {
  /** `repeat` (default) speaks the text verbatim; `talk` has HeyGen's LLM answer it. */
  taskType?: TaskType;
}

/** Events of the task queue, one per utterance step. */
export interface UtteranceEvents {
  /** `speak()` queued the utterance (split into pieces of at most 1,000 characters). */
  utteranceQueued: (utterance: Utterance) => void;
  /** The avatar began speaking the utterance's first piece. */
  utteranceStarted: (utterance: Utterance, taskId: string) => void;
  /** More words were spoken; `utterance.spokenText` holds all so far. */
  utteranceProgress: (utterance: Utterance, message: string) => void;
  /** The avatar said the utterance's last word. */
  utteranceEnded: (utterance: Utterance) => void;
  /** `interrupt()` or the session's end cut the utterance short. */
  utteranceInterrupted: (utterance: Utterance) => void;
  /** `cancel(id)` dropped the utterance before it was spoken to the end. */
  utteranceCancelled: (utterance: Utterance) => void;
  /** A piece could not be sent or never finished; the rest of the utterance is dropped. */
  utteranceFailed: (utterance: Utterance, error: unknown) => void;
  /** The avatar started speaking: one of the page's utterances, an answer to the user, or audio. */
  speakingStarted: (speech: Speech) => void;
  /** The avatar stopped speaking `speech`: said to the end, or cut short (`interrupted`). */
  speakingEnded: (speech: Speech, interrupted: boolean) => void;
  /**
   * `streaming.interrupt` failed while cancelling: the utterance is settled, but the avatar may
   * finish the words it already had.
   */
  interruptFailed: (error: unknown) => void;
}

/** What the queue needs from a live session. */
export interface TaskSender {
  /** Sends one task; resolves with its task id and expected speech length in milliseconds. */
  send(text: string, taskType: TaskType): Promise<{ taskId: string; durationMs: number }>;
  /** Stops the current speech and empties the server's queue. */
  interrupt(): Promise<void>;
}

/** An utterance as the task queue keeps it. */
export class UtteranceEntry implements Utterance {
  status: UtteranceStatus = 'queued';
  spokenText = '';
  readonly taskIds: string[] = [];
  /** Set once the avatar started speaking it. */
  speech: Speech | undefined;
  /** Index of the next piece to send. */
  nextPiece = 0;
  readonly done: Promise<void>;
  settle!: (error?: unknown) => void;
  /** The whitespace the text had before each piece, so `spokenText` joins pieces as the text did. */
  readonly separators: readonly string[];

  constructor(
    readonly id: string,
    readonly text: string,
    readonly taskType: TaskType,
    readonly pieces: readonly string[],
  ) {
    let at = 0;
    this.separators = pieces.map((piece) => {
      const start = text.indexOf(piece, at);
      const gap = start > at ? text.slice(at, start) : '';
      at = start + piece.length;
      return gap;
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Callers that never await `done` must not see unhandled rejections.
    this.done.catch(() => undefined);
  }
}
