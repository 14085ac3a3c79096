/**
 * The streaming provider behind a session: HeyGen's Streaming API (`heygen-streaming-api.md`) or
 * LiveAvatar (`liveavatar-api.md`). Sessions, the controller, the task queue, the meter, voice
 * chat and the elements speak only this interface; each provider sends its commands its own way
 * (REST, or the room's data channel) and turns its events into the toolkit's one event model.
 */
import type { NewSessionRequest, TaskType } from './api/schemas.js';
import type { RatePlan } from './credits/rate-plans.js';
import type { ParsedPacket } from './session/avatar-events.js';
import type { EndReason } from './vocabulary.js';

/** A LiveKit room to join: its server URL (`wss://…`) and the viewer's access token. */
export interface RoomAccess {
  url: string;
  accessToken: string;
}

/** What creating a session gives. `durationLimitSeconds` is the hard cap in seconds, when known. */
export interface CreatedSession {
  sessionId: string;
  /** The room, when creating the session gives it (HeyGen); otherwise starting it does. */
  room?: RoomAccess | undefined;
  durationLimitSeconds?: number | undefined;
}

/** What starting a session gives, beyond what creating it gave. */
export interface StartedSession {
  room?: RoomAccess | undefined;
  durationLimitSeconds?: number | undefined;
}

/** The room's data channel, for providers whose commands travel in it. */
export interface RoomChannel {
  /** Sends `text` reliably to everyone in the room, on `topic` when given. */
  sendData(text: string, topic?: string): Promise<void>;
}

/** Who is who in the session's room. */
export interface RoomParticipants {
  /** The participant whose video and audio are the avatar. */
  avatar: string;
  /** Participants that must be in the room before the session counts as connected. */
  required: readonly string[];
}

/** What one data packet held, in the toolkit's terms. */
export type ProviderPacket =
  /** An avatar event, an event type this toolkit does not know, or a packet it cannot read. */
  | ParsedPacket
  /** A turn of voice chat: the user started or stopped speaking. */
  | { kind: 'voice'; eventType: 'user_start' | 'user_stop' }
  /** The provider ended the session, and why. */
  | { kind: 'ended'; reason: EndReason; providerReason: string }
  /** Not for this toolkit: another participant's packet, or another topic. */
  | { kind: 'ignored' };

/** One session's calls to the provider, authorised by one session token. */
export interface StreamingProvider {
  /** How the session's time is billed, for the credit meter. */
  readonly ratePlan: RatePlan;
  /**
   * Creates the session (or, where the server already did, names it). Never times out by itself:
   * once asked, the server may create the session, and only its id lets the caller stop it.
   */
  newSession(request: NewSessionRequest, signal?: AbortSignal): Promise<CreatedSession>;
  /** Starts the created session; where the provider gives the room only now, returns it. */
  startSession(sessionId: string, signal?: AbortSignal): Promise<StartedSession>;
  /** Who is who in the room of `sessionId`. */
  participants(sessionId: string): RoomParticipants;
  /** The joined room's data channel; called once, before any task. */
  useRoom(room: RoomChannel): void;
  /**
   * Queues speech. `taskId` names the utterance in the avatar's events; `durationMs` is the
   * expected speech length in milliseconds (an estimate where the provider gives none).
   */
  sendTask(
    sessionId: string,
    text: string,
    taskType: TaskType,
    signal?: AbortSignal,
  ): Promise<{ taskId: string; durationMs: number }>;
  /** Cuts the current speech short and drops the queued tasks. */
  interrupt(sessionId: string): Promise<void>;
  /** Resets the session's idle timeout. */
  keepAlive(sessionId: string): Promise<void>;
  /** Stops the session with the provider, which ends its billing. */
  stopSession(sessionId: string): Promise<void>;
  /** Stops the session with a request that survives the page unloading. */
  stopSessionOnUnload(sessionId: string): void;
  /** Reads one data packet of the room, sent by `participantIdentity` on `topic`. */
  parsePacket(
    payload: Uint8Array,
    participantIdentity: string | undefined,
    topic: string | undefined,
  ): ProviderPacket;
  /** Puts the avatar in (or out of) its listening pose (voice chat). */
  setListening(sessionId: string, listening: boolean): Promise<void>;
  /** Push-to-talk: the user holds (`true`) or releases the talk key. */
  setPushToTalk(sessionId: string, down: boolean): Promise<void>;
  /**
   * Follows the session's voice-chat events where they have their own channel (HeyGen's socket);
   * providers that send them in the room return a no-op.
   * @returns Stops following.
   */
  openVoiceEvents(sessionId: string, onEvent: (eventType: string) => void): () => void;
  /**
   * Receives what the provider hears outside the room (LiveAvatar LITE's websocket); called once,
   * before the start. Providers whose events all come in the room leave it out.
   */
  listen?(onPacket: (packet: ProviderPacket) => void): void;
  /**
   * Speaks the given audio (LiveAvatar LITE): 16-bit mono `pcm` at `sampleRate` samples per
   * second. Resolves once it was spoken to the end; rejects with `interrupted` when cut.
   * Providers that speak only text leave it out.
   */
  sendAudio?(sessionId: string, pcm: Int16Array, sampleRate: number): Promise<void>;
}

/** The session options a provider may be unable to honour (the page's choice of avatar and persona). */
export interface ProviderChecked {
  /** The avatar to stream (`SessionOptions.avatarId`). */
  avatarId?: string | undefined;
  /** The voice settings (`SessionOptions.voice`). */
  voice?: object | undefined;
  /** The language code (`SessionOptions.language`). */
  language?: string | undefined;
  /** The knowledge base by id (`SessionOptions.knowledgeBaseId`). */
  knowledgeBaseId?: string | undefined;
  /** The inline knowledge-base prompt (`SessionOptions.knowledgeBase`). */
  knowledgeBase?: string | undefined;
}

/** Builds a provider for one session token; may load the provider's code first. */
export interface ProviderFactory {
  (sessionToken: string): StreamingProvider | Promise<StreamingProvider>;
  /**
   * Refuses, at the start before any session token is fetched, an option this provider cannot
   * honour; may load the check first.
   * @throws {StreamingAvatarError} `configuration`, naming the option and saying why.
   */
  checkOptions?(options: ProviderChecked): void | Promise<void>;
}
