/**
 * Voice chat on a connected session: the user's microphone published in the avatar's own room
 * (never a second connection), conversational or push-to-talk, the avatar's listening pose, and
 * the conversation fed from the voice-chat socket and the data channel. Owned by the session;
 * the session stopping always releases the microphone.
 */

import type { StreamingProvider } from '../provider.js';
import type { AvatarEvent } from '../session/avatar-events.js';
import type { AvatarTransport } from '../session/transport.js';
import type { Conversation } from './conversation.js';
import { type MicrophoneEnvironment, openMicrophone } from './microphone.js';

/** How the user talks: hands-free (the avatar detects the turns) or holding a key. */
export type VoiceChatMode = 'conversational' | 'push-to-talk';

/** Options of `startVoiceChat`. */
export interface VoiceChatOptions {
  /** A microphone from `navigator.mediaDevices.enumerateDevices()`; default the system's. */
  deviceId?: string | undefined;
  /** Default `conversational`. */
  mode?: VoiceChatMode | undefined;
  /** Start muted (default false); `unmute()` opens it. */
  muted?: boolean | undefined;
  /**
   * Not supported: a voice turn is answered by the provider's model, never from the page, and
   * `startVoiceChat()` refuses `respond` with a `configuration` error rather than let two answers
   * speak. HeyGen's voice chat always answers with HeyGen's own model (the Streaming API has no way
   * for a page to own the turn). For your own model, use LiveAvatar FULL with an LLM configuration
   * (the token handler's `session.llm.configurationId`) pointing at `createChatCompletionsHandler`;
   * without voice chat, `speak()` your model's streamed answer.
   */
  respond?: never;
}

/** Why the microphone changed on its own. */
export interface MicrophoneChange {
  /** The device now in use (undefined: the system's default). */
  deviceId: string | undefined;
  reason: 'device_lost';
}

/** Calls `onLoud` once the audio of `media` gets loud (the answer's first energy); returns a canceller. */
export type AudioEnergyWatcher = (media: MediaStream, onLoud: () => void) => () => void;

/** What voice chat needs from its session. */
export interface VoiceChatParts {
  sessionId: string;
  provider: StreamingProvider;
  transport: AvatarTransport;
  conversation: Conversation;
  media: MediaStream | undefined;
  environment: MicrophoneEnvironment;
  watchEnergy: AudioEnergyWatcher | undefined;
  /** The microphone was replaced because the one in use went away. */
  onMicrophoneChanged: (change: MicrophoneChange) => void;
  log: (message: string) => void;
}

export class VoiceChat {
  #track: MediaStreamTrack | undefined;
  #closeSocket: (() => void) | undefined;
  #stopWatching: (() => void) | undefined;
  #muted = false;
  #talking = false;
  #active = false;

  constructor(
    private readonly parts: VoiceChatParts,
    readonly mode: VoiceChatMode,
  ) {}

  /** The microphone track in use (to show its level, say). */
  get microphone(): MediaStreamTrack | undefined {
    return this.#track;
  }

  /** Whether the microphone is muted. */
  get muted(): boolean {
    return this.#muted;
  }

