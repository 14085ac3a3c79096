import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { AbortError, StreamingAvatarError } from '../../src/errors.js';
import type {
  AvatarSession,
  AvatarSessionOptions,
  ConnectPhase,
  EndReason,
  Quality,
  SessionState,
  SpeakOptions,
  Utterance,
} from '../../src/index.js';
import {
  AvatarEndedEvent,
  AvatarErrorEvent,
  AvatarExpiringEvent,
  AvatarReadyEvent,
  AvatarSpeakingEndEvent,
  AvatarSpeakingStartEvent,
  AvatarStateChangeEvent,
  AvatarTalkingMessageEvent,
  AvatarUtteranceEndedEvent,
  AvatarUtteranceInterruptedEvent,
} from '../events.js';
import { ChromaKeyRenderer, type Rgb } from './chroma-key.js';
import { styles } from './streaming-avatar.styles.js';

const PHASE_LABELS: Record<ConnectPhase, string> = {
  token: 'Getting a session token…',
  new: 'Creating the session…',
  start: 'Starting the avatar…',
  room: 'Joining the room…',
  media: 'Waiting for video…',
};

const END_LABELS: Record<EndReason, string> = {
  user: 'The session has ended.',
  idle_timeout: 'The session ended after a period of inactivity.',
  duration_limit: 'The session reached its time limit.',
  budget_exhausted: 'The session used up its credit budget.',
  server_closed: 'The service closed the session.',
  network_lost: 'The connection was lost.',
  error: 'The session failed.',
};

/**
 * A live, talking HeyGen streaming avatar.
 *
 * @summary Renders the avatar's WebRTC stream and drives its session: start, speak, interrupt, stop.
 *
 * @slot poster - Shown while no session runs (an image of the avatar, say).
 *
 * @csspart stage - The area the video or keyed canvas fills.
 * @csspart video - The `<video playsinline>` element.
 * @csspart canvas - The transparent canvas when `background="chroma-key"`.
 * @csspart overlay - Progress, error and end messages over the stage.
 * @csspart progress - The spinner while connecting.
 * @csspart phase - The label naming the connect step.
 * @csspart error-message - The readable error on failure.
 * @csspart retry - The retry button on failure.
 * @csspart start - The start button when idle or ended.
 * @csspart unmute - The "tap to unmute" button when the browser blocks audio.
 *
 * @cssproperty --avatar-background - Backdrop behind the video (default #111; transparent with chroma key).
 * @cssproperty --avatar-accent - Buttons and spinner colour.
 * @cssproperty --avatar-overlay-background - Veil behind overlay messages.
 * @cssproperty --avatar-overlay-color - Overlay text colour.
 * @cssproperty --avatar-radius - Corner radius.
 * @cssproperty --avatar-focus-ring - Keyboard focus outline colour.
 * @cssproperty --avatar-font - Font of the overlay.
 *
 * @fires avatar-state-change - {@link AvatarStateChangeEvent}
 * @fires avatar-ready - {@link AvatarReadyEvent} when the first frame is shown
 * @fires avatar-speaking-start - {@link AvatarSpeakingStartEvent}
 * @fires avatar-speaking-end - {@link AvatarSpeakingEndEvent}
 * @fires avatar-talking-message - {@link AvatarTalkingMessageEvent} (caption text)
 * @fires avatar-utterance-ended - {@link AvatarUtteranceEndedEvent}
 * @fires avatar-utterance-interrupted - {@link AvatarUtteranceInterruptedEvent}
 * @fires avatar-expiring - {@link AvatarExpiringEvent} (seconds left)
 * @fires avatar-ended - {@link AvatarEndedEvent} (the end reason)
 * @fires avatar-error - {@link AvatarErrorEvent} (the typed error)
 */
@customElement('streaming-avatar')
export class StreamingAvatarElement extends LitElement {
  static override styles = styles;

  /** The page's backend endpoint that answers POST with `{"token": "..."}`. */
  @property({ attribute: 'token-url' }) tokenUrl = '';

  /** Streaming API base URL; defaults to HeyGen's (point it at the emulator in development). */
  @property({ attribute: 'api-base' }) apiBase: string | undefined;

  /** The avatar to stream (see `listAvatars()`). */
  @property({ attribute: 'avatar-id' }) avatarId: string | undefined;

  /** The voice to speak with; default: the avatar's own. */
  @property({ attribute: 'voice-id' }) voiceId: string | undefined;

  /** Video quality: `low` 360p, `medium` 480p, `high` 720p (contract doc). */
  @property() quality: Quality = 'low';

  /** Language code, e.g. `en`. */
  @property() language: string | undefined;

  /** Knowledge base for `talk` tasks. */
  @property({ attribute: 'knowledge-base-id' }) knowledgeBaseId: string | undefined;

  /** Idle timeout in seconds, 30–3600 (default 120, contract doc). */
  @property({ attribute: 'idle-timeout', type: Number }) idleTimeout: number | undefined;

  /** Start a session as soon as the element is connected. */
  @property({ type: Boolean }) autostart = false;

