import { EventEmitter } from 'eventemitter3';
import type { BilledSpan } from './credits/credit-meter.js';
import type { RatePlan } from './credits/rate-plans.js';
import { AbortError, StreamingAvatarError } from './errors.js';
import { systemClock } from './internal/clock.js';
import { lazy } from './internal/lazy.js';
import { checkNumberOption } from './internal/validate.js';
import type { LastingParts } from './session/lasting-parts.js';
import type { LifetimeOptions, SessionLifetime } from './session/lifetime.js';
import type { SessionRenewal } from './session/renewal.js';
import type { SessionEngine } from './session/session-engine.js';
import type { SessionEvents } from './session/session-events.js';
import type { SessionOptions } from './session/session-options.js';
import type { ConnectionStats } from './session/transport.js';
import type { SpeechText } from './tasks/speech-stream.js';
import type { SpeakOptions, Utterance } from './tasks/utterance.js';
import type { SessionTokenSource } from './tokens.js';
import type { AvatarState, ConnectPhase, EndReason, SessionEnd } from './vocabulary.js';
import type { ConversationState, TranscriptTurn } from './voice/conversation.js';
import type { VoiceChatOptions } from './voice/voice-chat.js';

/** Events of a {@link Avatar}: its current session's events, one emitter across sessions. */
export interface AvatarEvents extends Omit<SessionEvents, 'stateChanged'> {
  /** Every state change, after it happened, whichever session caused it. */
  stateChanged: (state: AvatarState, previous: AvatarState) => void;
}

/** Options of {@link Avatar}: those of each session, plus how its sessions end or renew by themselves. */
export interface AvatarOptions extends SessionOptions, LifetimeOptions {}

/** The shortest `endAfterInactivitySeconds`: a visitor gets time to read and answer, in seconds. */
const MIN_INACTIVITY_SECONDS = 10;

/** The shortest `renewBeforeEndSeconds`: time for a session to start (seconds; contract §3's steps take a few). */
const MIN_RENEW_BEFORE_END_SECONDS = 10;

/**
 * One avatar on a page, for as long as the page shows it: starts a session, stops it in every
 * state, replaces a finished session with a new one on the next start, and passes every session's
 * events on through this one emitter, so listeners attach once. `<streaming-avatar>` renders it.
 *
 * The session machinery loads on the first `start()` (state `loading`), so a page that never
 * starts an avatar never downloads it.
 */
export class Avatar extends EventEmitter<AvatarEvents> {
  #currentState: AvatarState = 'idle';
  #currentSession: SessionEngine | undefined;
  /** The utterances and the voice conversation, which outlive each session; made on the first start. */
  #lasting: LastingParts | undefined;
  #startPromise: Promise<void> | undefined;
  /** The start under way; aborted by `stop()`. A stale start never overwrites a newer one. */
  #attempt: AbortController | undefined;
  readonly #sessionModule = lazy(() => import('./session/machinery.js'));
  /** The countdowns that end or renew sessions by themselves; made on the first start. */
  #lifetime: SessionLifetime | undefined;
  /** The renewal under way, if any. */
  #renewal: SessionRenewal | undefined;
  /** The renewals' other sessions since the last start, each billed from its start to its stop. */
  #renewedSessions: BilledSpan[] = [];

  /**
   * @param options The session options, or a function read at each start (so a page can change
   *   the avatar or voice between sessions).
   * @throws {InvalidOptionError} for an `endWhenHiddenSeconds` below 0, or an
   *   `endAfterInactivitySeconds` or `renewBeforeEndSeconds` below 10 (checked at each start when
   *   `options` is a function).
   */
  constructor(private readonly options: AvatarOptions | (() => AvatarOptions)) {
    super();
    if (typeof options !== 'function') checkAvatarOptions(options);
    this.on('userSpeech', () => this.noteActivity());
  }

  /** The one state: `idle`, `loading`, then the current session's. */
  get state(): AvatarState {
    return this.#currentState;
  }

  /** The current (or last) session's id, once `streaming.new` answered. */
  get sessionId(): string | undefined {
    return this.#currentSession?.sessionId;
  }

