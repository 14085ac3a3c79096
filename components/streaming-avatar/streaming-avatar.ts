import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { Avatar, type AvatarOptions } from '../../src/avatar.js';
import { StreamingAvatarError } from '../../src/errors.js';
import type {
  AvatarState,
  ConnectionQuality,
  ConnectionStats,
  ConversationState,
  ProviderFactory,
  Quality,
  SpeakOptions,
  SpeechText,
  Utterance,
  VoiceChatOptions,
} from '../../src/index.js';
import { lazy } from '../../src/internal/lazy.js';
import { AVATAR_CONNECTED_EVENT, AvatarErrorEvent, AvatarReadyEvent } from '../events.js';
import { LocalizedElement } from '../localize/localized-element.js';
import { AvatarBinding, isLive, liveConnection } from './avatar-binding.js';
import { lazyEndpointToken } from './endpoint-token.js';
import { KeyedVideo } from './keyed-video.js';
import { styles } from './streaming-avatar.styles.js';
import type { VoiceControls } from './voice-controls.js';
import { VoiceWake } from './voice-wake.js';

/**
 * A live, talking HeyGen streaming avatar.
 *
 * @summary Renders the avatar's WebRTC stream and drives its session: start, speak, interrupt, stop.
 *
 * @slot poster - Shown while no session runs (an image of the avatar, say).
 *
 * @csspart stage - The area the video or keyed canvas fills.
 * @csspart video - The `<video playsinline>` elements: the one shown, and the next session's while a renewal cross-fades to it.
 * @csspart canvas - The transparent canvas when `background="chroma-key"`.
 * @csspart overlay - Progress, error and end messages over the stage.
 * @csspart progress - The spinner while connecting.
 * @csspart phase - The label naming the connect step.
 * @csspart error-message - The readable error on failure.
 * @csspart end-reason - Why the session ended, in words, once it has.
 * @csspart retry - The retry button on failure.
 * @csspart start - The start button when idle or ended.
 * @csspart unmute - The "tap to unmute" button when the browser blocks audio.
 * @csspart microphone - The microphone button (with `voice-chat`): a toggle, or hold-to-talk in push-to-talk mode.
 * @csspart voice-controls - The microphone button, level and picker together.
 * @csspart input-level - The live microphone level (a `<meter>`, 0–1) while voice chat runs.
 * @csspart microphone-picker - The list of microphones (a `<select>`) while voice chat runs.
 * @csspart connection-quality - The connection grade while connected (`excellent`, `good`, `poor`, `lost`).
 *
 * @cssproperty --avatar-background - Backdrop behind the video (default #111; transparent with chroma key).
 * @cssproperty --avatar-accent - Buttons and spinner colour.
 * @cssproperty --avatar-overlay-background - Veil behind overlay messages.
 * @cssproperty --avatar-overlay-color - Overlay text colour.
 * @cssproperty --avatar-radius - Corner radius.
 * @cssproperty --avatar-focus-ring - Keyboard focus outline colour.
 * @cssproperty --avatar-font - Font of the overlay.
 * @cssproperty --avatar-microphone-active - The microphone button while it listens or is held.
 * @cssproperty --avatar-quality-good - Dot colour of an excellent or good connection.
 * @cssproperty --avatar-quality-poor - Dot colour of a poor connection.
 * @cssproperty --avatar-quality-lost - Dot colour of a lost connection.
 *
 * @fires {AvatarStateChangeEvent} avatar-state-change - The state changed (`state`, `previous`).
 * @fires {AvatarReadyEvent} avatar-ready - The first frame is on screen.
 * @fires {AvatarSpeakingStartEvent} avatar-speaking-start - The avatar started speaking: an utterance, a `talk` or voice answer, or audio (`speech.source`).
 * @fires {AvatarSpeakingEndEvent} avatar-speaking-end - The avatar stopped speaking: to the end, or `interrupted`.
 * @fires {AvatarSpeechTextEvent} avatar-speech-text - The next words being spoken (caption text).
 * @fires {AvatarExpiringEvent} avatar-expiring - The session ends soon (`seconds` left, `reason`).
 * @fires {AvatarEndedEvent} avatar-ended - The session ended (`reason`).
 * @fires {AvatarErrorEvent} avatar-error - Something failed (`error`, typed, with a `code`).
 * @fires {AvatarConversationStateChangeEvent} avatar-conversation-state-change - Whose turn it is in voice chat (`state`).
 * @fires {AvatarUserSpeechEvent} avatar-user-speech - What the user said so far (`text`, `final`).
 * @fires {AvatarTurnLatencyEvent} avatar-turn-latency - A user turn's latency, in milliseconds (`latency`).
 */
