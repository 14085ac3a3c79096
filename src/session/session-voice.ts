/**
 * Voice chat on one session: the microphone, push-to-talk, and the conversation and transcript it
 * feeds. The session gives it the room once connected.
 */
import { StreamingAvatarError } from '../errors.js';
import type { EventSink } from '../internal/events.js';
import type { StreamingProvider } from '../provider.js';
import { watchAudioEnergy } from '../voice/audio-energy.js';
import type {
  Conversation,
  ConversationEvents,
  ConversationState,
  TranscriptTurn,
} from '../voice/conversation.js';
import { type MicrophoneEnvironment, pageMicrophoneEnvironment } from '../voice/microphone.js';
import {
  type AudioEnergyWatcher,
  type MicrophoneChange,
  VoiceChat,
  type VoiceChatOptions,
} from '../voice/voice-chat.js';
import type { AvatarEvent } from './avatar-events.js';
import type { AvatarTransport } from './transport.js';

/** A connected session: its id, provider, room and the avatar's media. */
export interface SessionRoom {
  sessionId: string;
  provider: StreamingProvider;
  transport: AvatarTransport;
  media: MediaStream | undefined;
}

/** The events voice chat emits. */
export interface SessionVoiceEvents extends ConversationEvents {
  microphoneChanged: (change: MicrophoneChange) => void;
}

/** Where voice chat gets its microphone and hears the avatar. */
export interface SessionVoiceOptions {
  microphoneEnvironment?: MicrophoneEnvironment | undefined;
  watchAudioEnergy?: AudioEnergyWatcher | undefined;
  log?: ((message: string) => void) | undefined;
}

/** Voice chat and the conversation of one session. */
export class SessionVoice {
  #voiceChat: VoiceChat | undefined;

  /**
   * @param conversation The avatar's conversation, which voice chat on each session feeds.
   * @param room The connected session's room, or undefined while it is not connected.
   */
  constructor(
    private readonly events: EventSink<SessionVoiceEvents>,
    private readonly conversation: Conversation,
    private readonly options: SessionVoiceOptions,
    private readonly room: () => SessionRoom | undefined,
  ) {}

  /** Where the voice conversation is: `idle` without voice chat, then `listening`, `user_speaking`, … */
  get conversationState(): ConversationState {
    return this.conversation.state;
  }

  /** Both sides' turns of the voice conversation, in order (kept after voice chat stops). */
  get transcript(): readonly TranscriptTurn[] {
    return this.conversation.transcript;
  }

  /** The microphone track voice chat sends, while it runs (to show its level, say). */
  get microphone(): MediaStreamTrack | undefined {
    return this.#voiceChat?.microphone;
  }

  /** An avatar event of the session's room (its answers, the user's words). */
  handleAvatarEvent(event: AvatarEvent, continuesUtterance: boolean): void {
    this.#voiceChat?.handleAvatarEvent(event, continuesUtterance);
  }

  /** A turn event: the user started or stopped speaking. */
  handleVoiceEvent(eventType: 'user_start' | 'user_stop'): void {
    this.#voiceChat?.handleVoiceEvent(eventType);
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
  async start(options: VoiceChatOptions = {}, track?: MediaStreamTrack): Promise<void> {
    const room = this.room();
    if (!room) {
      throw new StreamingAvatarError(
        'not_started',
        'Voice chat needs a connected session: start the avatar first.',
      );
    }
    if (options.respond !== undefined) {
      throw new StreamingAvatarError(
        'configuration',
        "Voice chat answers with the provider's model; for yours, use LiveAvatar FULL with an LLM configuration.",
      );
    }
    await this.stop();
    const voiceChat = new VoiceChat(
      {
        ...room,
        conversation: this.conversation,
        environment: this.options.microphoneEnvironment ?? pageMicrophoneEnvironment(),
        watchEnergy: this.options.watchAudioEnergy ?? watchAudioEnergy,
        onMicrophoneChanged: (change) => this.events.emit('microphoneChanged', change),
        log: (message) => this.options.log?.(`session ${room.sessionId}: ${message}`),
      },
      options.mode ?? 'conversational',
    );
    this.#voiceChat = voiceChat;
    try {
      await voiceChat.start(options, track);
    } catch (error) {
      this.#voiceChat = undefined;
      await voiceChat.stop();
      throw error;
    }
  }

  /**
   * Moves a running voice chat into `next`'s room (a renewal): the same microphone, mode and
   * mute, and the conversation goes on.
   * @throws {MediaError} when the microphone could not be sent to `next`'s room.
   */
  async moveTo(next: SessionVoice): Promise<void> {
    const voiceChat = this.#voiceChat;
    const track = voiceChat?.microphone;
    if (!voiceChat || !track) return;
    this.#voiceChat = undefined;
    let moved = false;
    try {
      await next.start({ mode: voiceChat.mode, muted: voiceChat.muted }, track.clone());
      moved = true;
    } finally {
      await voiceChat.stop(!moved);
    }
  }

  /** Stops voice chat and releases the microphone; the session goes on. Idempotent. */
  async stop(): Promise<void> {
    const voiceChat = this.#voiceChat;
    this.#voiceChat = undefined;
    await voiceChat?.stop();
  }

  /** Mutes (`true`) or unmutes the microphone; voice chat goes on. */
  async setMuted(muted: boolean): Promise<void> {
    await this.#voiceChat?.setMuted(muted);
  }

  /** Switches voice chat to another microphone. @throws {MicrophoneError} */
  async setMicrophone(deviceId: string | undefined): Promise<void> {
    await this.#voiceChat?.setMicrophone(deviceId);
  }

  /** Push-to-talk: the user holds the talk key (`true`: sends `"push_to_talk:start"`, opens the microphone) or let go. */
  async setTalking(talking: boolean): Promise<void> {
    await (talking ? this.#voiceChat?.startTalking() : this.#voiceChat?.stopTalking());
  }
}
