import { EventEmitter } from 'eventemitter3';
import type { TaskType } from '../api/schemas.js';
import type { RatePlan } from '../credits/rate-plans.js';
import { AbortError, MediaError, StopFailedError, StreamingAvatarError } from '../errors.js';
import { untilAborted } from '../internal/abort.js';
import { type Clock, systemClock } from '../internal/clock.js';
import type { EventSink } from '../internal/events.js';
import { withTimeout } from '../internal/timeout.js';
import { IDLE_TIMEOUT_SECONDS } from '../limits.js';
import type { ProviderPacket, RoomAccess, StreamingProvider } from '../provider.js';
import { heygen } from '../providers/heygen.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { TaskSender } from '../tasks/utterance.js';
import type { ConnectPhase, EndReason, Remaining, SessionEnd, SessionState } from '../vocabulary.js';
import {
  createSession,
  defaultTransport,
  loadLiveKitTransport,
  newSessionRequest,
  reportSession,
  toToolkitError,
} from './connect.js';
import { type LastingParts, lastingParts } from './lasting-parts.js';
import { Liveness } from './liveness.js';
import { listenForPageHide } from './page-lifecycle.js';
import { stopWithRetries } from './server-stop.js';
import { SessionAudio } from './session-audio.js';
import type { SessionEvents } from './session-events.js';
import { type SessionOptions, validateSessionOptions } from './session-options.js';
import { SessionVoice } from './session-voice.js';
import type { AvatarTransport, ConnectionStats, TransportDisconnectCause } from './transport.js';

/**
 * One avatar session, from session token to stop: state, connect phases, keep-alives, the idle
 * and duration countdowns, the task queue and the end reason.
 *
 * `start()` and `stop()` may be called in any order and any number of times: a second `start()`
 * returns the first one's promise, and `stop()` in any state leaves no session billing.
 */
export class SessionEngine extends EventEmitter<SessionEvents> {
  #currentState: SessionState = 'idle';
  #currentPhase: ConnectPhase | undefined;
  readonly #options: SessionOptions;
  readonly #clock: Clock;
  /** The utterances this session speaks, in order. */
  readonly queue: TaskQueue;
  /** Voice chat on this session, and its conversation and transcript. */
  readonly voice: SessionVoice;
  /** Audio the page brings (LiveAvatar LITE). */
  readonly audio: SessionAudio;
  readonly #abort = new AbortController();
  #provider: StreamingProvider | undefined;
  #transport: AvatarTransport | undefined;
  #startPromise: Promise<void> | undefined;
  #stopPromise: Promise<void> | undefined;
  readonly #liveness: Liveness;
  #unlistenPageHide: (() => void) | undefined;
  #serverStopSent = false;
  #pageHidden = false;
  #currentSessionId: string | undefined;
  /** The session token that created the current session (the page’s backend knows the session by it). */
  #sessionToken: string | undefined;
  #currentStartedAt: number | undefined;
  #currentEndedAt: number | undefined;
  #currentDurationLimit: number | undefined;
  #currentMedia: MediaStream | undefined;
  #currentEnd: SessionEnd | undefined;
  #currentConnection: ConnectionStats | undefined;

  /** Where the session's events go (the avatar's emitter); default: this session's own. */
  readonly #events: EventSink<SessionEvents>;
  /**
   * What this session does with the avatar's queue: nothing yet (`standby`, a renewal's next
   * session), sends, follows and at its end closes it (`speaking`), or nothing any more
   * (`retired`, after a renewal).
   */
  #role: 'standby' | 'speaking' | 'retired';
  /** Sends the queue's pieces once connected. */
  #sender: TaskSender | undefined;