  /**
   * Seconds until the current session ends by itself (its duration limit, or the idle timeout
   * when keep-alives are off); undefined before it started. The `expiring` event says why.
   */
  get remainingSeconds(): number | undefined {
    return this.#currentSession?.remaining?.seconds;
  }

  /** The utterances queued or being spoken, in order. */
  get utterances(): readonly Utterance[] {
    return this.#currentSession?.queue.utterances ?? [];
  }

  /** The connect step under way while `connecting`. */
  get phase(): ConnectPhase | undefined {
    return this.#currentSession?.phase;
  }

  /** When the current session's `streaming.start` succeeded, in milliseconds since the epoch. */
  get startedAt(): number | undefined {
    return this.#currentSession?.startedAt;
  }

  /** When the current session ended, in milliseconds since the epoch. */
  get endedAt(): number | undefined {
    return this.#currentSession?.endedAt;
  }

  /** How the current session's provider bills it, once the provider is known. */
  get ratePlan(): RatePlan | undefined {
    return this.#currentSession?.ratePlan;
  }

  /** The avatar's video and audio while connected. */
  get media(): MediaStream | undefined {
    return this.#currentSession?.media;
  }

  /** The avatar's connection as this page receives it, while a session has media. */
  get connectionQuality(): ConnectionStats | undefined {
    return this.#currentSession?.connectionQuality;
  }

  /** How the last session ended, once it has. */
  get end(): SessionEnd | undefined {
    return this.#currentSession?.end;
  }

  /**
   * The sessions of renewals since the last `start()` other than the current one, oldest first:
   * those renewed away from, and a renewal's next session until it takes over (also one stopped
   * before it did: billed all the same). When each was started and stopped, in milliseconds since
   * the epoch (a copy as of this read); the credit meter bills them beside the current one.
   */
  get renewedSessions(): readonly BilledSpan[] {
    return this.#renewedSessions.map(({ startedAt, endedAt }) => ({ startedAt, endedAt }));
  }

  /**
   * Starts a session, or returns the start under way; resolves when the avatar's media is ready.
   * A running (or reconnecting) session is kept, never doubled; an ended one is replaced, and a
   * session still closing finishes first.
   * @throws {StreamingAvatarError} why the start failed (`aborted` when `stop()` came first;
   *   `invalid_parameter` for options out of range).
   */
  start(): Promise<void> {
    if (this.#startPromise) return this.#startPromise;
    const running = this.#currentSession?.state;
    if (running === 'connected' || running === 'reconnecting') return Promise.resolve();
    const attempt = new AbortController();
    this.#attempt = attempt;
    const started = this.#startSession(attempt.signal).finally(() => {
      if (this.#attempt === attempt) this.#startPromise = undefined;
    });
    this.#startPromise = started;
    return started;
  }

