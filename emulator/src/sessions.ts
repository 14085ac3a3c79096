/**
 * Emulated streaming sessions: the state machine HeyGen runs (new → connecting → connected →
 * closing → closed), idle timeout, duration limit, the task queue, and the history and ledger
 * entries a closed session leaves.
 */
import { randomBytes } from 'node:crypto';
import type { Account } from './accounts.js';
import { QUALITY_PRESETS, type Quality } from './contract.js';
import type { CloseReason, EventDialect } from './dialect.js';
import type { Avatar, MediaBackend } from './media.js';
import { type ChatMessage, type ModelEndpoint, streamAnswer } from './model-answers.js';
import { answer } from './responder.js';
import type { Speech } from './speech.js';

export type SessionStatus = 'new' | 'connecting' | 'connected' | 'closing' | 'closed';

export type { CloseReason } from './dialect.js';

/** What `streaming.new` asked for, after validation. Times in seconds. */
export interface SessionSettings {
  avatarId: string;
  quality: Quality;
  voiceRate: number;
  voiceName: string;
  knowledgeBase: string | undefined;
  idleTimeoutSeconds: number;
  durationLimitSeconds: number;
  videoCodec: 'H264' | 'VP8';
  /** How the avatar's events go out: HeyGen's packets or LiveAvatar's topics. */
  dialect: EventDialect;
  /** The session's id, when the API chose it (LiveAvatar's are UUIDs); a new hex id otherwise. */
  sessionId?: string;
  /** How many times faster than real time the idle timeout, duration limit and billed time run (default 1). */
  timeScale?: number;
  /** The session's own model (LiveAvatar FULL's LLM configuration): it answers instead of the stand-in. */
  model?: ModelEndpoint | undefined;
}

/** What a session's time is billed to. */
export interface Ledger {
  /** Records a closed session's start-to-stop time in seconds. */
  charge(seconds: number): void;
}

/** One task's outcome. `durationMs` is the expected (or, for sync, spoken) length in milliseconds. */
export interface TaskResult {
  taskId: string;
  durationMs: number;
  spoken: Promise<{ interrupted: boolean }>;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

export class EmulatedSession<A extends Ledger = Account> {
  readonly id: string;
  readonly roomName: string;
  readonly createdAt = Date.now();
  status: SessionStatus = 'new';
  startedAt: number | undefined;
  endedAt: number | undefined;
  closeReason: CloseReason | undefined;
  listening = false;
  #avatar: Avatar | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #durationTimer: ReturnType<typeof setTimeout> | undefined;
  /** Synthesis runs in arrival order, so tasks reach the avatar in order. */
  #taskChain: Promise<unknown> = Promise.resolve();
  /** Bumped by interrupt: tasks still being synthesized from before it are dropped. */
  #generation = 0;
  /** The conversation with the session's own model so far. */
  readonly #history: ChatMessage[] = [];
  /** The model's answer being streamed, aborted by an interrupt or the user speaking over it. */
  #modelRequest: AbortController | undefined;
  readonly #closeListeners: (() => void)[] = [];
  readonly #voiceListeners = new Set<(event: Record<string, unknown>) => void>();
  #commandHandler: ((command: Record<string, unknown>) => void) | undefined;

  constructor(
    readonly account: A,
    readonly settings: SessionSettings,
    private readonly media: MediaBackend,
    private readonly onClosed: (session: EmulatedSession<A>) => void,
    private readonly log: (line: string) => void,
  ) {
    this.id = settings.sessionId ?? newId('');
    this.roomName = `avatar-${this.id}`;
    this.touch();
  }

  /** Seconds streamed so far (start to now, or to the end). */
  get streamedSeconds(): number {
    if (this.startedAt === undefined) return 0;
    return (((this.endedAt ?? Date.now()) - this.startedAt) / 1000) * this.timeScale;
  }

  private get timeScale(): number {
    return this.settings.timeScale ?? 1;
  }

  get active(): boolean {
    return this.status !== 'closed' && this.status !== 'closing';
  }

