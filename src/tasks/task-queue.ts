import { InvalidOptionError, type StreamingAvatarError, TimeoutError, UtteranceError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import type { EventSink } from '../internal/events.js';
import { checkNumberOption } from '../internal/validate.js';
import type { AvatarEvent } from '../session/avatar-events.js';
import { chunkText } from './chunk-text.js';
import { SentenceBuffer } from './sentence-buffer.js';
import { readSpeechStream, type SpeechText } from './speech-stream.js';

import {
  type SpeakOptions,
  type Speech,
  type SpeechSource,
  type TaskSender,
  type Utterance,
  UtteranceEntry,
  type UtteranceEvents,
} from './utterance.js';

/** A piece sent to the server and not yet finished. */
interface SentPiece {
  entry: UtteranceEntry;
  index: number;
  taskId: string;
  started: boolean;
  /** Expected speech length in milliseconds, from the task answer. */
  durationMs: number;
  /** The watchdog that fails the utterance when the avatar's events stop coming. */
  watchdog: unknown;
}

/**
 * Grace in milliseconds on top of twice the expected speech length before a piece whose avatar
 * events stopped coming is given up (the server's `duration_ms` is an estimate).
 */
const WATCHDOG_GRACE_MS = 10_000;

/**
 * How long, in milliseconds, a streamed text may hold an unfinished sentence before the words
 * so far are sent anyway, so a model that never ends a sentence still gets the avatar speaking.
 */
const CLAUSE_WAIT_MS = 1_500;

/**
 * Speaks utterances in order. Each is split with `chunkText` and its pieces are sent one by one;
 * the next piece goes out as soon as the current one starts playing, so the server always has
 * the next piece ready (no gap) while at most one piece waits there (so cancel stays local).
 * A streamed text is cut as it arrives: each sentence goes as soon as it is complete, and what
 * has arrived by the time the next piece may go is packed into it, up to 1,000 characters.
 *
 * Every utterance settles: a piece whose avatar events stop for twice its expected speech length
 * plus 10 s (measured from the last event, or from sending it with the pieces ahead of it
 * counted) fails with a `TimeoutError`, and the queue moves on.
 */
export class TaskQueue {
  readonly #entries: UtteranceEntry[] = [];
  readonly #sent: SentPiece[] = [];
  #sender: TaskSender | undefined;
  /** The utterance whose piece is being sent, while a task call is under way. */
  #sendingFor: UtteranceEntry | undefined;
  /** Events that arrived before the task call that created their task id returned. */
  #early: AvatarEvent[] = [];
  /** Tasks at the server whose utterance was settled: cut the moment they start. */
  readonly #doomed = new Set<string>();
  #counter = 0;
  #idleWaiters: (() => void)[] = [];
  /** Set while `streaming.interrupt` is under way: nothing may be sent that it would cut. */
  #interrupting = false;
  /** Set once the session has ended: later utterances fail with it at once. */
  #closedWith: StreamingAvatarError | undefined;
  /** Set while handing over to the next session: what to wait for, and whom to tell. */
  #handingOver: { boundary: 'utterance' | 'piece'; done: () => void } | undefined;
  /** Speech of tasks the page did not queue (voice answers, audio), by task id. */
  readonly #otherSpeech = new Map<string, Speech>();
  /** What speech of a task the page did not queue is (the session sets it: `audio` while it sends audio). */
  otherSpeechSource: () => SpeechSource = () => 'voice';

  /**
   * @param events Where the utterance events go (the avatar's emitter).
   * @param clock Times the watchdog of each piece.
   */
  constructor(
    private readonly events: EventSink<UtteranceEvents>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Queues `text`; pieces go out once a session is attached.
   * @throws {InvalidOptionError} for a streamed `talk` text or a `streamTimeoutMs` that is not a
   *   positive number.
   */
  speak(text: SpeechText, options: SpeakOptions = {}): Utterance {
    const taskType = options.taskType ?? 'repeat';
    const streamTimeoutMs = options.streamTimeoutMs ?? 15_000;
    checkNumberOption('streamTimeoutMs', streamTimeoutMs, {
      min: 0,
      exclusiveMin: true,
      expected: 'a positive number of milliseconds',
    });
    const streamed = typeof text !== 'string';
    if (streamed && taskType === 'talk') {
      throw new InvalidOptionError(
        'taskType',
        '"repeat" for a streamed text (talk takes a string)',
        taskType,
      );
    }
    const entry = new UtteranceEntry(
      `utterance-${++this.#counter}`,
      streamed ? '' : text,
      taskType,
      this.clock.now(),
    );
    if (!streamed) {
      for (const piece of taskType === 'repeat' ? chunkText(text) : text.trim() === '' ? [] : [text]) {
        entry.addPiece(piece);
      }
    }
    this.events.emit('utteranceQueued', entry);
    if (this.#closedWith) {
      this.#finish(entry, 'failed', this.#closedWith);
      return entry;
    }
    if (!streamed && entry.pieces.length === 0) {
      this.#finish(entry, 'ended');
      return entry;
    }
    this.#entries.push(entry);
    if (streamed) this.#follow(entry, text, streamTimeoutMs);
    this.#pump();
    return entry;
  }

  /** Reads a streamed text into `entry`'s pieces as it arrives. */
  #follow(entry: UtteranceEntry, source: Exclude<SpeechText, string>, silenceMs: number): void {
    const buffer = new SentenceBuffer();
    entry.buffer = buffer;
    let clauseTimer: unknown;
    const waitForClause = () => {
      if (!buffer.holding) {
        this.clock.clearTimeout(clauseTimer);
        clauseTimer = undefined;
      } else
        clauseTimer ??= this.clock.setTimeout(() => {
          clauseTimer = undefined;
          buffer.release();
          this.#pump();
        }, CLAUSE_WAIT_MS);
    };
    const stopReading = readSpeechStream(source, {
      clock: this.clock,
      silenceMs,
      onText: (chunk) => {
        entry.reached('firstTextMs', this.clock.now());
        entry.text += chunk;
        buffer.append(chunk);
        waitForClause();
        this.#pump();
      },
      onEnd: (error) => {
        this.clock.clearTimeout(clauseTimer);
        if (error) {
          this.#remove(entry);
          this.#finish(entry, 'failed', error);
        } else {
          buffer.end();
          for (let piece = buffer.take(); piece !== undefined; piece = buffer.take()) entry.addPiece(piece);
          entry.buffer = undefined;
          const spoken =
            entry.nextPiece === entry.pieces.length &&
            this.#sendingFor !== entry &&
            !this.#sent.some((piece) => piece.entry === entry);
          if (spoken) {
            this.#remove(entry);
            this.#finish(entry, 'ended');
          }
        }
        this.#pump();
        this.#notifyIdle();
      },
    });
    entry.stopStream = () => {
      this.clock.clearTimeout(clauseTimer);
      stopReading();
    };
  }

  /** A new session will speak the utterances: `speak()` queues again after `close()`. */
  reopen(): void {
    this.#closedWith = undefined;
  }

  /**
   * Starts sending through `sender` (the session is connected), or goes on with it after an
   * unfinished hand-over. Pieces another sender still held are sent again, from their start, so
   * nothing is lost.
   */
  attach(sender: TaskSender): void {
    this.#handingOver = undefined;
    if (sender !== this.#sender) {
      for (const piece of this.#sent.splice(0)) {
        this.clock.clearTimeout(piece.watchdog);
        piece.entry.nextPiece = Math.min(piece.entry.nextPiece, piece.index);
      }
    }
    this.#sender = sender;
    this.#pump();
  }

  /**
   * Prepares to move to the next session at a pause in speech: no new utterance begins, the one
   * being spoken goes on (after `utteranceWaitMs` milliseconds, only to the end of its current
   * piece), and the promise resolves once nothing is being spoken; `attach()` then sends the rest.
   */
  handOver(utteranceWaitMs: number): Promise<void> {
    return new Promise((done) => {
      const timer = this.clock.setTimeout(() => {
        if (this.#handingOver) this.#handingOver.boundary = 'piece';
        this.#pump();
      }, utteranceWaitMs);
      this.#handingOver = {
        boundary: 'utterance',
        done: () => {
          this.clock.clearTimeout(timer);
          done();
        },
      };
      this.#pump();
    });
  }

  /**
   * Stops sending for good (the session ended): settles every utterance as interrupted, and
   * later `speak()` calls fail at once with `reason`.
   */
  close(reason: StreamingAvatarError): void {
    this.#closedWith = reason;
    this.#sender = undefined;
    this.#dropAll();
  }

  /** Everything queued or speaking, in order. */
  get utterances(): readonly Utterance[] {
    return [...this.#entries];
  }

  /** Whether nothing is queued or being spoken. */
  get idle(): boolean {
    return this.#entries.length === 0 && this.#sent.length === 0;
  }

  /** Resolves when nothing is queued or being spoken; at once when that is already so. */
  onIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Clears everything queued, stops the current speech (`streaming.interrupt`) and settles every
   * affected utterance as interrupted.
   * @throws {StreamingAvatarError} when `streaming.interrupt` failed: the utterances are settled,
   *   but the avatar may still finish the words it had.
   */
  async interrupt(): Promise<void> {
    const hadSpeech = this.#sent.length > 0 || this.#sendingFor !== undefined || this.#otherSpeech.size > 0;
    this.#dropAll();
    if (!hadSpeech || !this.#sender) return;
    this.#interrupting = true;
    try {
      await this.#sender.interrupt();
    } finally {
      this.#interrupting = false;
      this.#pump();
    }
  }

  /**
   * Removes one utterance. When it is already being spoken the speech is interrupted and the
   * utterances after it carry on. Never throws: when `streaming.interrupt` fails, the utterance
   * is still cancelled and `interruptFailed` reports the failure.
   * @returns Whether the id was found.
   */
  async cancel(id: string): Promise<boolean> {
    const entry = this.#entries.find((candidate) => candidate.id === id);
    if (!entry) return false;
    this.#remove(entry);
    const pieces = this.#sent.filter((piece) => piece.entry === entry);
    this.#finish(entry, 'cancelled', new UtteranceError('cancelled', id, `Utterance ${id} was cancelled.`));
    if (pieces.some((piece) => piece.started)) {
      await this.#restartAfterInterrupt();
    } else {
      for (const piece of pieces) this.#doom(piece);
    }
    this.#pump();
    this.#notifyIdle();
    return true;
  }

  /** Whether `taskId` is a later piece of an utterance, whose speech continues the earlier pieces'. */
  continues(taskId: string): boolean {
    return this.#sent.some((piece) => piece.taskId === taskId && piece.index > 0);
  }

  /** Feeds the avatar's data-channel events in. */
  handleAvatarEvent(event: AvatarEvent): void {
    if (this.#doomed.has(event.task_id)) {
      if (event.type === 'avatar_start_talking' || event.type === 'avatar_stop_talking') {
        this.#doomed.delete(event.task_id);
      }
      if (event.type === 'avatar_start_talking') void this.#restartAfterInterrupt().then(() => this.#pump());
      return;
    }
    if (event.type === 'avatar_start_talking') this.#endOtherSpeech(false);
    const piece = this.#sent.find((candidate) => candidate.taskId === event.task_id);
    if (!piece) {
      if (this.#sendingFor) this.#early.push(event);
      else this.#followOtherSpeech(event);
      return;
    }
    this.#armWatchdog(piece, piece.durationMs);
    if (event.type === 'avatar_start_talking' || event.type === 'avatar_stop_talking') {
      // The avatar speaks tasks in order: a later task starting or stopping means every piece
      // ahead of it has finished, even when its own stop event was lost.
      for (const ahead of this.#sent.slice(0, this.#sent.indexOf(piece))) this.#complete(ahead);
    }
    switch (event.type) {
      case 'avatar_start_talking':
        piece.started = true;
        if (piece.index > 0) piece.entry.spokenText += piece.entry.separators[piece.index];
        if (piece.entry.status === 'queued') {
          const entry = piece.entry;
          entry.status = 'speaking';
          entry.speech = { source: entry.taskType, taskId: event.task_id, utteranceId: entry.id };
          entry.reached('startedMs', this.clock.now());
          this.events.emit('utteranceStarted', entry, event.task_id);
          this.events.emit('speakingStarted', entry.speech);
        }
        this.#pump();
        return;
      case 'avatar_talking_message':
        piece.entry.spokenText += event.message;
        this.events.emit('utteranceProgress', piece.entry, event.message);
        return;
      case 'avatar_stop_talking':
        this.#complete(piece);
        this.#pump();
        this.#notifyIdle();
        return;
      default:
        return;
    }
  }

  /** Speech the page did not queue: an answer to the user's voice, or audio the page sent. */
  #followOtherSpeech({ type, task_id: taskId }: AvatarEvent): void {
    const speech = this.#otherSpeech.get(taskId);
    if (type === 'avatar_start_talking') {
      const started: Speech = { source: this.otherSpeechSource(), taskId };
      this.#otherSpeech.set(taskId, started);
      this.events.emit('speakingStarted', started);
    } else if (type === 'avatar_stop_talking' && speech) {
      this.#otherSpeech.delete(taskId);
      this.events.emit('speakingEnded', speech, false);
      this.#pump();
    }
  }

  /** Ends the speech of other tasks: cut short, or finished (the avatar went on to new speech). */
  #endOtherSpeech(interrupted: boolean): void {
    const ended = [...this.#otherSpeech.values()];
    this.#otherSpeech.clear();
    for (const speech of ended) this.events.emit('speakingEnded', speech, interrupted);
  }

  /**
   * Interrupts the server and puts back every piece it held, so other utterances lose nothing.
   * When the interrupt fails the server still holds those pieces: they are followed as before
   * (those of settled utterances are cut when they start), so nothing is sent twice.
   */
  async #restartAfterInterrupt(): Promise<void> {
    const held = this.#sent.splice(0);
    this.#interrupting = true;
    try {
      await this.#sender?.interrupt();
      for (const piece of held) {
        this.clock.clearTimeout(piece.watchdog);
        piece.entry.nextPiece = Math.min(piece.entry.nextPiece, piece.index);
      }
    } catch (error) {
      for (const piece of held) {
        if (this.#isSettled(piece.entry)) this.#doom(piece);
        else this.#sent.push(piece);
      }
      this.events.emit('interruptFailed', error);
    } finally {
      this.#interrupting = false;
    }
  }

  #pump(): void {
    const sender = this.#sender;
    if (this.#sendingFor || this.#interrupting || !sender) return;
    // An open stream holds back the utterances after it until it ends.
    const entry = this.#entries.find(
      (candidate) => candidate.nextPiece < candidate.pieces.length || candidate.buffer,
    );
    const handingOver = this.#handingOver;
    if (handingOver) {
      const quiet = this.#sent.length === 0 && this.#otherSpeech.size === 0;
      const begun = entry !== undefined && entry.nextPiece > 0;
      if (quiet && (handingOver.boundary === 'piece' || !begun)) {
        this.#handingOver = undefined;
        this.#sender = undefined;
        handingOver.done();
      }
      if (!begun || handingOver.boundary === 'piece') return;
    }
    // At most one piece may wait at the server behind the one being spoken.
    if (this.#sent.some((piece) => !piece.started)) return;
    if (this.#sent.length >= 2) return;
    if (!entry) return;
    if (entry.nextPiece === entry.pieces.length) {
      const piece = entry.buffer?.take();
      if (piece === undefined) return;
      entry.addPiece(piece);
    }
    void this.#sendPiece(sender, entry, entry.nextPiece);
  }

  async #sendPiece(sender: TaskSender, entry: UtteranceEntry, index: number): Promise<void> {
    this.#sendingFor = entry;
    entry.nextPiece = index + 1;
    entry.reached('firstSentMs', this.clock.now());
    try {
      const { taskId, durationMs } = await sender.send(entry.pieces[index]!, entry.taskType);
      entry.taskIds.push(taskId);
      const piece: SentPiece = { entry, index, taskId, started: false, durationMs, watchdog: undefined };
      if (this.#isSettled(entry)) {
        this.#doom(piece);
      } else {
        const aheadMs = this.#sent.reduce((sum, ahead) => sum + ahead.durationMs, 0);
        this.#sent.push(piece);
        this.#armWatchdog(piece, aheadMs + durationMs);
      }
    } catch (error) {
      if (!this.#isSettled(entry)) {
        this.#remove(entry);
        this.#finish(entry, 'failed', error);
        this.#notifyIdle();
      }
    } finally {
      this.#sendingFor = undefined;
      const early = this.#early;
      this.#early = [];
      for (const event of early) this.handleAvatarEvent(event);
      this.#pump();
    }
  }

  /** (Re)starts the piece's watchdog: `expectedMs` of speech still to come, in milliseconds. */
  #armWatchdog(piece: SentPiece, expectedMs: number): void {
    this.clock.clearTimeout(piece.watchdog);
    const timeoutMs = 2 * expectedMs + WATCHDOG_GRACE_MS;
    piece.watchdog = this.clock.setTimeout(() => this.#giveUp(piece, timeoutMs), timeoutMs);
  }

  /** The avatar finished speaking `piece`: its utterance ends when it was the last piece. */
  #complete(piece: SentPiece): void {
    this.#forget(piece);
    const entry = piece.entry;
    if (piece.index === entry.pieces.length - 1 && !entry.buffer && !this.#isSettled(entry)) {
      this.#remove(entry);
      this.#finish(entry, 'ended');
    }
  }

  /** The avatar's events for `piece` stopped coming: fail its utterance and move on. */
  #giveUp(piece: SentPiece, timeoutMs: number): void {
    if (!this.#sent.includes(piece)) return;
    const entry = piece.entry;
    if (this.#isSettled(entry)) {
      this.#forget(piece);
      this.#pump();
      this.#notifyIdle();
      return;
    }
    for (const held of this.#sent.filter((candidate) => candidate.entry === entry)) this.#doom(held);
    this.#remove(entry);
    this.#finish(
      entry,
      'failed',
      new TimeoutError(
        `Utterance ${entry.id}: the avatar sent no events for task ${piece.taskId} within ${timeoutMs} ms.`,
        timeoutMs,
      ),
    );
    this.#pump();
    this.#notifyIdle();
  }

  /** Takes a settled or settling utterance out of the queue (a no-op when it is already out). */
  #remove(entry: UtteranceEntry): void {
    const at = this.#entries.indexOf(entry);
    if (at >= 0) this.#entries.splice(at, 1);
  }

  /** Stops following a piece the server no longer holds for us. */
  #forget(piece: SentPiece): void {
    this.clock.clearTimeout(piece.watchdog);
    const at = this.#sent.indexOf(piece);
    if (at >= 0) this.#sent.splice(at, 1);
  }

  #doom(piece: SentPiece): void {
    this.#forget(piece);
    this.#doomed.add(piece.taskId);
  }

  #isSettled(entry: UtteranceEntry): boolean {
    return entry.status !== 'queued' && entry.status !== 'speaking';
  }

  #dropAll(): void {
    this.#endOtherSpeech(true);
    const dropped = this.#entries.splice(0);
    for (const piece of this.#sent.splice(0)) this.clock.clearTimeout(piece.watchdog);
    for (const entry of dropped) {
      this.#finish(
        entry,
        'interrupted',
        new UtteranceError('interrupted', entry.id, `Utterance ${entry.id} was interrupted.`),
      );
    }
    this.#notifyIdle();
  }

  #finish(
    entry: UtteranceEntry,
    status: 'ended' | 'interrupted' | 'cancelled' | 'failed',
    error?: unknown,
  ): void {
    entry.status = status;
    entry.stopStream?.();
    entry.settle(error);
    if (entry.speech) this.events.emit('speakingEnded', entry.speech, status !== 'ended');
    if (status === 'ended') this.events.emit('utteranceEnded', entry);
    else if (status === 'interrupted') this.events.emit('utteranceInterrupted', entry);
    else if (status === 'cancelled') this.events.emit('utteranceCancelled', entry);
    else this.events.emit('utteranceFailed', entry, error);
  }

  #notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