  /**
   * Stops in any state: cancels a start still loading (back to `idle` or the last session's
   * end), and stops the current session (billing stops). Idempotent.
   * @param reason Recorded as the end reason (default `user`).
   * @throws {StopFailedError} when the server could not be told to stop after every retry (about a
   *   minute, `stopFailed` reporting each failure); the session has then ended here, and its idle
   *   timeout ends it at the server.
   */
  stop(reason: EndReason = 'user'): Promise<void> {
    this.#lifetime?.stopped();
    this.#renewal?.cancel().catch(() => undefined);
    if (this.#attempt && !this.#attempt.signal.aborted) {
      this.#attempt.abort(new AbortError('The avatar was stopped before it started.'));
      this.#startPromise = undefined;
    }
    if (this.#currentState === 'loading') this.#setState(this.#currentSession?.state ?? 'idle');
    return this.#currentSession?.stop(reason) ?? Promise.resolve();
  }

  /**
   * Queues text for the avatar to say; text said while connecting is sent once connected. `repeat`
   * text of any length is split into ≤1,000-character tasks on sentence boundaries (seed 000);
   * `talk` has the provider's model answer it. The utterance's `done` always settles.
   *
   * `text` may also stream in (a model's tokens: an `AsyncIterable<string>`, a
   * `ReadableStream<string>`, or a function given an `AbortSignal` that returns one): each
   * sentence is sent once it is complete, an unfinished one after 1.5 s, and the rest packed into
   * ≤1,000-character pieces; the whole answer is one utterance. `interrupt()` and `cancel()` stop
   * the stream (`return()`, `cancel()`, or the signal aborts); a stream that throws fails the
   * utterance with `speech_source`, one silent for `streamTimeoutMs` with `timeout`.
   * @throws {StreamingAvatarError} `not_started` before the first start has created a session.
   * @throws {InvalidOptionError} for a streamed `talk` text or a bad `streamTimeoutMs`.
   */
  speak(text: SpeechText, options: SpeakOptions = {}): Utterance {
    const utterance = this.#sessionFor('asking it to speak').queue.speak(text, options);
    this.noteActivity();
    return utterance;
  }

  /**
   * Someone used the avatar (a tap, a key, anything the page counts): restarts the
   * `endAfterInactivitySeconds` countdown. User speech and `speak()` count by themselves.
   */
  noteActivity(): void {
    this.#lifetime?.noteActivity();
  }

  /**
   * Renews the session: starts the next one in the background with the same options, keeps it
   * hidden and silent, and moves to it at a pause in speech (the utterance being spoken ends
   * first, for up to 10 s; then the end of its current piece; 3 s before the old session's
   * duration limit it moves whatever is said, and the cut piece is said again). The transcript,
   * queued utterances, voice chat (with its microphone) and listeners carry over, `ready` gives
   * the new media, and the old session streams 3 s more (the picture's cross-fade), then stops.
   * Both are billed while they overlap (`renewed` gives the seconds). Resolves once the old
   * session has stopped; a renewal under way is returned.
   * @throws {StreamingAvatarError} `not_started` without a connected session; why the next session
   *   did not start (also emitted as `renewFailed`; the current one runs on to its end).
   */
  async renew(): Promise<void> {
    const from = this.#currentSession;
    if (from?.state !== 'connected') {
      throw new StreamingAvatarError('not_started', 'Start the avatar before renewing its session.');
    }
    const module = await this.#sessionModule();
    if (!this.#renewal) {
      const span: { startedAt: number | undefined; endedAt: number | undefined } = {
        startedAt: from.startedAt,
        endedAt: undefined,
      };
      const renewal = new module.SessionRenewal(from, {
        events: this,
        createNext: () => {
          const next = this.#createSession(module, from.options, true);
          // Billed while it waits unseen, and after a stop or failure before it took over (kept
          // until the next start).
          this.#renewedSessions.push(next);
          return next;
        },
        switchTo: (next) => {
          // The span, not the session: a renewed session and its room are let go once stopped.
          this.#renewedSessions.splice(this.#renewedSessions.indexOf(next), 1, span);
          this.#currentSession = next;
          next.takeOver();
          this.#lifetime?.connected(next, next.options);
          this.emit('ready', next.media!);
        },
        stopped: () => {
          span.endedAt = from.endedAt;
        },
      });
      this.#renewal = renewal;
      renewal.done
        .finally(() => {
          if (this.#renewal === renewal) this.#renewal = undefined;
        })
        .catch(() => undefined);
    }
    await this.#renewal.done;
  }

  /**
   * Speaks audio you bring (LiveAvatar LITE): 16-bit mono `pcm` (an `Int16Array`, or its bytes,
   * little-endian) at `sampleRate` samples per second, resampled to the provider's rate and sent in
   * about one-second frames. Resolves once it was spoken to the end.
   * @throws {StreamingAvatarError} `not_started` without a connected session; `configuration` when
   *   the provider speaks only text (HeyGen, LiveAvatar FULL: use `speak()`); `interrupted` when
   *   `interrupt()` (or newer audio) cuts it.
   * @throws {InvalidOptionError} for a `sampleRate` that is not a positive number.
   */
  async speakAudio(pcm: Int16Array | ArrayBuffer, options: { sampleRate: number }): Promise<void> {
    const session = this.#sessionFor('sending it audio');
    this.noteActivity();
    await session.audio.speak(pcm, options);
  }

  /** Stops the current speech and settles every queued utterance as interrupted. */
  async interrupt(): Promise<void> {
    await this.#currentSession?.interrupt();
  }

  /** Removes one utterance by id; returns whether it was found. */
  async cancel(utteranceId: string): Promise<boolean> {
    return (await this.#currentSession?.queue.cancel(utteranceId)) ?? false;
  }

  /** Unblocks audio playback; call it from a user gesture. */
  async startAudio(): Promise<void> {
    await this.#currentSession?.startAudio();
  }

  /** The voice conversation's state (`idle` without voice chat). */
  get conversationState(): ConversationState {
    return this.#currentSession?.voice.conversationState ?? 'idle';
  }

  /** The voice transcript, both sides, in order, across this avatar's sessions. */
  get transcript(): readonly TranscriptTurn[] {
    return this.#currentSession?.voice.transcript ?? [];
  }

  /** The microphone track voice chat sends, while it runs. */
  get microphone(): MediaStreamTrack | undefined {
    return this.#currentSession?.voice.microphone;
  }

  /**
   * Starts voice chat: opens the microphone (echo cancellation, noise suppression, auto gain),
   * publishes it in the session's room and puts the avatar in its listening pose. In
   * `push-to-talk` mode the microphone sends nothing until `startPushToTalk()`. A voice chat
   * already running is stopped first.
   * @throws {StreamingAvatarError} `not_started` without a connected session.
   * @throws {MicrophoneError} (`microphone`) why the microphone could not be opened: `denied`,
   *   `missing`, `busy`, `insecure_context`, `unsupported`.
   */
  async startVoiceChat(options: VoiceChatOptions = {}): Promise<void> {
    await this.#sessionFor('starting voice chat').voice.start(options);
  }

  /** Stops voice chat and releases the microphone; the session goes on. */
  async stopVoiceChat(): Promise<void> {
    await this.#currentSession?.voice.stop();
  }

  /** Mutes the microphone (voice chat goes on; nothing of the microphone is sent). */
  async mute(): Promise<void> {
    await this.#currentSession?.voice.setMuted(true);
  }

  /** Unmutes the microphone. */
  async unmute(): Promise<void> {
    await this.#currentSession?.voice.setMuted(false);
  }

  /** Switches voice chat to another microphone. @throws {MicrophoneError} */
  async setMicrophone(deviceId: string | undefined): Promise<void> {
    await this.#currentSession?.voice.setMicrophone(deviceId);
  }

  /** Push-to-talk: the talk key went down. */
  async startPushToTalk(): Promise<void> {
    await this.#currentSession?.voice.setTalking(true);
  }

  /** Push-to-talk: the talk key came up. */
  async stopPushToTalk(): Promise<void> {
    await this.#currentSession?.voice.setTalking(false);
  }

  /**
   * Loads the session machinery (API client, schemas, task queue) and livekit-client ahead of the
   * first start, so `start()` does not wait for the download: call it when a user shows the
   * intent to start (`<streaming-avatar>` does when its start button is pointed at or focused).
   * Resolves when loaded; never rejects (a failed load is tried again, and reported, by `start()`).
   */
  async preload(): Promise<void> {
    await this.#sessionModule().then(
      (module) => module.preloadTransport(),
      () => undefined,
    );
  }

  async #startSession(signal: AbortSignal): Promise<void> {
    const previous = this.#currentSession;
    if (previous && previous.state !== 'closed' && previous.state !== 'failed') {
      await previous.stop().catch(() => undefined);
      signal.throwIfAborted();
    }
    this.#setState('loading');
    const given = this.#readOptions();
    let options: AvatarOptions;
    try {
      checkAvatarOptions(given);
      // On a first visit the session machinery downloads first: the token is asked for meanwhile.
      options = { ...given, token: tokenAhead(given, signal) };
    } catch (error) {
      this.#setState(this.#currentSession?.state ?? 'idle');
      throw error;
    }
    const module = await this.#sessionModule().catch((error: unknown) => {
      this.#setState(this.#currentSession?.state ?? 'idle');
      throw error;
    });
    signal.throwIfAborted();
    let session: SessionEngine;
    try {
      this.#lasting ??= module.lastingParts(this, options.clock ?? systemClock);
      session = this.#createSession(module, options, false);
      this.#renewedSessions = [];
      this.#lifetime ??= new module.SessionLifetime({
        state: () => this.#currentState,
        options: () => this.#readOptions(),
        isCurrent: (candidate) => candidate === this.#currentSession,
        start: () => this.start(),
        stop: (reason) => this.stop(reason),
        renew: () => this.renew(),
      });
      this.#lifetime.begin(options);
    } catch (error) {
      this.#setState(this.#currentSession?.state ?? 'idle');
      throw error;
    }
    this.#currentSession = session;
    await session.start();
    this.#lifetime?.connected(session, options);
  }

  /** A session whose events come out of this one emitter while it is the current session. */
  #createSession(
    module: typeof import('./session/machinery.js'),
    options: AvatarOptions,
    standby: boolean,
  ): SessionEngine {
    const session: SessionEngine = new module.SessionEngine(
      options,
      {
        emit: (event, ...args) => {
          if (this.#currentSession !== session) return false;
          if (this.#renewal?.intercept(session, event)) return true;
          if (event !== 'stateChanged') return this.emit(event, ...args);
          this.#setState(session.state);
          return true;
        },
      },
      this.#lasting,
      standby,
    );
    return session;
  }

  #readOptions(): AvatarOptions {
    return typeof this.options === 'function' ? this.options() : this.options;
  }

  /** The session, once the first start has created one. @throws {StreamingAvatarError} `not_started` before. */
  #sessionFor(action: string): SessionEngine {
    if (!this.#currentSession)
      throw new StreamingAvatarError('not_started', `Start the avatar before ${action}.`);
    return this.#currentSession;
  }

  #setState(next: AvatarState): void {
    const previous = this.#currentState;
    if (previous === next) return;
    this.#currentState = next;
    // The inactivity countdown starts with the session and ends with it.
    if (next === 'connecting' || next === 'closed' || next === 'failed') this.noteActivity();
    this.emit('stateChanged', next, previous);
  }
}

