import { EventEmitter } from 'eventemitter3';
import type { NewSessionRequest, TaskType, VideoEncoding, VoiceSettings } from '../api/schemas.js';
import type { RatePlan } from '../credits/rate-plans.js';
import {
  AbortError,
  InvalidOptionError,
  MediaError,
  StopFailedError,
  StreamingAvatarError,
  TimeoutError,
} from '../errors.js';
import { untilAborted } from '../internal/abort.js';
import { type Clock, every, systemClock } from '../internal/clock.js';
import { IDLE_TIMEOUT_SECONDS, type Quality } from '../limits.js';
import type {
  EndReason,
  ProviderFactory,
  ProviderPacket,
  RoomAccess,
  StreamingProvider,
} from '../provider.js';
import { heygenProvider } from '../providers/heygen.js';
import { type SpeakOptions, TaskQueue, type Utterance, type UtteranceEvents } from '../tasks/task-queue.js';
import type { SessionTokenProvider } from '../tokens.js';
import { watchAudioEnergy } from '../voice/audio-energy.js';
import {
  Conversation,
  type ConversationEvents,
  type ConversationState,
  type TranscriptTurn,
} from '../voice/conversation.js';
import { type MicrophoneEnvironment, pageMicrophoneEnvironment } from '../voice/microphone.js';
import {
  type AudioEnergyWatcher,
  type MicrophoneChange,
  VoiceChat,
  type VoiceChatOptions,
} from '../voice/voice-chat.js';
import type { AvatarEvent } from './avatar-events.js';
import { isSessionGone, stopWithRetries } from './server-stop.js';
import { validateSessionOptions } from './session-options.js';
import type {
  AvatarTransport,
  ConnectionStats,
  TransportDisconnectCause,
  TransportFactory,
} from './transport.js';

/** The one state of a session. `failed` and `closed` are final. */
export type SessionState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'closing'
  | 'closed'
  | 'failed';

/**
 * The step a connecting session is on: getting a session token, `streaming.new`, `streaming.start`
 * (the room join runs beside it), the room join, and waiting for the avatar's video and audio.
 */
export type ConnectPhase = 'token' | 'new' | 'start' | 'room' | 'media';

export type { EndReason } from '../provider.js';

/** What will end the session unless something happens: the idle timeout or the duration limit. */
export type ExpiryReason = 'idle_timeout' | 'duration_limit';

/** Seconds left before the session ends by itself, and why it would. */
export interface Remaining {
  seconds: number;
  reason: ExpiryReason;
}

/** How a session ended. `error` is set for `reason: 'error'`. */
export interface SessionEnd {
  reason: EndReason;
  error?: StreamingAvatarError;
}