  /** How the video fills the element: `contain` (default) or `cover`. */
  @property({ reflect: true }) fit: 'contain' | 'cover' = 'contain';

  /** `chroma-key` removes the avatar's solid backdrop so the page shows through. */
  @property({ reflect: true }) background: 'none' | 'chroma-key' = 'none';

  /** The backdrop colour to remove, as `#rrggbb`; default: sampled from the frame's border. */
  @property({ attribute: 'key-color' }) keyColor: string | undefined;

  /** Silence the avatar's audio. */
  @property({ type: Boolean, reflect: true }) muted = false;

  /** The session's state (read-only, reflected): idle, connecting, connected, reconnecting, closing, closed, failed. */
  @property({ reflect: true }) state: SessionState = 'idle';

  /**
   * Builds the session (default: `new AvatarSession(options)`); set it to inject a provider,
   * transport or clock (tests, custom backends).
   */
  @property({ attribute: false }) createSession:
    | ((options: AvatarSessionOptions) => AvatarSession)
    | undefined;

  /** Session options the attributes do not cover (voice rate, `keepAlive`, `mediaTimeoutMs`, …), applied over them. */
  @property({ attribute: false }) sessionOptions: Partial<AvatarSessionOptions> = {};

  /** The core session object, for everything the attributes do not cover. */
  session: AvatarSession | undefined;

  @state() private phase: ConnectPhase | undefined;
  @state() private error: StreamingAvatarError | undefined;
  @state() private endReason: EndReason | undefined;
  @state() private audioBlocked = false;
  @state() private media: MediaStream | undefined;
  @state() private loading = false;

  private pendingStart: Promise<void> | undefined;
  private stopRequested = false;

  @query('video') private video!: HTMLVideoElement;
  @query('canvas') private canvas: HTMLCanvasElement | undefined;