export class StreamingAvatarElement extends LocalizedElement {
  /** @internal */
  static override properties: PropertyDeclarations = {
    tokenUrl: { attribute: 'token-url' },
    baseUrl: { attribute: 'base-url' },
    provider: {},
    avatarId: { attribute: 'avatar-id' },
    voiceId: { attribute: 'voice-id' },
    quality: {},
    language: {},
    knowledgeBaseId: { attribute: 'knowledge-base-id' },
    idleTimeout: { attribute: 'idle-timeout', type: Number },
    autostart: { type: Boolean },
    fit: { reflect: true },
    background: { reflect: true },
    keyColor: { attribute: 'key-color' },
    endWhenHidden: { attribute: 'end-when-hidden', type: Number },
    restartWhenVisible: { attribute: 'restart-when-visible', type: Boolean },
    endAfterInactivity: { attribute: 'end-after-inactivity', type: Number },
    renewBeforeEnd: { attribute: 'renew-before-end', type: Number },
    startOn: { attribute: 'start-on' },
    voiceChat: { attribute: 'voice-chat' },
    muted: { type: Boolean, reflect: true },
    sessionOptions: { attribute: false },
    error: { state: true, attribute: false },
    audioBlocked: { state: true, attribute: false },
  };

  /** @internal */
  static override styles = styles;

  /** The page's backend endpoint that answers POST with `{"token": "..."}`. */
  tokenUrl = '';

  /**
   * The provider's API base URL; defaults to HeyGen's, or LiveAvatar's with `provider="liveavatar"`
   * (point it at the emulator in development).
   */
  baseUrl: string | undefined;

  /**
   * `heygen` (default, the Streaming API) or `liveavatar` (FULL or LITE, as the session token
   * says); the token endpoint must create tokens for the same provider.
   */
  provider: 'heygen' | 'liveavatar' = 'heygen';

  /** The avatar to stream (see `listAvatars()`). */
  avatarId: string | undefined;

  /** The voice to speak with; default: the avatar's own. */
  voiceId: string | undefined;

  /** Video quality: `low` 360p, `medium` 480p, `high` 720p (contract doc). */
  quality: Quality = 'low';

  /** Language code, e.g. `en`. */
  language: string | undefined;

  /** Knowledge base for `talk` tasks. */
  knowledgeBaseId: string | undefined;

  /** Idle timeout in seconds, 30–3600 (default 120, contract doc). */
  idleTimeout: number | undefined;

  /** Start a session as soon as the element is connected. */
  autostart = false;

  /** How the video fills the element: `contain` (default) or `cover`. */
  fit: 'contain' | 'cover' = 'contain';

  /** `chroma-key` removes the avatar's solid backdrop so the page shows through. */
  background: 'none' | 'chroma-key' = 'none';

  /** The backdrop colour to remove, as `#rrggbb`; default: sampled from the frame's border. */
  keyColor: string | undefined;

  /**
   * End the session after the page has been hidden this many seconds (end reason `page_hidden`),
   * so a hidden tab stops billing. Off when unset.
   */
  endWhenHidden: number | undefined;

  /** With `end-when-hidden`: start a fresh session when the page is visible again. */
  restartWhenVisible = false;

