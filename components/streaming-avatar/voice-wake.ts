/**
 * `start-on="voice"` for `<streaming-avatar>`: while no session runs, the microphone's level is
 * read on this device only — nothing is sent anywhere and nothing is billed — and a session
 * starts once someone speaks. A Lit reactive controller of the element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { StreamingAvatarError } from '../../src/errors.js';
import { lazy } from '../../src/internal/lazy.js';
import type { AvatarState } from '../../src/vocabulary.js';
import { readAudioLevel } from '../../src/voice/audio-level.js';
import type { MicrophoneEnvironment } from '../../src/voice/microphone.js';

/** The microphone's code, loaded by the first element that listens (not with the page). */
const microphoneModule = lazy(() => import('../../src/voice/microphone.js'));

/** The microphone's level (RMS, 0–1; a voice sits around 0.05–0.3) that counts as speech. */
const SPEECH_RMS = 0.05;
/** How long the level must stay there, in milliseconds: a voice, not a door slamming. */
const SPEECH_MS = 300;

/** What the controller needs from its element. */
export interface VoiceWakeHost extends ReactiveControllerHost {
  readonly state: AvatarState;
  readonly startOn: string;
  readonly isConnected: boolean;
  start(): Promise<void>;
  showError(error: StreamingAvatarError): void;
}

/** Listens while the element waits for a visitor, and starts its session on a voice. */
export class VoiceWake implements ReactiveController {
  #track: MediaStreamTrack | undefined;
  /** Stops reading the microphone's level. */
  #stopLevel: (() => void) | undefined;
  #opening = false;
  /** The microphone was refused once: asking again on every render would nag the user. */
  #refused = false;

  /** @param microphoneEnvironment Where the microphone comes from (the session options', for tests). */
  constructor(
    private readonly host: VoiceWakeHost,
    private readonly microphoneEnvironment: () => MicrophoneEnvironment | undefined,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    if (this.#wanted()) {
      if (!this.#track && !this.#opening && !this.#refused) void this.#listen();
    } else {
      this.#release();
    }
  }

  hostDisconnected(): void {
    this.#release();
  }

  #wanted(): boolean {
    const { state } = this.host;
    return (
      this.host.startOn === 'voice' &&
      this.host.isConnected &&
      (state === 'idle' || state === 'closed' || state === 'failed')
    );
  }

  async #listen(): Promise<void> {
    this.#opening = true;
    let track: MediaStreamTrack;
    try {
      const { openMicrophone, pageMicrophoneEnvironment } = await microphoneModule();
      track = await openMicrophone(this.microphoneEnvironment() ?? pageMicrophoneEnvironment());
    } catch (error) {
      this.#refused = true;
      if (error instanceof StreamingAvatarError) this.host.showError(error);
      return;
    } finally {
      this.#opening = false;
    }
    if (!this.#wanted()) {
      track.stop();
      return;
    }
    this.#track = track;
    let loudSince: number | undefined;
    this.#stopLevel = readAudioLevel([track], 100, (rms) => {
      if (rms < SPEECH_RMS) {
        loudSince = undefined;
        return;
      }
      loudSince ??= performance.now();
      if (performance.now() - loudSince < SPEECH_MS) return;
      this.#release();
      // A failed start is shown by the element itself.
      this.host.start().catch(() => undefined);
    });
  }

  #release(): void {
    this.#stopLevel?.();
    this.#track?.stop();
    this.#stopLevel = undefined;
    this.#track = undefined;
  }
}