  /**
   * @param events Where the session's events go instead of its own emitter (the avatar's).
   * @param parts The avatar's queue and conversation, which outlive this session (default: this
   *   session's own).
   * @param standby Start without speaking the queue, until `takeOver()` (a renewal's next session).
   * @throws {InvalidOptionError} (`invalid_parameter`) when an option is out of range, e.g. an
   *   idle timeout outside 30–3600 seconds.
   */
  constructor(
    options: SessionOptions,
    events?: EventSink<SessionEvents>,
    parts?: LastingParts,
    standby = false,
  ) {
    super();
    this.#events = events ?? this;
    validateSessionOptions(options);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const lasting = parts ?? lastingParts(this.#events, this.#clock);
    this.queue = lasting.queue;
    this.#role = 'standby';
    if (!standby) this.takeOver();
    const room = () => {
      const { sessionId } = this;
      const transport = this.#transport;
      const provider = this.#provider;
      if (this.#currentState !== 'connected' || !transport || !provider || !sessionId) return undefined;
      return { sessionId, provider, transport, media: this.#currentMedia };
    };
    this.voice = new SessionVoice(this.#events, lasting.conversation, options, room);
    this.audio = new SessionAudio(room, () => this.#liveness.noteActivity());
    this.#liveness = new Liveness({
      clock: this.#clock,
      idleTimeoutSeconds: this.idleTimeoutSeconds,
      keepAlive: options.keepAlive !== false,
      expiringWarningSeconds: options.expiringWarningSeconds ?? 30,
      sendKeepAlive: () => this.#provider!.keepAlive(this.sessionId!),
      keepAliveFailed: (error) => this.#events.emit('keepAliveFailed', error),
      expiring: (remaining) => this.#events.emit('expiring', remaining),
      expired: (reason) => this.#stopInBackground(reason),
    });
  }

  /** Set once `streaming.new` answered. */
  get sessionId(): string | undefined {
    return this.#currentSessionId;
  }

  /** When `streaming.start` succeeded, in milliseconds since the epoch: billing starts here. */
  get startedAt(): number | undefined {
    return this.#currentStartedAt;
  }

  /** When the session ended (the server confirmed the stop), in milliseconds since the epoch. */
  get endedAt(): number | undefined {
    return this.#currentEndedAt;
  }

  /** How the provider bills this session (HeyGen's or LiveAvatar's plan), once the provider is known. */
  get ratePlan(): RatePlan | undefined {
    return this.#provider?.ratePlan;
  }

  /** The avatar's video and audio once `ready`. */
  get media(): MediaStream | undefined {
    return this.#currentMedia;
  }

  /** How the session ended, once it has. */
  get end(): SessionEnd | undefined {
    return this.#currentEnd;
  }

  /** The avatar's connection as this page receives it, once the media is there. */
  get connectionQuality(): ConnectionStats | undefined {
    return this.#currentConnection;
  }

  /** The session's state: `idle`, `connecting`, `connected`, `reconnecting`, `closing`, `closed` or `failed`. */
  get state(): SessionState {
    return this.#currentState;
  }

  /** The connect step under way while `connecting`. */
  get phase(): ConnectPhase | undefined {
    return this.#currentPhase;
  }

  /** The idle timeout in seconds this session asks for. */
  get idleTimeoutSeconds(): number {
    return this.#options.idleTimeoutSeconds ?? IDLE_TIMEOUT_SECONDS.default;
  }

  /**
   * Seconds until the session ends by itself (duration limit, or the idle timeout when
   * keep-alives are off), and why; undefined before it started.
   */
  get remaining(): Remaining | undefined {
    return this.#liveness.remainingAt(this.#currentEndedAt ?? this.#clock.now());
  }

  /**
   * Gets a session token, creates and starts the session and joins its room; resolves when the
   * avatar's video and audio are both subscribed (`ready`). A second call returns the same promise.
   * @throws {StreamingAvatarError} what made the start fail (the session is then `failed` and
   *   nothing is left billing), or an `AbortError` when `stop()` was called first.
   */
  start(): Promise<void> {
    if (!this.#startPromise) {
      if (this.#currentState !== 'idle') {
        return Promise.reject(new StreamingAvatarError('session_closed', 'This session has ended.'));
      }
      this.#startPromise = this.#connect();
    }
    return this.#startPromise;
  }

  /**
   * Ends the session in any state: cancels a start under way (a `streaming.new` still in flight
   * is stopped when it answers), stops the server session (billing stops), leaves the room and
   * settles every utterance as interrupted. Idempotent.
   * @param reason Recorded as the end reason (default `user`).
   * @throws {StopFailedError} when the server could not be told to stop after every retry (about
   *   a minute); the session has then ended here, and its idle timeout ends it at the server.
   */
  stop(reason: EndReason = 'user'): Promise<void> {
    if (this.#stopPromise) return this.#stopPromise;
    if (this.#currentState === 'closed' || this.#currentState === 'failed') return Promise.resolve();
    this.#stopPromise = this.#close({ reason }, true);
    return this.#stopPromise;
  }

  /** The options this session was made with (a renewal starts the next session with them). */
  get options(): SessionOptions {
    return this.#options;
  }

  /** This session speaks the avatar's queue from now on (a renewal's next session, once connected). */
  takeOver(): void {
    this.#role = 'speaking';
    this.queue.reopen();
    this.queue.otherSpeechSource = () => (this.audio.speaking ? 'audio' : 'voice');
    if (this.#sender) this.queue.attach(this.#sender);
  }

  /** Stops this session's speech at the server without touching the avatar's queue (a retired session's). */
  async silence(): Promise<void> {
    await this.#sender?.interrupt();
  }

  /** The next session took over (a renewal): this one leaves the avatar's queue alone, also at its end. */
  retire(): void {
    this.#role = 'retired';
  }

  /** Stops the current speech (text or audio) and settles every queued utterance as interrupted. */
  async interrupt(): Promise<void> {
    await Promise.all([this.queue.interrupt(), this.audio.interrupt()]);
  }

  /** Unblocks audio playback; call it from a user gesture. */
  async startAudio(): Promise<void> {
    await this.#transport?.startAudio();
  }

  #setState(next: SessionState): void {
    const previous = this.#currentState;
    if (previous === next) return;
    this.#currentState = next;
    this.#options.log?.(`session ${this.sessionId ?? '(new)'}: ${previous} -> ${next}`);
    this.#events.emit('stateChanged', next, previous);
  }

  #setPhase(phase: ConnectPhase): void {
    if (this.#currentPhase === phase) return;
    this.#currentPhase = phase;
    this.#options.log?.(`session ${this.sessionId ?? '(new)'}: phase ${phase}`);
    this.#events.emit('phase', phase);
  }

  async #connect(): Promise<void> {
    const signal = this.#abort.signal;
    this.#setState('connecting');
    if (this.#options.stopOnPageHide !== false) {
      this.#unlistenPageHide = listenForPageHide(this.#options.pageLifecycle, this.#handlePageHide);
    }
    // livekit-client downloads (on the first start) while the token and the session are asked for.
    if (!this.#options.transport) loadLiveKitTransport().catch(() => undefined);
    try {
      await untilAborted(Promise.resolve(this.#options.provider?.checkOptions?.(this.#options)), signal);
      this.#setPhase('token');
      // Every step gives way to stop() at once, also when what it awaits ignores the signal.
      const token = await untilAborted(this.#options.token(signal), signal);
      this.#throwIfStopped();
      const factory = this.#options.provider ?? heygen({ baseUrl: this.#options.baseUrl });
      const provider = await untilAborted(Promise.resolve(factory(token)), signal);
      this.#provider = provider;
      provider.listen?.((packet) => this.#handlePacket(packet));

      this.#setPhase('new');
      const created = await createSession(
        provider,
        newSessionRequest(this.#options, this.idleTimeoutSeconds),
        {
          clock: this.#clock,
          timeoutMs: this.#options.newSessionTimeoutMs ?? 15_000,
          signal,
          pageHidden: () => this.#pageHidden,
          log: this.#options.log,
        },
      );
      this.#currentSessionId = created.sessionId;
      this.#sessionToken = token;
      reportSession(this.#options.token, created.sessionId, token, this.#options.log);
      this.#currentDurationLimit = created.durationLimitSeconds;
      this.#throwIfStopped();

      const transport = await untilAborted((this.#options.transport ?? defaultTransport)(), signal);
      this.#transport = transport;
      this.#wireTransport(transport);
      const join = (room: RoomAccess) => {
        const joining = transport.connect(room.url, room.accessToken, signal);
        // Handled here too: when the start fails first, the join is never awaited.
        joining.catch(() => undefined);
        return joining;
      };
      if (created.room) transport.prepare(created.room.url, created.room.accessToken);

      // Where the room is known already (HeyGen), joining it does not need the avatar to be
      // there, so it runs beside the start; otherwise the start gives the room.
      this.#setPhase('start');
      const joinedEarly = created.room ? join(created.room) : undefined;
      const started = await untilAborted(provider.startSession(created.sessionId, signal), signal);
      this.#currentStartedAt = this.#clock.now();
      this.#currentDurationLimit = started.durationLimitSeconds ?? this.#currentDurationLimit;
      this.#setPhase('room');
      const room = created.room ?? started.room;
      if (!room) throw new MediaError(`The provider gave no room to join for session ${created.sessionId}.`);
      await untilAborted(joinedEarly ?? join(room), signal);
      provider.useRoom({ sendData: (text, topic) => transport.sendData(text, topic) });

      this.#setPhase('media');
      const { avatar, required } = provider.participants(created.sessionId);
      const media = await untilAborted(
        withTimeout<MediaStream>(
          Promise.all([
            transport.waitForMedia(avatar, signal),
            Promise.all(required.map((identity) => transport.waitForParticipant(identity, signal))),
          ]).then(([media]) => media),
          this.#options.mediaTimeoutMs ?? 30_000,
          required.length > 0
            ? `The avatar (${[avatar, ...required].join(', ')}) did not join with video and audio in time`
            : 'The avatar joined no video and audio in time',
          this.#clock,
        ),
        signal,
      );
      this.#currentMedia = media;
      this.#throwIfStopped();
      this.#currentPhase = undefined;
      this.#setState('connected');
      this.#liveness.begin(this.#currentStartedAt, this.#currentDurationLimit);
      this.#sender = this.#taskSender(provider, created.sessionId);
      if (this.#role === 'speaking') this.queue.attach(this.#sender);
      this.#events.emit('ready', media);
    } catch (cause) {
      if (this.#stopPromise) throw new AbortError('The session was stopped while starting.', { cause });
      const error = toToolkitError(cause);
      this.#stopPromise = this.#close({ reason: 'error', error }, false);
      await this.#stopPromise.catch(() => undefined);
      throw error;
    }
  }

  #taskSender(provider: StreamingProvider, sessionId: string): TaskSender {
    return {
      send: async (text: string, taskType: TaskType) => {
        const task = await provider.sendTask(sessionId, text, taskType);
        this.#liveness.noteActivity();
        return task;
      },
      interrupt: () => provider.interrupt(sessionId),
    };
  }

  #wireTransport(transport: AvatarTransport): void {
    transport.on('data', (payload, identity, topic) =>
      this.#handlePacket(this.#provider!.parsePacket(payload, identity, topic)),
    );
    transport.on('reconnecting', () => {
      if (this.#currentState !== 'connected') return;
      this.#setState('reconnecting');
      this.#events.emit('reconnecting');
    });
    transport.on('reconnected', () => {
      if (this.#currentState !== 'reconnecting') return;
      this.#setState('connected');
      this.#events.emit('reconnected');
    });
    transport.on('audioPlaybackChanged', (canPlayback) =>
      this.#events.emit('audioPlaybackChanged', canPlayback),
    );
    transport.on('connection', (stats) => {
      this.#currentConnection = stats;
      this.#events.emit('connectionQuality', stats);
    });
    transport.on('disconnected', (cause) => this.#handleDisconnected(cause));
  }

  /** What the provider read from the room (or heard outside it): events, voice turns, its end. */
  #handlePacket(packet: ProviderPacket): void {
    switch (packet.kind) {
      case 'event':
        // A standby or retired session's speech is none of the avatar's (a greeting nobody saw).
        if (this.#role !== 'speaking') return;
        this.queue.handleAvatarEvent(packet.event);
        this.voice.handleAvatarEvent(packet.event, this.queue.continues(packet.event.task_id));
        this.#events.emit('avatarEvent', packet.event);
        return;
      case 'voice':
        this.voice.handleVoiceEvent(packet.eventType);
        return;
      case 'ended':
        this.#options.log?.(`session ${this.sessionId}: the provider ended it (${packet.providerReason})`);
        this.#stopInBackground(packet.reason);
        return;
      case 'unknown':
        this.#events.emit('unknownEvent', packet.type, packet.value);
        return;
      case 'malformed':
        this.#events.emit('malformedEvent', packet.reason, packet.text);
        return;
      case 'ignored':
        return;
    }
  }

  #handleDisconnected(cause: TransportDisconnectCause): void {
    if (cause === 'client' || this.#stopPromise) return;
    if (cause === 'network') {
      this.#stopInBackground('network_lost');
      return;
    }
    // The server ended the room: say which limit did it when one was due.
    const remaining = this.remaining;
    const due = remaining !== undefined && remaining.seconds <= 2;
    this.#stopInBackground(due ? remaining.reason : 'server_closed');
  }

  /** Stops for a reason of the session's own; a failure is reported by `stopFailed` and `ended`. */
  #stopInBackground(reason: EndReason): void {
    this.stop(reason).catch(() => undefined);
  }

  readonly #handlePageHide = (): void => {
    this.#pageHidden = true;
    if (this.sessionId && this.#provider && !this.#serverStopSent) {
      this.#serverStopSent = true;
      this.#provider.stopSessionOnUnload(this.sessionId);
      // Neither request's answer can be awaited: the page's backend stops the session too.
      if (this.#sessionToken) this.#options.token.endSessionOnUnload?.(this.sessionId, this.#sessionToken);
    }
    this.#stopInBackground('user');
  };

  /**
   * @param waitForStart Let a start under way wind down first (every step of it gives way to the
   *   abort, so this is prompt); false when the start itself is closing after a failure.
   */
  async #close(end: SessionEnd, waitForStart: boolean): Promise<void> {
    this.#currentEnd = end;
    this.#setState('closing');
    this.#abort.abort(new AbortError('The session was stopped.'));
    if (waitForStart) await this.#startPromise?.catch(() => undefined);
    this.#liveness.stop();
    if (this.#role === 'speaking') {
      this.queue.close(
        new StreamingAvatarError('session_closed', 'The session has ended; start a new session to speak.'),
      );
    }
    this.#unlistenPageHide?.();
    // The microphone is released first, whatever happens to the server stop.
    await this.voice.stop().catch(() => undefined);
    const [stopped] = await Promise.allSettled([this.#stopServerSession(), this.#transport?.disconnect()]);
    this.#currentEndedAt = this.#clock.now();
    this.#currentPhase = undefined;
    if (stopped.status === 'rejected') {
      this.#currentEnd = { reason: end.reason, error: end.error ?? stopped.reason };
      this.#setState('failed');
      this.#events.emit('ended', this.#currentEnd);
      throw stopped.reason;
    }
    this.#setState(end.reason === 'error' ? 'failed' : 'closed');
    this.#events.emit('ended', end);
  }

  /**
   * `streaming.stop`, retried with backoff until the server confirms (a session it already
   * closed counts), reporting each failure with `stopFailed`.
   */
  async #stopServerSession(): Promise<void> {
    const { sessionId } = this;
    const provider = this.#provider;
    if (!sessionId || !provider || this.#serverStopSent) return;
    this.#serverStopSent = true;
    await stopWithRetries(
      sessionId,
      () => provider.stopSession(sessionId),
      this.#clock,
      (error) => this.#events.emit('stopFailed', new StopFailedError(sessionId, error)),
    );
  }

  #throwIfStopped(): void {
    if (this.#abort.signal.aborted) throw new AbortError('The session was stopped while starting.');
  }
}