/** Events of an {@link AvatarSession}, beside the utterance events of its task queue and its voice conversation. */
export interface AvatarSessionEvents extends UtteranceEvents, ConversationEvents {
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

/** Options of {@link AvatarSession}. */
export interface AvatarSessionOptions {
  /** Where session tokens come from: `fromEndpoint('/api/avatar-token')` in a page. */
  token: SessionTokenProvider;
  avatarId?: string | undefined;
  /** Default `low` (360p). */
  quality?: Quality | undefined;
  voice?: VoiceSettings | undefined;
  language?: string | undefined;
  knowledgeBaseId?: string | undefined;
  /** Inline knowledge-base prompt for `talk` tasks. */
  knowledgeBase?: string | undefined;
  /** Idle timeout in seconds, 30–3600 (default 120; contract doc). */
  idleTimeoutSeconds?: number | undefined;
  /** Default `H264` (iOS 18 Safari fails on VP8; contract doc Decision). */
  videoEncoding?: VideoEncoding | undefined;
  /** Streaming API base URL (default HeyGen's); ignored when `provider` is given. */
  apiBaseUrl?: string | undefined;
  provider?: ProviderFactory | undefined;
  /** Default: a LiveKit room, loaded on first start. */
  transport?: TransportFactory | undefined;
  clock?: Clock | undefined;
  /**
   * Send keep-alives so the idle timeout never ends a session the page still holds (default
   * true). Turn off to let the idle timeout end an unattended kiosk session.
   */
  keepAlive?: boolean | undefined;
  /** Emit `expiring` this many seconds before the idle timeout or duration limit (default 30 s). */
  expiringWarningSeconds?: number | undefined;
  /** Give up when the avatar's media has not arrived this many milliseconds after the room join (default 30,000 ms). */
  mediaTimeoutMs?: number | undefined;
  /**
   * Fail the start when `streaming.new` has not answered within this many milliseconds (default
   * 15,000 ms). The request itself is not abandoned: a session it creates later is stopped.
   */
  newSessionTimeoutMs?: number | undefined;
  /** Stop the session when the page is hidden for good (`pagehide`) (default true). */
  stopOnPageHide?: boolean | undefined;
  /** Where `pagehide` is listened for (default `globalThis` when it has `addEventListener`). */
  pageLifecycle?: EventTarget | undefined;
  /** Where voice chat gets its microphone (default: this page's `navigator.mediaDevices`). */
  microphoneEnvironment?: MicrophoneEnvironment | undefined;
  /** Measures when the avatar's answer is first heard (default: Web Audio on its audio track). */
  watchAudioEnergy?: AudioEnergyWatcher | undefined;
  /** Receives one line per state change and notable step. */
  log?: ((message: string) => void) | undefined;
}

const TICK_MS = 1000;
/** First backoff after a failed keep-alive, in milliseconds; it doubles up to a quarter of the idle timeout. */
const KEEP_ALIVE_BACKOFF_MS = 2000;

/**
 * One avatar session, from session token to stop: state, connect phases, keep-alives, the idle
 * and duration countdowns, the task queue and the end reason.
 *
 * `start()` and `stop()` may be called in any order and any number of times: a second `start()`
 * returns the first one's promise, and `stop()` in any state leaves no session billing.
 */
export class AvatarSession extends EventEmitter<AvatarSessionEvents> {
  private currentState: SessionState = 'idle';
  private currentPhase: ConnectPhase | undefined;
  private readonly options: AvatarSessionOptions;
  private readonly clock: Clock;
  private readonly queue: TaskQueue;
  private readonly conversation: Conversation;
  private voiceChat: VoiceChat | undefined;
  private readonly abort = new AbortController();
  private provider: StreamingProvider | undefined;
  private transport: AvatarTransport | undefined;
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  private stopTicking: (() => void) | undefined;
  private lastActivityAt = 0;
  private keepAliveInFlight = false;
  private keepAliveFailures = 0;
  private nextKeepAliveAt = 0;
  private readonly warned = new Set<ExpiryReason>();
  private serverStopSent = false;
  private pageHidden = false;
  private currentSessionId: string | undefined;
  /** The session token that created the current session (the page’s backend knows the session by it). */
  private sessionToken: string | undefined;
  private currentStartedAt: number | undefined;
  private currentEndedAt: number | undefined;
  private currentDurationLimit: number | undefined;
  private currentMedia: MediaStream | undefined;
  /** Calls of `speakAudio` not yet settled. */
  private audioInFlight = 0;
  private currentEnd: SessionEnd | undefined;
  private currentConnection: ConnectionStats | undefined;

  /**
   * @throws {InvalidOptionError} (`invalid_parameter`) when an option is out of range, e.g. an
   *   idle timeout outside 30–3600 seconds.
   */
  constructor(options: AvatarSessionOptions) {
    super();
    validateSessionOptions(options);
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.queue = new TaskQueue(this, this.clock, () => (this.audioInFlight > 0 ? 'audio' : 'voice'));
    this.conversation = new Conversation(this, this.clock);
  }

  /** Set once `streaming.new` answered. */
  get sessionId(): string | undefined {
    return this.currentSessionId;
  }

  /** When `streaming.start` succeeded, in milliseconds since the epoch: billing starts here. */
  get startedAt(): number | undefined {
    return this.currentStartedAt;
  }

  /**
   * When the session ended, in milliseconds since the epoch: the server confirmed the stop (or
   * the session never started). Billing runs until then.
   */
  get endedAt(): number | undefined {
    return this.currentEndedAt;
  }