  /**
   * End the session after this many seconds (10 or more) in which nobody spoke, tapped or pressed a
   * key on the element, and nothing was said through `speak()`: end reason `inactivity`, back to the
   * poster and the start button, so a kiosk stops billing once its visitor left. Off when unset.
   */
  endAfterInactivity: number | undefined;

  /**
   * Renew the session this many seconds (10 or more) before its duration limit: the next session
   * starts unseen and the picture cross-fades to it at a pause in speech, so an always-on page
   * (a kiosk) never shows a session's end. Off when unset.
   */
  renewBeforeEnd: number | undefined;

  /**
   * What starts a session besides the start button and `start()`: `tap`, a pointer, touch or key
   * anywhere on the element (a kiosk's screen); `voice`, someone speaking near it (the microphone's
   * level, read on this device only while no session runs: nothing is sent or billed until it
   * starts); `manual` (default), nothing else.
   */
  startOn: 'tap' | 'voice' | 'manual' = 'manual';

  /**
   * Shows a microphone button: `conversational` (a toggle; the avatar detects the turns) or
   * `push-to-talk` (hold the button, or Space while it has focus, to talk). Absent: no button.
   */
  voiceChat: 'conversational' | 'push-to-talk' | undefined;

  /** Silence the avatar's audio. */
  muted = false;

  /**
   * Options the attributes do not cover (voice rate, `keepAlive`, `mediaTimeoutMs`, a provider,
   * transport or clock for tests), applied over them at each start.
   */
  sessionOptions: Partial<AvatarOptions> = {};