  /** Brings the avatar into the room; billing starts. */
  async start(): Promise<void> {
    this.status = 'connecting';
    const { width, height } = QUALITY_PRESETS[this.settings.quality];
    const avatar = await this.media.joinAvatar(this.roomName, {
      width,
      height,
      videoCodec: this.settings.videoCodec,
      dialect: this.settings.dialect,
    });
    if (!this.active) {
      await avatar.leave();
      return;
    }
    this.#avatar = avatar;
    avatar.listen(this.#hearUser(avatar));
    if (this.#commandHandler) avatar.onCommand(this.#commandHandler);
    this.status = 'connected';
    this.startedAt = Date.now();
    this.#durationTimer = setTimeout(
      () => void this.close('duration_limit'),
      (this.settings.durationLimitSeconds * 1000) / this.timeScale,
    );
    this.touch();
    this.log(
      `session ${this.id}: avatar ${this.settings.avatarId} joined (${this.settings.quality}, ${this.settings.videoCodec})`,
    );
  }

  /**
   * Queues a task; resolves once its speech is ready (with its length), before it is spoken.
   * `taskId` is the command's own id when the API has the client choose it (LiveAvatar's `event_id`).
   */
  task(text: string, taskType: 'repeat' | 'talk', taskId = newId('')): Promise<TaskResult> {
    this.touch();
    const generation = this.#generation;
    const spokenText = taskType === 'repeat' ? text : answer(text, this.settings.knowledgeBase);
    const queued = this.#taskChain.then(async (): Promise<TaskResult> => {
      const speech = await this.media.synthesize(spokenText, this.settings.voiceRate);
      const avatar = this.#avatar;
      if (generation !== this.#generation || !avatar) {
        return { taskId, durationMs: speech.durationMs, spoken: Promise.resolve({ interrupted: true }) };
      }
      this.log(
        `session ${this.id}: task ${taskId} ${taskType} "${abbreviate(spokenText)}" ${Math.round(speech.durationMs)} ms`,
      );
      const waitStarted = Date.now();
      const spoken = avatar.waitForViewer().then(() => {
        const waited = Date.now() - waitStarted;
        if (waited > 50)
          this.log(`session ${this.id}: task ${taskId} waited ${waited} ms for a viewer to join`);
        // Interrupted while waiting: the task is dropped, as queued speech is.
        if (generation !== this.#generation) return { interrupted: true, durationMs: 0 };
        return avatar.speak(taskId, speech);
      });
      spoken.then(() => this.touch());
      return { taskId, durationMs: Math.round(speech.durationMs), spoken };
    });
    this.#taskChain = queued.catch(() => undefined);
    return queued;
  }

  /**
   * Plays ready-made speech (LiveAvatar LITE's audio), in call order after anything already
   * queued; an interrupt drops it, also while it waits for a viewer.
   */
  async play(taskId: string, speech: Speech): Promise<void> {
    this.touch();
    const generation = this.#generation;
    const enqueued = this.#taskChain.then(async () => {
      const avatar = this.#avatar;
      if (!avatar || generation !== this.#generation) return undefined;
      await avatar.waitForViewer();
      if (generation !== this.#generation) return undefined;
      // Wrapped: the chain waits for the speech to be queued, not spoken.
      return { spoken: avatar.speak(taskId, speech) };
    });
    this.#taskChain = enqueued.catch(() => undefined);
    const entry = await enqueued;
    if (entry) await entry.spoken;
    this.touch();
  }

  /** Receives the commands sent in the room (LiveAvatar's `agent-control`), from the start on. */
  onCommand(handler: (command: Record<string, unknown>) => void): void {
    this.#commandHandler = handler;
    this.#avatar?.onCommand(handler);
  }

  /** Holds or releases the push-to-talk key of the user's voice input, and says so (LiveAvatar). */
  setTalkKey(down: boolean): void {
    this.touch();
    this.#avatar?.setTalkKey(down);
    void this.#avatar?.sendEvent({ type: 'push_to_talk', state: down ? 'started' : 'stopped' });
  }

  /**
   * Receives the voice-chat socket's events (`user_start`, `user_stop`) of this session.
   * @returns Stops receiving.
   */
  onVoiceEvent(listener: (event: Record<string, unknown>) => void): () => void {
    this.#voiceListeners.add(listener);
    return () => this.#voiceListeners.delete(listener);
  }

  /**
   * A user turn, as HeyGen's voice chat runs it: `user_start` and `user_stop` on the socket, the
   * words as `user_talking_message` (as the recogniser hears them) and `user_end_message` on the
   * data channel, then the answer as a `talk` task. The user starting to speak cuts the avatar
   * short (barge-in). Voice input counts as activity for the idle timeout.
   */
  #hearUser(avatar: Avatar) {
    let turnId = newId('');
    const socket = (eventType: string) => {
      const event = { event_type: eventType, session_id: this.id, task_id: turnId };
      for (const listener of this.#voiceListeners) listener(event);
    };
    return {
      speechStarted: () => {
        turnId = newId('');
        socket('user_start');
        void avatar.sendEvent({ type: 'user_start', task_id: turnId });
        this.log(`session ${this.id}: user started speaking`);
        if (avatar.speaking) {
          this.log(`session ${this.id}: the user cut the avatar short`);
          this.interrupt();
        } else {
          this.touch();
        }
      },
      speechEnded: () => {
        this.touch();
        socket('user_stop');
        void avatar.sendEvent({ type: 'user_stop', task_id: turnId });
      },
      words: (text: string) => {
        this.touch();
        void avatar.sendEvent({ type: 'user_talking_message', task_id: turnId, message: text });
      },
      transcript: (text: string) => {
        this.touch();
        this.log(`session ${this.id}: heard "${abbreviate(text)}"`);
        if (text === '') return;
        void avatar.sendEvent({ type: 'user_end_message', task_id: turnId });
        this.answer(text);
      },
    };
  }