  /** How the provider bills this session (HeyGen's or LiveAvatar's plan), once the provider is known. */
  get ratePlan(): RatePlan | undefined {
    return this.provider?.ratePlan;
  }

  /** The hard cap on the session's length in seconds, from `streaming.new`. */
  get durationLimitSeconds(): number | undefined {
    return this.currentDurationLimit;
  }

  /** The avatar's video and audio once `ready`. */
  get media(): MediaStream | undefined {
    return this.currentMedia;
  }

  /** How the session ended, once it has. */
  get end(): SessionEnd | undefined {
    return this.currentEnd;
  }

  /** The avatar's connection as this page receives it, once the media is there. */
  get connectionQuality(): ConnectionStats | undefined {
    return this.currentConnection;
  }

  /** The session's state: `idle`, `connecting`, `connected`, `reconnecting`, `closing`, `closed` or `failed`. */
  get state(): SessionState {
    return this.currentState;
  }

  /** The connect step under way while `connecting`. */
  get phase(): ConnectPhase | undefined {
    return this.currentPhase;
  }

  /** The idle timeout in seconds this session asks for. */
  get idleTimeoutSeconds(): number {
    return this.options.idleTimeoutSeconds ?? IDLE_TIMEOUT_SECONDS.default;
  }

  /**
   * Seconds until the session ends by itself (duration limit, or the idle timeout when
   * keep-alives are off), or undefined before it started.
   */
  get remaining(): Remaining | undefined {
    if (this.startedAt === undefined || this.durationLimitSeconds === undefined) return undefined;
    const now = this.endedAt ?? this.clock.now();
    const duration: Remaining = {
      seconds: Math.max(0, this.durationLimitSeconds - (now - this.startedAt) / 1000),
      reason: 'duration_limit',
    };
    if (this.options.keepAlive !== false) return duration;
    const idle: Remaining = {
      seconds: Math.max(0, this.idleTimeoutSeconds - (now - this.lastActivityAt) / 1000),
      reason: 'idle_timeout',
    };
    return idle.seconds < duration.seconds ? idle : duration;
  }

  /**
   * Gets a session token, creates and starts the session and joins its room; resolves when the
   * avatar's video and audio are both subscribed (`ready`). A second call returns the same promise.
   * @throws {StreamingAvatarError} what made the start fail (the session is then `failed` and
   *   nothing is left billing), or an `AbortError` when `stop()` was called first.
   */
  start(): Promise<void> {
    if (!this.startPromise) {
      if (this.currentState !== 'idle') {
        return Promise.reject(
          new StreamingAvatarError('session_closed', 'This session has ended; create a new AvatarSession.'),
        );
      }
      this.startPromise = this.connect();
    }
    return this.startPromise;
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
    if (this.stopPromise) return this.stopPromise;
    if (this.currentState === 'closed' || this.currentState === 'failed') return Promise.resolve();
    this.stopPromise = this.close({ reason }, true);
    return this.stopPromise;
  }

  /**
   * Queues text for the avatar to say; pieces go out once connected. `repeat` text of any length
   * is split into ≤1,000-character tasks on sentence boundaries (seed 000).
   */
  speak(text: string, options: SpeakOptions = {}): Utterance {
    return this.queue.speak(text, options);
  }