  /**
   * The avatar, one object for as long as the element lives: its events span every session, so
   * listeners attach once. The element renders it and forwards intent to it.
   */
  readonly avatar = new Avatar(() => this.#buildOptions());

  private error: StreamingAvatarError | undefined;
  private audioBlocked = false;

  /** The video shown (of two: a renewal plays the next session's media in the other one first). */
  private get video(): HTMLVideoElement {
    return this.#shownVideo ?? this.renderRoot.querySelector('video')!;
  }

  private get canvas(): HTMLCanvasElement | undefined {
    return this.renderRoot.querySelector('canvas') ?? undefined;
  }

  readonly #keyedVideo = new KeyedVideo(this, () => ({ video: this.video, canvas: this.canvas }));
  /** The media the video shows, to notice a new session's. */
  #shownMedia: MediaStream | undefined;
  #shownVideo: HTMLVideoElement | undefined;
  /** The voice chat controls: they show only while a session is live, so they load with its start. */
  #voiceControls: VoiceControls | undefined;
  readonly #loadVoiceControls = lazy(() => import('./voice-controls.js'));
  /** The client of the page's token endpoint, loaded on the first start (or when a start button is pointed at). */
  readonly #loadTokenClient = lazy(() => import('../../src/tokens.js'));
  readonly #tokens = lazyEndpointToken(this.#loadTokenClient);

  constructor() {
    super();
    new AvatarBinding(this, this.avatar);
    new VoiceWake(this, () => this.sessionOptions.microphoneEnvironment);
    // Every start passes through a state change, also one the page makes on `avatar` itself.
    this.avatar.on('stateChanged', () => void this.#voiceControlsReady().catch(() => undefined));
    this.addEventListener('pointerdown', this.#handleUse);
    this.addEventListener('keydown', this.#handleUse);
    // An ended session's picture goes, so the poster shows and the next session's media is played
    // afresh (a renewal's cross-fades from the one still live).
    this.avatar.on('ended', () => {
      this.video.srcObject = null;
    });
  }

  /**
   * The avatar's state (read-only, reflected as the `state` attribute): idle, loading, connecting,
   * connected, reconnecting, closing, closed, failed.
   */
  get state(): AvatarState {
    return this.avatar.state;
  }

  /**
   * The avatar connection's grade while a session has media (read-only, reflected as
   * `connection-quality`): `excellent`, `good`, `poor` (a reconnect may follow), `lost`, `unknown`.
   */
  get connectionQuality(): ConnectionQuality | undefined {
    return liveConnection(this.avatar)?.quality;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.dispatchEvent(new Event(AVATAR_CONNECTED_EVENT, { bubbles: true, composed: true }));
    if (this.autostart && this.state === 'idle') void this.start().catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A failed stop is shown by the session's own events; nothing is left to render it here.
    this.avatar.stop().catch(() => undefined);
  }

  /**
   * Starts a session (a finished one is replaced; a running or reconnecting one is kept).
   * Resolves when the avatar's media is ready.
   * @throws {StreamingAvatarError} why the start failed; it is also shown in the element
   *   (`configuration` when `token-url` is missing).
   */
  async start(): Promise<void> {
    if (!this.tokenUrl && !this.sessionOptions.token) {
      throw this.showError(
        new StreamingAvatarError('configuration', 'Set token-url to your backend’s session token endpoint.'),
      );
    }
    this.error = undefined;
    if (this.tokenUrl) void this.#loadTokenClient().catch(() => undefined);
    try {
      // The controls show once it has loaded; one that failed to load is tried again on their next use.
      await Promise.all([this.avatar.start(), this.#voiceControlsReady().catch(() => undefined)]);
    } catch (error) {
      if (error instanceof StreamingAvatarError && error.code !== 'aborted') throw this.showError(error);
      throw error;
    }
  }

  /**
   * Stops the session in any state, also one still loading; billing stops.
   * @throws {StopFailedError} when the server could not be told to stop; it is also shown.
   */
  async stop(): Promise<void> {
    try {
      await this.avatar.stop();
    } catch (error) {
      if (error instanceof StreamingAvatarError) throw this.showError(error);
      throw error;
    }
  }

  /**
   * Makes the avatar say `text` (any length: `repeat` text is split into ≤1,000-character tasks),
   * or a text that streams in (a model's tokens), sentence by sentence as it arrives.
   * @throws {StreamingAvatarError} `not_started` before the first start.
   */
  speak(text: SpeechText, options: SpeakOptions = {}): Utterance {
    return this.avatar.speak(text, options);
  }

  /**
   * Speaks audio you bring, with `provider="liveavatar"` on a LITE session: 16-bit mono `pcm` at
   * `sampleRate` samples per second. Resolves once spoken.
   * @throws {StreamingAvatarError} `configuration` when the provider speaks only text.
   */
  async speakAudio(pcm: Int16Array | ArrayBuffer, options: { sampleRate: number }): Promise<void> {
    await this.avatar.speakAudio(pcm, options);
  }

  /** Stops the current speech and everything queued. */
  async interrupt(): Promise<void> {
    await this.avatar.interrupt();
  }

  /**
   * The voice conversation's state (read-only, reflected as `conversation-state`): `idle`,
   * `listening`, `user_speaking`, `thinking`, `avatar_speaking`.
   */
  get conversationState(): ConversationState {
    return this.avatar.conversationState;
  }

  /**
   * Starts voice chat (see `Avatar.startVoiceChat`); a failure is also shown.
   * @throws {MicrophoneError} why the microphone could not be opened.
   */
  async startVoiceChat(options: VoiceChatOptions = {}): Promise<void> {
    try {
      await this.avatar.startVoiceChat({ mode: this.voiceChat ?? 'conversational', ...options });
    } catch (error) {
      if (error instanceof StreamingAvatarError) throw this.showError(error);
      throw error;
    }
  }

  /** Stops voice chat and releases the microphone; the session goes on. */
  async stopVoiceChat(): Promise<void> {
    await this.avatar.stopVoiceChat();
  }

  /** Push-to-talk: talk while held (the button, Space, or this from your own control). */
  async startPushToTalk(): Promise<void> {
    await (await this.#voiceControlsReady()).talk(true);
  }

  /** Push-to-talk: the user let go; what they said is their turn. */
  async stopPushToTalk(): Promise<void> {
    await (await this.#voiceControlsReady()).talk(false);
  }

  async #voiceControlsReady(): Promise<VoiceControls> {
    if (this.#voiceControls) return this.#voiceControls;
    const { VoiceControls } = await this.#loadVoiceControls();
    if (!this.#voiceControls) {
      this.#voiceControls = new VoiceControls(this, { html, nothing });
      this.requestUpdate();
    }
    return this.#voiceControls;
  }

  #buildOptions() {
    return {
      token: this.#tokens(this.tokenUrl),
      quality: this.quality,
      baseUrl: this.baseUrl || undefined,
      ...(this.provider === 'liveavatar' ? { provider: this.#liveAvatarProvider() } : {}),
      avatarId: this.avatarId || undefined,
      voice: this.voiceId ? { voice_id: this.voiceId } : undefined,
      language: this.language || undefined,
      knowledgeBaseId: this.knowledgeBaseId || undefined,
      idleTimeoutSeconds: this.idleTimeout || undefined,
      endWhenHiddenSeconds: this.endWhenHidden,
      endAfterInactivitySeconds: this.endAfterInactivity,
      renewBeforeEndSeconds: this.renewBeforeEnd,
      restartWhenVisible: this.restartWhenVisible,
      ...this.sessionOptions,
    };
  }

  /** A tap or key on the element: someone is there (`end-after-inactivity`), and with `start-on="tap"` a start. */
  readonly #handleUse = (event: Event): void => {
    this.avatar.noteActivity();
    const waiting = this.state === 'idle' || this.state === 'closed' || this.state === 'failed';
    // Tabbing past the element is not asking it to start.
    const leaving = event instanceof KeyboardEvent && event.key === 'Tab';
    if (this.startOn === 'tap' && waiting && !leaving) void this.start().catch(() => undefined);
  };

  /** LiveAvatar's provider, loaded with the session machinery on the first start, not with the page. */
  #liveAvatarProvider(): ProviderFactory {
    const baseUrl = this.baseUrl || undefined;
    const factory: ProviderFactory = async (sessionToken) => {
      const { liveAvatar } = await import('../../src/providers/liveavatar.js');
      return liveAvatar({ baseUrl })(sessionToken);
    };
    factory.checkOptions = async (options) => {
      const { refuseServerChosenOptions } = await import('../../src/providers/liveavatar-options.js');
      refuseServerChosenOptions(options);
    };
    return factory;
  }

  /** Shows `error` over the stage and fires `avatar-error`; returns it. @internal */
  showError(error: StreamingAvatarError): StreamingAvatarError {
    this.error = error;
    this.dispatchEvent(new AvatarErrorEvent(error));
    return error;
  }

  protected override updated(changed: PropertyValues): void {
    const media = this.avatar.media;
    const newMedia = media !== this.#shownMedia;
    this.#shownMedia = media;
    if (newMedia && media) void this.#play(media);
    if (changed.has('muted') && this.video) this.video.muted = this.muted || this.audioBlocked;
  }

  async #play(media: MediaStream): Promise<void> {
    const shown = this.video;
    if (shown.srcObject) {
      // A renewed session: cross-fade to it at its first frame, in the other video.
      const next = [...this.renderRoot.querySelectorAll('video')].find((video) => video !== shown)!;
      const { crossFade } = await import('./cross-fade.js');
      await crossFade(shown, next, media);
      this.#shownVideo = next;
      this.requestUpdate();
      return;
    }
    const video = shown;
    video.srcObject = media;
    video.muted = this.muted;
    video.requestVideoFrameCallback?.(() => this.dispatchEvent(new AvatarReadyEvent()));
    try {
      await video.play();
    } catch (error) {
      if ((error as DOMException).name !== 'NotAllowedError') return;
      // Autoplay with sound was blocked: play muted and offer to unmute.
      this.audioBlocked = true;
      video.muted = true;
      await video.play().catch(() => undefined);
    }
  }

  async #handleUnmute(): Promise<void> {
    this.audioBlocked = false;
    this.video.muted = this.muted;
    await Promise.all([this.video.play().catch(() => undefined), this.avatar.startAudio()]);
  }

  /** A pointer over, or focus on, a start button: the code a start needs loads before the click. */
  #handleIntent(): void {
    void this.avatar.preload();
    if (this.tokenUrl) void this.#loadTokenClient().catch(() => undefined);
  }

  #handleStart(): void {
    void this.start().catch(() => undefined);
  }

  /** A button that starts the avatar, and loads what a start needs as soon as it is pointed at or focused. */
  #renderStartButton(part: 'start' | 'retry', label: string) {
    return html`<button part=${part} @click=${this.#handleStart} @pointerenter=${this.#handleIntent} @focus=${this.#handleIntent}>${label}</button>`;
  }

  #renderOverlay() {
    if (this.state === 'loading') {
      return html`<div part="overlay" role="status">
        <div part="progress" aria-hidden="true"></div>
        <div part="phase">${this.term('loading')}</div>
      </div>`;
    }
    if (this.state === 'connecting') {
      return html`<div part="overlay" role="status">
        <div part="progress" aria-hidden="true"></div>
        <div part="phase">${this.avatar.phase ? this.term('phase', this.avatar.phase) : this.term('connecting')}</div>
      </div>`;
    }
    if (this.error || this.state === 'failed') {
      return html`<div part="overlay" role="alert">
        <div part="error-message">${this.term('error', this.error)}</div>
        ${this.#renderStartButton('retry', this.term('retry'))}
      </div>`;
    }
    if (this.state === 'closed') {
      return html`<div part="overlay" role="status">
        <div part="end-reason">${this.term('ended', this.avatar.end?.reason ?? 'user')}</div>
        ${this.#renderStartButton('start', this.term('startAgain'))}
      </div>`;
    }
    if (this.state === 'idle') {
      return html`<div part="overlay">
        ${this.#renderStartButton('start', this.term('start'))}
      </div>`;
    }
    return nothing;
  }

  #renderConnection(connection: ConnectionStats) {
    const { framesPerSecond: fps, packetLossFraction: loss } = connection;
    const quality = this.term('connectionQuality', connection.quality);
    const details =
      fps === undefined || loss === undefined
        ? this.term('connectionDetails', quality)
        : this.term('connectionDetails', quality, fps, loss * 100);
    return html`<span part="connection-quality" title=${details}>${quality}</span>`;
  }

  override render() {
    const keyedVideo = this.background === 'chroma-key';
    const live = isLive(this.avatar);
    const connection = liveConnection(this.avatar);
    return html`
      <div part="stage">
        ${live ? nothing : html`<slot name="poster"></slot>`}
        ${[0, 1].map(() => html`<video part="video" class=${keyedVideo ? 'keyed' : ''} playsinline autoplay ?muted=${this.muted}></video>`)}
        ${keyedVideo ? keyed(this.#keyedVideo.canvasGeneration, html`<canvas part="canvas" aria-hidden="true"></canvas>`) : nothing}
      </div>
      ${this.#renderOverlay()}
      ${connection && connection.quality !== 'unknown' ? this.#renderConnection(connection) : nothing}
      ${live && this.voiceChat ? this.#voiceControls?.render() : nothing}
      ${
        this.audioBlocked && live
          ? html`<button part="unmute" @click=${this.#handleUnmute}><span aria-hidden="true">🔊</span> ${this.term('unmute')}</button>`
          : nothing
      }
    `;
  }
}

customElements.define('streaming-avatar', StreamingAvatarElement);

declare global {
  interface HTMLElementTagNameMap {
    'streaming-avatar': StreamingAvatarElement;
  }
}