  private chromaKey: ChromaKeyRenderer | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autostart && this.state === 'idle') void this.start().catch(() => undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.stop();
  }

  /**
   * Starts a new session (a finished one is replaced). Resolves when the avatar's media is ready.
   * @throws {StreamingAvatarError} why the start failed; it is also shown in the element.
   */
  start(): Promise<void> {
    if (this.session && (this.session.state === 'connecting' || this.session.state === 'connected')) {
      return this.session.start();
    }
    // One start at a time, also while the session machinery is still loading.
    this.pendingStart ??= this.startSession().finally(() => {
      this.pendingStart = undefined;
    });
    return this.pendingStart;
  }

  /** Stops the session in any state, also one still loading; billing stops. */
  async stop(): Promise<void> {
    if (this.loading) this.stopRequested = true;
    await this.session?.stop();
  }

  private async startSession(): Promise<void> {
    if (!this.tokenUrl) {
      throw this.fail(
        new StreamingAvatarError('authentication', 'Set token-url to your backend’s session token endpoint.'),
      );
    }
    this.stopRequested = false;
    this.loading = true;
    // The session machinery (API client, schemas, queue) loads on the first start, not with the page.
    const core = await import('../../src/index.js').finally(() => {
      this.loading = false;
    });
    if (this.stopRequested) throw new AbortError('The avatar was stopped before it started.');
    const options = this.buildOptions(core.fromEndpoint(this.tokenUrl));
    const session = this.createSession ? this.createSession(options) : new core.AvatarSession(options);
    this.bind(session);
    try {
      await session.start();
    } catch (error) {
      if (error instanceof StreamingAvatarError && error.code !== 'aborted') throw this.fail(error);
      throw error;
    }
  }

  /**
   * Makes the avatar say `text` (any length: `repeat` text is split into ≤1,000-character tasks).
   * @throws {StreamingAvatarError} `session_state` when no session was started.
   */
  speak(text: string, options: SpeakOptions = {}): Utterance {
    if (!this.session || this.session.state === 'closed' || this.session.state === 'failed') {
      throw new StreamingAvatarError('session_state', 'Start the avatar before asking it to speak.');
    }
    return this.session.speak(text, options);
  }

  /** Stops the current speech and everything queued. */
  async interrupt(): Promise<void> {
    await this.session?.interrupt();
  }

  private buildOptions(token: AvatarSessionOptions['token']): AvatarSessionOptions {
    return {
      token,
      quality: this.quality,
      ...(this.apiBase ? { apiBaseUrl: this.apiBase } : {}),
      ...(this.avatarId ? { avatarId: this.avatarId } : {}),
      ...(this.voiceId ? { voice: { voice_id: this.voiceId } } : {}),
      ...(this.language ? { language: this.language } : {}),
      ...(this.knowledgeBaseId ? { knowledgeBaseId: this.knowledgeBaseId } : {}),
      ...(this.idleTimeout ? { idleTimeoutSeconds: this.idleTimeout } : {}),
      ...this.sessionOptions,
    };
  }

  private bind(session: AvatarSession): void {
    this.session = session;
    this.error = undefined;
    this.endReason = undefined;
    this.media = undefined;
    session.on('stateChanged', (next, previous) => {
      if (this.session !== session) return;
      this.state = next;
      this.dispatchEvent(new AvatarStateChangeEvent(next, previous));
    });
    session.on('phase', (phase) => {
      this.phase = phase;
    });
    session.on('ready', (media) => {
      this.media = media;
    });
    session.on('utteranceStarted', (utterance, taskId) =>
      this.dispatchEvent(new AvatarSpeakingStartEvent(utterance.id, taskId)),
    );
    session.on('avatarEvent', (event) => {
      if (event.type === 'avatar_talking_message') {
        this.dispatchEvent(new AvatarTalkingMessageEvent(event.message, event.task_id));
      }
    });
    session.on('utteranceEnded', (utterance) => {
      this.dispatchEvent(new AvatarSpeakingEndEvent(utterance.id, false));
      this.dispatchEvent(new AvatarUtteranceEndedEvent(utterance.id));
    });
    const cut = (utterance: Utterance) => {
      if (utterance.status === 'interrupted' || utterance.status === 'cancelled') {
        this.dispatchEvent(new AvatarSpeakingEndEvent(utterance.id, true));
        this.dispatchEvent(new AvatarUtteranceInterruptedEvent(utterance.id));
      }
    };
    session.on('utteranceInterrupted', cut);
    session.on('utteranceCancelled', cut);
    session.on('expiring', ({ seconds, reason }) =>
      this.dispatchEvent(new AvatarExpiringEvent(seconds, reason)),
    );
    session.on('ended', ({ reason, error }) => {
      if (this.session !== session) return;
      this.endReason = reason;
      this.chromaKey?.stop();
      this.dispatchEvent(new AvatarEndedEvent(reason, error));
    });
  }

  private fail(error: StreamingAvatarError): StreamingAvatarError {
    this.error = error;
    this.dispatchEvent(new AvatarErrorEvent(error));
    return error;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('media') && this.media) void this.play(this.media);
    if (changed.has('muted') && this.video) this.video.muted = this.muted || this.audioBlocked;
    if (changed.has('background') || changed.has('media') || changed.has('keyColor')) this.updateChromaKey();
  }

  private async play(media: MediaStream): Promise<void> {
    const video = this.video;
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

  private async handleUnmute(): Promise<void> {
    this.audioBlocked = false;
    this.video.muted = this.muted;
    await Promise.all([this.video.play().catch(() => undefined), this.session?.startAudio()]);
  }

  private updateChromaKey(): void {
    const wanted = this.background === 'chroma-key' && this.media !== undefined;
    if (!wanted) {
      this.chromaKey?.stop();
      this.chromaKey = undefined;
      return;
    }
    if (!this.canvas) return;
    this.chromaKey ??= new ChromaKeyRenderer(this.video, this.canvas);
    this.chromaKey.setKeyColor(parseHexColor(this.keyColor));
    this.chromaKey.start();
  }

  private handleStart(): void {
    void this.start().catch(() => undefined);
  }

  private renderOverlay() {
    if (this.loading) {
      return html`<div part="overlay" role="status">
        <div part="progress" aria-hidden="true"></div>
        <div part="phase">Loading…</div>
      </div>`;
    }
    if (this.state === 'connecting') {
      return html`<div part="overlay" role="status">
        <div part="progress" aria-hidden="true"></div>
        <div part="phase">${this.phase ? PHASE_LABELS[this.phase] : 'Connecting…'}</div>
      </div>`;
    }
    if (this.error || this.state === 'failed') {
      return html`<div part="overlay" role="alert">
        <div part="error-message">${this.error?.message ?? 'The session failed.'}</div>
        <button part="retry" @click=${this.handleStart}>Retry</button>
      </div>`;
    }
    if (this.state === 'closed') {
      return html`<div part="overlay" role="status">
        <div part="end-reason">${END_LABELS[this.endReason ?? 'user']}</div>
        <button part="start" @click=${this.handleStart}>Start again</button>
      </div>`;
    }
    if (this.state === 'idle') {
      return html`<div part="overlay">
        <button part="start" @click=${this.handleStart}>Start avatar</button>
      </div>`;
    }
    return nothing;
  }

  override render() {
    const keyed = this.background === 'chroma-key';
    const live = this.state === 'connected' || this.state === 'reconnecting';
    return html`
      <div part="stage">
        ${live ? nothing : html`<slot name="poster"></slot>`}
        <video part="video" class=${keyed ? 'keyed' : ''} playsinline autoplay ?muted=${this.muted}></video>
        ${keyed ? html`<canvas part="canvas" aria-hidden="true"></canvas>` : nothing}
      </div>
      ${this.renderOverlay()}
      ${
        this.audioBlocked && live
          ? html`<button part="unmute" @click=${this.handleUnmute}><span aria-hidden="true">🔊</span> Tap to unmute</button>`
          : nothing
      }
    `;
  }
}

function parseHexColor(value: string | undefined): Rgb | undefined {
  const match = value?.trim().match(/^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
  if (!match) return undefined;
  return [Number.parseInt(match[1]!, 16), Number.parseInt(match[2]!, 16), Number.parseInt(match[3]!, 16)];
}

declare global {
  interface HTMLElementTagNameMap {
    'streaming-avatar': StreamingAvatarElement;
  }
}