  /**
   * Speaks audio you bring (LiveAvatar LITE): 16-bit mono `pcm` (an `Int16Array`, or its bytes,
   * little-endian) at `sampleRate` samples per second; resampled to the provider's rate and sent
   * in about one-second frames. Resolves once it was spoken to the end.
   * @throws {StreamingAvatarError} `not_started` before the session is connected; `configuration`
   *   when the provider speaks only text (HeyGen, LiveAvatar FULL: use `speak()`);
   *   {@link InvalidOptionError} for a `sampleRate` that is not a positive number;
   *   `interrupted` when `interrupt()` (or newer audio) cuts it.
   */
  async speakAudio(pcm: Int16Array | ArrayBuffer, options: { sampleRate: number }): Promise<void> {
    const { provider, sessionId } = this;
    if (this.currentState !== 'connected' || !provider || !sessionId) {
      throw new StreamingAvatarError(
        'not_started',
        'speakAudio needs a connected session: start the avatar first.',
      );
    }
    if (!provider.sendAudio) {
      throw new StreamingAvatarError(
        'configuration',
        'speakAudio needs LiveAvatar LITE (provider: liveAvatar({ mode: "lite" })); this provider speaks text: use speak().',
      );
    }
    if (!(options.sampleRate > 0) || !Number.isFinite(options.sampleRate)) {
      throw new InvalidOptionError('sampleRate', 'samples per second, above 0', options.sampleRate);
    }
    const samples =
      pcm instanceof Int16Array ? pcm : new Int16Array(pcm.slice(0, pcm.byteLength - (pcm.byteLength % 2)));
    this.lastActivityAt = this.clock.now();
    this.audioInFlight += 1;
    try {
      await provider.sendAudio(sessionId, samples, options.sampleRate);
    } finally {
      this.audioInFlight -= 1;
      this.lastActivityAt = this.clock.now();
    }
  }

  /** Stops the current speech (text or audio) and settles every queued utterance as interrupted. */
  async interrupt(): Promise<void> {
    const { provider, sessionId } = this;
    const audio = this.audioInFlight > 0 && provider && sessionId ? provider.interrupt(sessionId) : undefined;
    await Promise.all([this.queue.interrupt(), audio]);
  }

  /** Removes one utterance by id; returns whether it was found. */
  cancel(utteranceId: string): Promise<boolean> {
    return this.queue.cancel(utteranceId);
  }

  /** Utterances queued or being spoken, in order. */
  get utterances(): readonly Utterance[] {
    return this.queue.utterances;
  }

  /** Resolves when nothing is queued or being spoken; at once when that is already so. */
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }

  /** Unblocks audio playback; call it from a user gesture. */
  async startAudio(): Promise<void> {
    await this.transport?.startAudio();
  }

  /** Where the voice conversation is: `idle` without voice chat, then `listening`, `user_speaking`, … */
  get conversationState(): ConversationState {
    return this.conversation.state;
  }

  /** Both sides' turns of the voice conversation, in order (kept after voice chat stops). */
  get transcript(): readonly TranscriptTurn[] {
    return this.conversation.transcript;
  }

  /** The running voice chat's mode, or undefined when there is none. */
  get voiceChatMode(): VoiceChatOptions['mode'] {
    return this.voiceChat?.mode;
  }

  /** The microphone track voice chat sends, while it runs (to show its level, say). */
  get microphone(): MediaStreamTrack | undefined {
    return this.voiceChat?.microphone;
  }

  /**
   * Starts voice chat: opens the microphone (echo cancellation, noise suppression, auto gain),
   * publishes it in the session's room and puts the avatar in its listening pose. In
   * `push-to-talk` mode the microphone sends nothing until `startPushToTalk()`. A voice chat
   * already running is stopped first.
   * @throws {StreamingAvatarError} `not_started` unless the session is connected.
   * @throws {MicrophoneError} (`microphone`) why the microphone could not be opened: `denied`,
   *   `missing`, `busy`, `insecure_context`, `unsupported`.
   */
  async startVoiceChat(options: VoiceChatOptions = {}): Promise<void> {
    const { transport, provider, sessionId } = this;
    if (this.currentState !== 'connected' || !transport || !provider || !sessionId) {
      throw new StreamingAvatarError(
        'not_started',
        'Voice chat needs a connected session: start the avatar first.',
      );
    }
    await this.stopVoiceChat();
    const voiceChat = new VoiceChat(
      {
        sessionId,
        provider,
        transport,
        conversation: this.conversation,
        media: this.currentMedia,
        environment: this.options.microphoneEnvironment ?? pageMicrophoneEnvironment(),
        watchEnergy: this.options.watchAudioEnergy ?? watchAudioEnergy,
        onMicrophoneChanged: (change) => this.emit('microphoneChanged', change),
        log: (message) => this.options.log?.(`session ${sessionId}: ${message}`),
      },
      options.mode ?? 'conversational',
    );
    this.voiceChat = voiceChat;
    try {
      await voiceChat.start(options);
    } catch (error) {
      this.voiceChat = undefined;
      await voiceChat.stop();
      throw error;
    }
  }

