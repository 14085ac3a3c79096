/**
 * The voice chat controls of `<streaming-avatar>`: the microphone button (a toggle, or hold to
 * talk), the live input level and the microphone picker. A Lit reactive controller of the element.
 */
import type { html, nothing, ReactiveController, ReactiveControllerHost } from 'lit';
import type { Avatar } from '../../src/avatar.js';
import { StreamingAvatarError } from '../../src/errors.js';
import { readAudioLevel } from '../../src/voice/audio-level.js';
import type { VoiceChatMode, VoiceChatOptions } from '../../src/voice/voice-chat.js';
import type { LocalizedElement } from '../localize/localized-element.js';

/** What the controls need from their element. */
export interface VoiceControlsHost extends ReactiveControllerHost, Pick<LocalizedElement, 'term'> {
  readonly avatar: Avatar;
  /** The button's mode; no controls when undefined. */
  readonly voiceChat: VoiceChatMode | undefined;
  startVoiceChat(options?: VoiceChatOptions): Promise<void>;
  stopVoiceChat(): Promise<void>;
  /** Shows an error in the element. */
  showError(error: StreamingAvatarError): void;
}

/**
 * lit's template functions, handed over by the element rather than imported: this module loads
 * with the first start, and a lazily loaded module importing lit makes esbuild move lit out of
 * the page's first file into a shared chunk of its own (about 400 B gzipped more before start).
 */
export interface LitTemplates {
  html: typeof html;
  nothing: typeof nothing;
}

/** The microphone button, level and picker; follows the avatar's voice chat. */
export class VoiceControls implements ReactiveController {
  /** Whether the talk key is held (push-to-talk). */
  #talking = false;
  #inputLevel = 0;
  #microphones: MediaDeviceInfo[] = [];
  /** Stops reading the microphone's level. */
  #stopLevel: (() => void) | undefined;

  readonly #avatar: Avatar;

  constructor(
    private readonly host: VoiceControlsHost,
    private readonly lit: LitTemplates,
  ) {
    host.addController(this);
    const avatar = host.avatar;
    this.#avatar = avatar;
    avatar.on('conversationStateChanged', (next, previous) => {
      if (previous === 'idle') this.#followMicrophone();
      if (next === 'idle') this.#unfollowMicrophone();
    });
    avatar.on('microphoneChanged', () => this.#followMicrophone());
    avatar.on('stateChanged', (state) => {
      if (state === 'closed' || state === 'failed') this.#setTalking(false);
    });
    // Loaded with a start: voice chat may already be on (a slow network, a renewal).
    if (avatar.conversationState !== 'idle') this.#followMicrophone();
  }

  hostDisconnected(): void {
    this.#unfollowMicrophone();
  }

  /** Push-to-talk: the talk key went down (`true`) or came up; the avatar is told. */
  async talk(down: boolean): Promise<void> {
    this.#setTalking(down);
    await (down ? this.#avatar.startPushToTalk() : this.#avatar.stopPushToTalk());
  }

  render() {
    const { html, nothing } = this.lit;
    const active = this.#avatar.conversationState !== 'idle';
    return html`<div part="voice-controls">
      ${this.#renderMicrophone()}
      ${active ? this.#renderLevel() : nothing}
      ${active && this.#microphones.length > 1 ? this.#renderPicker() : nothing}
    </div>`;
  }

  #setTalking(talking: boolean): void {
    this.#talking = talking;
    this.host.requestUpdate();
  }

  #renderLevel() {
    const { html } = this.lit;
    return html`<meter part="input-level" min="0" max="1" .value=${this.#inputLevel} aria-label=${this.host.term('microphoneLevel')}></meter>`;
  }

  #renderPicker() {
    const { html } = this.lit;
    const host = this.host;
    const current = this.#avatar.microphone?.getSettings().deviceId;
    return html`<select part="microphone-picker" aria-label=${host.term('microphone')} @change=${this.#handlePick}>
      ${this.#microphones.map(
        (device, index) =>
          html`<option value=${device.deviceId} ?selected=${device.deviceId === current}>
            ${device.label || host.term('unnamedMicrophone', index + 1)}
          </option>`,
      )}
    </select>`;
  }

  #renderMicrophone() {
    const { html } = this.lit;
    const host = this.host;
    if (host.voiceChat === 'push-to-talk') {
      return html`<button
        part="microphone"
        aria-pressed=${this.#talking ? 'true' : 'false'}
        @pointerdown=${this.#handleTalkDown}
        @pointerup=${this.#handleTalkUp}
        @pointerleave=${this.#handleTalkUp}
        @keydown=${this.#handleTalkDown}
        @keyup=${this.#handleTalkUp}
      >
        <span aria-hidden="true">🎙</span> ${this.#talking ? host.term('talking') : host.term('holdToTalk')}
      </button>`;
    }
    const on = this.#avatar.conversationState !== 'idle';
    return html`<button part="microphone" aria-pressed=${on ? 'true' : 'false'} @click=${this.#handleToggle}>
      <span aria-hidden="true">🎙</span> ${on ? host.term('stopTalking') : host.term('talk')}
    </button>`;
  }

  readonly #handleToggle = (): void => {
    const host = this.host;
    (this.#avatar.conversationState === 'idle' ? host.startVoiceChat() : host.stopVoiceChat()).catch(
      () => undefined,
    );
  };

  readonly #handleTalkDown = (event: Event): void => {
    if (event instanceof KeyboardEvent && (event.key !== ' ' || event.repeat)) return;
    event.preventDefault();
    const host = this.host;
    const talk = () => this.talk(true);
    (this.#avatar.conversationState === 'idle'
      ? host.startVoiceChat({ mode: 'push-to-talk' }).then(talk)
      : talk()
    ).catch(() => undefined);
  };

  readonly #handleTalkUp = (event: Event): void => {
    if (event instanceof KeyboardEvent && event.key !== ' ') return;
    if (!this.#talking) return;
    event.preventDefault();
    this.talk(false).catch(() => undefined);
  };

  readonly #handlePick = (event: Event): void => {
    const deviceId = (event.target as HTMLSelectElement).value;
    this.#avatar.setMicrophone(deviceId || undefined).catch((error: unknown) => {
      if (error instanceof StreamingAvatarError) this.host.showError(error);
    });
  };

  /** Shows the level of the microphone voice chat sends, and lists the microphones to pick from. */
  #followMicrophone(): void {
    this.#unfollowMicrophone();
    const track = this.#avatar.microphone;
    if (!track) return;
    // Read ten times a second; speech sits around 0.05–0.3 RMS, scaled so a voice fills most of the meter.
    this.#stopLevel = readAudioLevel([track], 100, (rms) => {
      this.#inputLevel = Math.min(1, rms * 4);
      this.host.requestUpdate();
    });
    void globalThis.navigator?.mediaDevices
      ?.enumerateDevices()
      .then((devices) => {
        this.#microphones = devices.filter((device) => device.kind === 'audioinput');
        this.host.requestUpdate();
      })
      .catch(() => undefined);
  }

  #unfollowMicrophone(): void {
    this.#stopLevel?.();
    this.#stopLevel = undefined;
    this.#inputLevel = 0;
  }
}