  /**
   * Opens the microphone (or sends `track`, one already open), publishes it and starts listening.
   * @throws {MicrophoneError}
   */
  async start(options: VoiceChatOptions, track?: MediaStreamTrack): Promise<void> {
    const { parts } = this;
    this.#muted = options.muted === true;
    await this.#publish(track ?? (await openMicrophone(parts.environment, options.deviceId)));
    this.#active = true;
    this.#closeSocket = parts.provider.openVoiceEvents(parts.sessionId, (eventType) =>
      this.handleVoiceEvent(eventType),
    );
    await parts.provider.setListening(parts.sessionId, true).catch((error: unknown) => {
      parts.log(`voice chat: the listening pose failed: ${String(error)}`);
    });
    parts.conversation.begin();
  }

  /**
   * Releases the microphone (the browser's recording indicator goes off); the session goes on.
   * @param endConversation False when voice chat goes on in another session's room.
   */
  async stop(endConversation = true): Promise<void> {
    if (!this.#active && !this.#track) return;
    this.#active = false;
    this.#closeSocket?.();
    this.#stopWatching?.();
    this.#track?.removeEventListener('ended', this.#handleTrackEnded);
    this.#track = undefined;
    await this.parts.transport.unpublishMicrophone();
    if (endConversation) this.parts.conversation.end();
    await this.parts.provider.setListening(this.parts.sessionId, false).catch(() => undefined);
  }

  async setMuted(muted: boolean): Promise<void> {
    this.#muted = muted;
    await this.#applyMute();
  }

  /** Switches to another microphone without leaving voice chat. @throws {MicrophoneError} */
  async setMicrophone(deviceId: string | undefined): Promise<void> {
    await this.#publish(await openMicrophone(this.parts.environment, deviceId));
  }

  /** Push-to-talk: the key went down. Tells the provider and opens the microphone. */
  async startTalking(): Promise<void> {
    if (this.mode !== 'push-to-talk' || this.#talking || !this.#active) return;
    this.#talking = true;
    await this.#applyMute();
    await this.parts.provider.setPushToTalk(this.parts.sessionId, true);
    this.parts.conversation.userStarted();
  }

  /** Push-to-talk: the key came up. Closes the microphone at once, then tells the provider. */
  async stopTalking(): Promise<void> {
    if (this.mode !== 'push-to-talk' || !this.#talking) return;
    this.#talking = false;
    await this.#applyMute();
    await this.parts.provider.setPushToTalk(this.parts.sessionId, false);
    this.parts.conversation.userStopped();
  }

  /**
   * Feeds the avatar's data-channel events into the conversation; `continuesUtterance` when the
   * event's task is a later piece of an utterance already begun (its speech joins the same turn).
   */
  handleAvatarEvent(event: AvatarEvent, continuesUtterance = false): void {
    const { conversation } = this.parts;
    switch (event.type) {
      case 'user_talking_message':
        conversation.userWords(event.message);
        return;
      case 'user_end_message':
        conversation.userFinished(event.message);
        return;
      case 'avatar_start_talking': {
        conversation.avatarStarted(continuesUtterance);
        this.#stopWatching?.();
        const media = this.parts.media;
        if (media && this.parts.watchEnergy) {
          this.#stopWatching = this.parts.watchEnergy(media, () => conversation.avatarAudible());
        }
        return;
      }
      case 'avatar_talking_message':
        conversation.avatarWords(event.message);
        return;
      case 'avatar_stop_talking':
        this.#stopWatching?.();
        conversation.avatarStopped();
        return;
      default:
        return;
    }
  }

  /** A voice-chat turn event (`user_start`, `user_stop`), from the provider's socket or the room. */
  handleVoiceEvent(eventType: string): void {
    if (eventType === 'user_start') this.parts.conversation.userStarted();
    else if (eventType === 'user_stop') this.parts.conversation.userStopped();
  }

  async #publish(track: MediaStreamTrack): Promise<void> {
    this.#track?.removeEventListener('ended', this.#handleTrackEnded);
    this.#track = track;
    track.addEventListener('ended', this.#handleTrackEnded);
    await this.parts.transport.publishMicrophone(track);
    await this.#applyMute();
  }

  async #applyMute(): Promise<void> {
    const silent = this.#muted || (this.mode === 'push-to-talk' && !this.#talking);
    await this.parts.transport.setMicrophoneMuted(silent);
  }

  /** The device went away (unplugged): fall back to the system's default microphone. */
  readonly #handleTrackEnded = (): void => {
    if (!this.#active) return;
    openMicrophone(this.parts.environment)
      .then((track) => this.#publish(track))
      .then(() => this.parts.onMicrophoneChanged({ deviceId: undefined, reason: 'device_lost' }))
      .catch((error: unknown) =>
        this.parts.log(`voice chat: no microphone to fall back to: ${String(error)}`),
      );
  };
}
