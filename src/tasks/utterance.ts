/** The vocabulary of speech: utterances, their status and events, and the speech they become. */
import type { TaskType } from '../api/schemas.js';
import type { SentenceBuffer } from './sentence-buffer.js';

/** Where an utterance is: waiting, being spoken, or settled one way or another. */
export type UtteranceStatus = 'queued' | 'speaking' | 'ended' | 'interrupted' | 'cancelled' | 'failed';

/** A piece of text the avatar is asked to say, split into one or more tasks. */
export interface Utterance {
  /** Unique among the avatar's utterances, across its sessions. */
  readonly id: string;
  /** The text; for a streamed text, what has arrived so far. */
  readonly text: string;
  readonly taskType: TaskType;
  /**
   * The text as sent so far: ≤1,000-character pieces for `repeat` (seed 000), the whole text for
   * `talk`. A streamed text's first piece is its first complete sentence.
   */
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
  /** How long each step took, once it was reached. */
  readonly timings: UtteranceTimings;
}

/** Milliseconds from `speak()` to each step of an utterance; undefined until it is reached. */
export interface UtteranceTimings {
  /** The stream's first text (streamed texts only). */
  firstTextMs?: number;
  /** The first piece sent to the avatar. */
  firstSentMs?: number;
  /** The avatar starting to speak it. */
  startedMs?: number;
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
  /** `repeat` (default) speaks the text verbatim; `talk` has HeyGen's LLM answer it (a string only). */
  taskType?: TaskType;
  /**
   * A streamed text that yields nothing for this many milliseconds fails the utterance with a
   * `TimeoutError` (default 15,000: a model's first token after a long tool call still fits).
   */
  streamTimeoutMs?: number;
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
  readonly pieces: string[] = [];
  /** The whitespace the text had before each piece, so `spokenText` joins pieces as the text did. */
  readonly separators: string[] = [];
  readonly timings: UtteranceTimings = {};
  /** Set once the avatar started speaking it. */
  speech: Speech | undefined;
  /** Index of the next piece to send. */
  nextPiece = 0;
  /** A streamed text's part not yet cut into pieces; undefined once the stream has ended (or for a string). */
  buffer: SentenceBuffer | undefined;
  /** Stops reading the stream (the utterance is settled). */
  stopStream: (() => void) | undefined;
  readonly done: Promise<void>;
  settle!: (error?: unknown) => void;
  /** How far into `text` the pieces reach. */
  #covered = 0;

  constructor(
    readonly id: string,
    public text: string,
    readonly taskType: TaskType,
    private readonly queuedAt: number,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Callers that never await `done` must not see unhandled rejections.
    this.done.catch(() => undefined);
  }

  /** Adds the next piece of the text. */
  addPiece(piece: string): void {
    const start = this.text.indexOf(piece, this.#covered);
    this.separators.push(this.text.slice(this.#covered, start));
    this.#covered = start + piece.length;
    this.pieces.push(piece);
  }

  /** Records that a step was reached now (`now` in milliseconds), once. */
  reached(step: keyof UtteranceTimings, now: number): void {
    this.timings[step] ??= now - this.queuedAt;
  }
}