  /** Stops voice chat and releases the microphone; the session goes on. Idempotent. */
  async stopVoiceChat(): Promise<void> {
    const voiceChat = this.voiceChat;
    this.voiceChat = undefined;
    await voiceChat?.stop();
  }

  /** Mutes the microphone (voice chat goes on; nothing of the microphone is sent). */
  async mute(): Promise<void> {
    await this.voiceChat?.setMuted(true);
  }

  /** Unmutes the microphone. */
  async unmute(): Promise<void> {
    await this.voiceChat?.setMuted(false);
  }

  /** Switches voice chat to another microphone. @throws {MicrophoneError} */
  async setMicrophone(deviceId: string | undefined): Promise<void> {
    await this.voiceChat?.setMicrophone(deviceId);
  }

  /** Push-to-talk: the user holds the talk key (sends `"push_to_talk:start"`, opens the microphone). */
  async startPushToTalk(): Promise<void> {
    await this.voiceChat?.startTalking();
  }

  /** Push-to-talk: the user let go (sends `"push_to_talk:stop"`, closes the microphone). */
  async stopPushToTalk(): Promise<void> {
    await this.voiceChat?.stopTalking();
  }

  private setState(next: SessionState): void {
    const previous = this.currentState;
    if (previous === next) return;
    this.currentState = next;
    this.options.log?.(`session ${this.sessionId ?? '(new)'}: ${previous} -> ${next}`);
    this.emit('stateChanged', next, previous);
  }

  private setPhase(phase: ConnectPhase): void {
    if (this.currentPhase === phase) return;
    this.currentPhase = phase;
    this.options.log?.(`session ${this.sessionId ?? '(new)'}: phase ${phase}`);
    this.emit('phase', phase);
  }

  private async connect(): Promise<void> {
    const signal = this.abort.signal;
    this.setState('connecting');
    this.listenForPageHide();
    // livekit-client downloads (on the first start) while the token and the session are asked for.
    if (!this.options.transport) loadLiveKitTransport().catch(() => undefined);
    try {
      this.setPhase('token');
      // Every step gives way to stop() at once, also when what it awaits ignores the signal.
      const token = await untilAborted(this.options.token(signal), signal);
      this.throwIfStopped();
      const factory = this.options.provider ?? heygenProvider({ baseUrl: this.options.apiBaseUrl });
      const provider = await untilAborted(Promise.resolve(factory(token)), signal);
      this.provider = provider;
      provider.listen?.((packet) => this.handlePacket(packet));

      this.setPhase('new');
      const created = await this.createSession(provider, signal);
      this.currentSessionId = created.sessionId;
      this.sessionToken = token;
      this.reportSession(created.sessionId, token);
      this.currentDurationLimit = created.durationLimitSeconds;
      this.throwIfStopped();

      const transport = await untilAborted((this.options.transport ?? defaultTransport)(), signal);
      this.transport = transport;
      this.wireTransport(transport);
      const join = (room: RoomAccess) => {
        const joining = transport.connect(room.url, room.accessToken, signal);
        // Handled here too: when the start fails first, the join is never awaited.
        joining.catch(() => undefined);
        return joining;
      };
      if (created.room) transport.prepare(created.room.url, created.room.accessToken);

      // Where the room is known already (HeyGen), joining it does not need the avatar to be
      // there, so it runs beside the start; otherwise the start gives the room.
      this.setPhase('start');
      const joinedEarly = created.room ? join(created.room) : undefined;
      const started = await untilAborted(provider.startSession(created.sessionId, signal), signal);
      this.currentStartedAt = this.clock.now();
      this.lastActivityAt = this.currentStartedAt;
      this.currentDurationLimit = started.durationLimitSeconds ?? this.currentDurationLimit;
      this.setPhase('room');
      const room = created.room ?? started.room;
      if (!room) throw new MediaError(`The provider gave no room to join for session ${created.sessionId}.`);
      await untilAborted(joinedEarly ?? join(room), signal);
      provider.useRoom({ sendData: (text, topic) => transport.sendData(text, topic) });

      this.setPhase('media');
      const { avatar, required } = provider.participants(created.sessionId);
      const media = await untilAborted(
        this.withTimeout<MediaStream>(
          Promise.all([
            transport.waitForMedia(avatar, signal),
            Promise.all(required.map((identity) => transport.waitForParticipant(identity, signal))),
          ]).then(([media]) => media),
          this.options.mediaTimeoutMs ?? 30_000,
          required.length > 0
            ? `The avatar (${[avatar, ...required].join(', ')}) did not join with video and audio in time`
            : 'The avatar joined no video and audio in time',
        ),
        signal,
      );
      this.currentMedia = media;
      this.throwIfStopped();
      this.currentPhase = undefined;
      this.setState('connected');
      this.startTicking();
      this.queue.attach(this.taskSender(provider, created.sessionId));
      this.emit('ready', media);
    } catch (cause) {
      if (this.stopPromise) throw new AbortError('The session was stopped while starting.', { cause });
      const error = toToolkitError(cause);
      this.stopPromise = this.close({ reason: 'error', error }, false);
      await this.stopPromise.catch(() => undefined);
      throw error;
    }
  }