/**
 * `options.token` with its first token already asked for (with `signal`) once the provider's
 * option check has passed (a refused start mints none; the session reports the refusal): the first
 * call takes that request, later ones (a renewal's next session) ask anew. A failed request fails
 * the start that takes it, not the page.
 */
function tokenAhead(options: AvatarOptions, signal: AbortSignal): SessionTokenSource {
  const source = options.token;
  let ahead: Promise<string> | undefined = Promise.resolve()
    .then(() => options.provider?.checkOptions?.(options))
    .then(() => source(signal));
  ahead.catch(() => undefined);
  const take = (next: AbortSignal) => {
    const token = ahead ?? source(next);
    ahead = undefined;
    return token;
  };
  // With the source's own hooks (reporting a session, ending it as the page unloads).
  return Object.assign(take, source);
}

/** The avatar's own options (the session's are checked by each session). @throws {InvalidOptionError} */
function checkAvatarOptions(options: AvatarOptions): void {
  checkNumberOption('endWhenHiddenSeconds', options.endWhenHiddenSeconds, {
    min: 0,
    expected: 'a number of seconds of 0 or more',
  });
  checkNumberOption('endAfterInactivitySeconds', options.endAfterInactivitySeconds, {
    min: MIN_INACTIVITY_SECONDS,
    expected: `a number of seconds of ${MIN_INACTIVITY_SECONDS} or more`,
  });
  checkNumberOption('renewBeforeEndSeconds', options.renewBeforeEndSeconds, {
    min: MIN_RENEW_BEFORE_END_SECONDS,
    expected: `a number of seconds of ${MIN_RENEW_BEFORE_END_SECONDS} or more`,
  });
}