  /**
   * Answers `question` (a voice turn, LiveAvatar's `avatar.speak_response`): the session's own
   * model when it has one, sentence by sentence as its answer streams; the stand-in otherwise.
   */
  answer(question: string, taskId = newId('')): void {
    const model = this.settings.model;
    if (model) void this.#answerFromModel(question, model, taskId);
    else void this.task(question, 'talk', taskId).catch(() => undefined);
  }

  /**
   * Asks the model with the conversation so far (the context's prompt as the system message) and
   * speaks each sentence once it is complete, all under one task id.
   */
  async #answerFromModel(question: string, model: ModelEndpoint, taskId: string): Promise<void> {
    this.#modelRequest?.abort();
    const request = new AbortController();
    this.#modelRequest = request;
    const prompt = this.settings.knowledgeBase;
    const messages: ChatMessage[] = [
      ...(prompt ? [{ role: 'system' as const, content: prompt }] : []),
      ...this.#history,
      { role: 'user', content: question },
    ];
    this.#history.push({ role: 'user', content: question });
    this.log(`session ${this.id}: asking the model at ${model.url} (${messages.length} messages)`);
    const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });
    let received = '';
    let said = 0;
    const say = (text: string) => {
      if (text.trim()) void this.task(text.trim(), 'repeat', taskId).catch(() => undefined);
    };
    try {
      for await (const piece of streamAnswer(model, messages, request.signal)) {
        received += piece;
        // A sentence is complete once text follows it, or its end and a space have come.
        const segments = [...sentences.segment(received.slice(said))];
        const complete = /[.!?。！？]\s+$/.test(received) ? segments : segments.slice(0, -1);
        for (const { segment } of complete) {
          say(segment);
          said += segment.length;
        }
      }
      say(received.slice(said));
    } catch (error) {
      this.log(
        request.signal.aborted
          ? `session ${this.id}: the model's answer was aborted`
          : `session ${this.id}: the model failed (${error instanceof Error ? error.message : String(error)}); the avatar says nothing`,
      );
    } finally {
      if (this.#modelRequest === request) this.#modelRequest = undefined;
      if (received) this.#history.push({ role: 'assistant', content: received });
    }
  }

  interrupt(): void {
    this.#modelRequest?.abort();
    this.#generation += 1;
    this.#avatar?.interrupt();
    this.touch();
    this.log(`session ${this.id}: interrupt`);
  }

  /** Resets the idle timeout countdown. */
  touch(): void {
    clearTimeout(this.#idleTimer);
    if (!this.active) return;
    this.#idleTimer = setTimeout(
      () => void this.close('idle_timeout'),
      (this.settings.idleTimeoutSeconds * 1000) / this.timeScale,
    );
  }

  /** Ends the session: the avatar leaves, the room is deleted and the time is billed. */
  async close(reason: CloseReason): Promise<void> {
    if (!this.active) return;
    this.status = 'closing';
    this.closeReason = reason;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#durationTimer);
    this.endedAt = Date.now();
    this.account.charge(this.streamedSeconds);
    this.#modelRequest?.abort();
    this.#generation += 1;
    // LiveAvatar says why in the room before it closes (HeyGen's dialect sends nothing).
    await Promise.race([
      this.#avatar?.sendEvent({ type: 'session_stopped', reason }),
      new Promise((resolve) => setTimeout(resolve, 500)),
    ]);
    // A stuck WebRTC teardown must not hold the session open; the room deletion below ends it anyway.
    await Promise.race([
      this.#avatar?.leave().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    await this.media.deleteRoom(this.roomName);
    this.status = 'closed';
    this.log(`session ${this.id}: closed (${reason}) after ${this.streamedSeconds.toFixed(1)} s`);
    this.onClosed(this);
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  /** Runs `listener` once the session has closed. */
  whenClosed(listener: () => void): void {
    if (this.status === 'closed') listener();
    else this.#closeListeners.push(listener);
  }

  /** Takes the avatar out of the room without closing the session (media-loss fault). */
  async dropAvatar(): Promise<void> {
    const avatar = this.#avatar;
    this.#avatar = undefined;
    await avatar?.leave();
    this.log(`session ${this.id}: avatar dropped from the room (fault)`);
  }
}

function abbreviate(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