  /**
   * `streaming.new`, bounded by `newSessionTimeoutMs` and by `stop()`. Once asked, the server may
   * create the session whatever happens here, and only its id lets us stop it: so the request is
   * never abandoned, and a session that arrives after the start gave up is stopped at once.
   */
  private async createSession(provider: StreamingProvider, signal: AbortSignal) {
    const creating = provider.newSession(this.newSessionRequest());
    const timeoutMs = this.options.newSessionTimeoutMs ?? 15_000;
    try {
      return await untilAborted(
        this.withTimeout(creating, timeoutMs, 'streaming.new did not answer in time'),
        signal,
      );
    } catch (error) {
      creating.then(
        (late) => {
          this.options.log?.(`session ${late.sessionId}: created after the start gave up; stopping it`);
          if (this.pageHidden) provider.stopSessionOnUnload(late.sessionId);
          else
            stopWithRetries(late.sessionId, () => provider.stopSession(late.sessionId), this.clock).catch(
              () => undefined,
            );
        },
        () => undefined,
      );
      throw error;
    }
  }

  /** Tells the token's issuer which session its token created; never holds up the start. */
  private reportSession(sessionId: string, token: string): void {
    const report = this.options.token.reportSession;
    if (!report) return;
    Promise.resolve()
      .then(() => report(sessionId, token))
      .catch((error: unknown) =>
        this.options.log?.(
          `session ${sessionId}: could not report it to the token endpoint: ${String(error)}`,
        ),
      );
  }

  private newSessionRequest(): NewSessionRequest {
    const { options } = this;
    return {
      ...(options.avatarId === undefined ? {} : { avatar_id: options.avatarId }),
      quality: options.quality ?? 'low',
      ...(options.voice === undefined ? {} : { voice: options.voice }),
      ...(options.language === undefined ? {} : { language: options.language }),
      ...(options.knowledgeBaseId === undefined ? {} : { knowledge_base_id: options.knowledgeBaseId }),
      ...(options.knowledgeBase === undefined ? {} : { knowledge_base: options.knowledgeBase }),
      version: 'v2',
      video_encoding: options.videoEncoding ?? 'H264',
      activity_idle_timeout: this.idleTimeoutSeconds,
    };
  }

  private taskSender(provider: StreamingProvider, sessionId: string) {
    return {
      send: async (text: string, taskType: TaskType) => {
        const task = await provider.sendTask(sessionId, text, taskType);
        this.lastActivityAt = this.clock.now();
        return task;
      },
      interrupt: () => provider.interrupt(sessionId),
    };
  }

  private wireTransport(transport: AvatarTransport): void {
    transport.on('data', (payload, identity, topic) =>
      this.handlePacket(this.provider!.parsePacket(payload, identity, topic)),
    );
    transport.on('reconnecting', () => {
      if (this.currentState !== 'connected') return;
      this.setState('reconnecting');
      this.emit('reconnecting');
    });
    transport.on('reconnected', () => {
      if (this.currentState !== 'reconnecting') return;
      this.setState('connected');
      this.emit('reconnected');
    });
    transport.on('audioPlaybackChanged', (canPlayback) => this.emit('audioPlaybackChanged', canPlayback));
    transport.on('connection', (stats) => {
      this.currentConnection = stats;
      this.emit('connectionQuality', stats);
    });
    transport.on('disconnected', (cause) => this.handleDisconnected(cause));
  }

  /** What the provider read from the room (or heard outside it): events, voice turns, its end. */
  private handlePacket(packet: ProviderPacket): void {
    switch (packet.kind) {
      case 'event':
        this.queue.handleAvatarEvent(packet.event);
        this.voiceChat?.handleAvatarEvent(packet.event);
        this.emit('avatarEvent', packet.event);
        return;
      case 'voice':
        this.voiceChat?.handleVoiceEvent(packet.eventType);
        return;
      case 'ended':
        this.options.log?.(`session ${this.sessionId}: the provider ended it (${packet.providerReason})`);
        this.stopInBackground(packet.reason);
        return;
      case 'unknown':
        this.emit('unknownEvent', packet.type, packet.value);
        return;
      case 'malformed':
        this.emit('malformedEvent', packet.reason, packet.text);
        return;
      case 'ignored':
        return;
    }
  }

  private handleDisconnected(cause: TransportDisconnectCause): void {
    if (cause === 'client' || this.stopPromise) return;
    if (cause === 'network') {
      this.stopInBackground('network_lost');
      return;
    }
    // The server ended the room: say which limit did it when one was due.
    const remaining = this.remaining;
    const due = remaining !== undefined && remaining.seconds <= 2;
    this.stopInBackground(due ? remaining.reason : 'server_closed');
  }

  /** Stops for a reason of the session's own; a failure is reported by `stopFailed` and `ended`. */
  private stopInBackground(reason: EndReason): void {
    this.stop(reason).catch(() => undefined);
  }

  private startTicking(): void {
    this.stopTicking = every(TICK_MS, this.clock, () => this.tick());
  }

  /**
   * Runs every second, but reads the wall clock rather than counting ticks, so a background tab's
   * throttled timers (once a minute at worst) still send keep-alives in time for the default
   * 120-second idle timeout.
   */
  private tick(): void {
    const now = this.clock.now();
    const keepAliveDue = now - this.lastActivityAt >= this.keepAliveEveryMs && now >= this.nextKeepAliveAt;
    if (this.options.keepAlive !== false && keepAliveDue) this.sendKeepAlive();
    const remaining = this.remaining;
    if (!remaining) return;
    if (remaining.seconds <= 0) {
      this.stopInBackground(remaining.reason);
      return;
    }
    const warnAt = this.options.expiringWarningSeconds ?? 30;
    if (remaining.seconds <= warnAt && !this.warned.has(remaining.reason)) {
      this.warned.add(remaining.reason);
      this.emit('expiring', remaining);
    }
  }

  private get keepAliveEveryMs(): number {
    return (this.idleTimeoutSeconds * 1000) / 4;
  }

  private sendKeepAlive(): void {
    if (this.keepAliveInFlight || !this.provider || !this.sessionId) return;
    this.keepAliveInFlight = true;
    this.provider
      .keepAlive(this.sessionId)
      .then(() => {
        this.lastActivityAt = this.clock.now();
        this.keepAliveFailures = 0;
        this.nextKeepAliveAt = 0;
      })
      .catch((error: unknown) => {
        this.emit('keepAliveFailed', error);
        if (isSessionGone(error)) {
          this.stopInBackground('server_closed');
          return;
        }
        const backoffMs = Math.min(
          KEEP_ALIVE_BACKOFF_MS * 2 ** this.keepAliveFailures,
          this.keepAliveEveryMs,
        );
        this.keepAliveFailures += 1;
        this.nextKeepAliveAt = this.clock.now() + backoffMs;
      })
      .finally(() => {
        this.keepAliveInFlight = false;
      });
  }

  private readonly handlePageHide = (): void => {
    this.pageHidden = true;
    if (this.sessionId && this.provider && !this.serverStopSent) {
      this.serverStopSent = true;
      this.provider.stopSessionOnUnload(this.sessionId);
      // Neither request's answer can be awaited: the page's backend stops the session too.
      if (this.sessionToken) this.options.token.endSessionOnUnload?.(this.sessionId, this.sessionToken);
    }
    this.stopInBackground('user');
  };

  private listenForPageHide(): void {
    if (this.options.stopOnPageHide === false) return;
    this.pageLifecycle()?.addEventListener('pagehide', this.handlePageHide);
  }

  private pageLifecycle(): EventTarget | undefined {
    if (this.options.pageLifecycle) return this.options.pageLifecycle;
    return typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  }

  /**
   * @param waitForStart Let a start under way wind down first (every step of it gives way to the
   *   abort, so this is prompt); false when the start itself is closing after a failure.
   */
  private async close(end: SessionEnd, waitForStart: boolean): Promise<void> {
    this.currentEnd = end;
    this.setState('closing');
    this.abort.abort(new AbortError('The session was stopped.'));
    if (waitForStart) await this.startPromise?.catch(() => undefined);
    this.stopTicking?.();
    this.queue.close(
      new StreamingAvatarError('session_closed', 'The session has ended; start a new session to speak.'),
    );
    this.pageLifecycle()?.removeEventListener('pagehide', this.handlePageHide);
    // The microphone is released first, whatever happens to the server stop.
    await this.stopVoiceChat().catch(() => undefined);
    const [stopped] = await Promise.allSettled([this.stopServerSession(), this.transport?.disconnect()]);
    this.currentEndedAt = this.clock.now();
    this.currentPhase = undefined;
    if (stopped.status === 'rejected') {
      this.currentEnd = { reason: end.reason, error: end.error ?? stopped.reason };
      this.setState('failed');
      this.emit('ended', this.currentEnd);
      throw stopped.reason;
    }
    this.setState(end.reason === 'error' ? 'failed' : 'closed');
    this.emit('ended', end);
  }

  /**
   * `streaming.stop`, retried with backoff until the server confirms (a session it already
   * closed counts), reporting each failure with `stopFailed`.
   */
  private async stopServerSession(): Promise<void> {
    const { sessionId, provider } = this;
    if (!sessionId || !provider || this.serverStopSent) return;
    this.serverStopSent = true;
    await stopWithRetries(
      sessionId,
      () => provider.stopSession(sessionId),
      this.clock,
      (error) => this.emit('stopFailed', new StopFailedError(sessionId, error)),
    );
  }

  private throwIfStopped(): void {
    if (this.abort.signal.aborted) throw new AbortError('The session was stopped while starting.');
  }

  private withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () => reject(new TimeoutError(`${what} (${timeoutMs} ms).`, timeoutMs)),
        timeoutMs,
      );
      promise.then(resolve, reject).finally(() => this.clock.clearTimeout(timer));
    });
  }
}

/** The toolkit's transport on livekit-client, loaded on first use (the module loads once). */
function loadLiveKitTransport(): Promise<typeof import('./livekit-transport.js')> {
  return import('./livekit-transport.js');
}

async function defaultTransport(): Promise<AvatarTransport> {
  const { LiveKitTransport } = await loadLiveKitTransport();
  return LiveKitTransport.create();
}

/**
 * Loads livekit-client and the toolkit's transport on it ahead of a session's start. Never
 * rejects: a failed load shows when a session starts.
 */
export async function preloadTransport(): Promise<void> {
  await loadLiveKitTransport().catch(() => undefined);
}

function toToolkitError(cause: unknown): StreamingAvatarError {
  if (cause instanceof StreamingAvatarError) return cause;
  return new MediaError(`The session failed to start: ${String(cause)}`, { cause });
}
