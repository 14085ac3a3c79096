/**
 * The media side of a session behind a small interface: the LiveKit room in browsers
 * (`LiveKitTransport`), a fake in tests.
 */
import type { EventEmitter } from 'eventemitter3';

/** Why the room connection ended: our own `disconnect()`, the server (room deleted), or the network. */
export type TransportDisconnectCause = 'client' | 'server' | 'network';

/** LiveKit's grade of a participant's connection (livekit-client's `ConnectionQuality`). */
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

/** The avatar's connection as this page receives it. */
export interface ConnectionStats {
  /** LiveKit's grade of the avatar participant's connection; `poor` and `lost` come before a reconnect. */
  quality: ConnectionQuality;
  /** Video frames decoded per second over the last interval (about 2 s), once measured. */
  framesPerSecond: number | undefined;
  /** Fraction (0–1) of the video packets lost over the last interval, once measured. */
  packetLossFraction: number | undefined;
}

/** Events of an {@link AvatarTransport}. */
export interface TransportEvents {
  /** A data packet arrived; `participantIdentity` is the sender, `topic` the packet's topic if any. */
  data: (payload: Uint8Array, participantIdentity: string | undefined, topic: string | undefined) => void;
  /** The connection dropped and the transport is trying to get it back. */
  reconnecting: () => void;
  /** The connection is back. */
  reconnected: () => void;
  /** The room is gone for good. */
  disconnected: (cause: TransportDisconnectCause) => void;
  /** The browser allowed or blocked audio playback. */
  audioPlaybackChanged: (canPlayback: boolean) => void;
  /** The avatar's connection changed grade, or a new measurement of its video came in. */
  connection: (stats: ConnectionStats) => void;
}

/** Joins the avatar's room and hands over its media. */
export interface AvatarTransport extends EventEmitter<TransportEvents> {
  /** Warms up the connection (DNS, TLS) while the session is being created. Optional to honour. */
  prepare(url: string, token: string): void;
  /** Joins the room. @throws {MediaError} when the room cannot be joined. */
  connect(url: string, token: string, signal: AbortSignal): Promise<void>;
  /** Resolves once the participant `identity` has both a video and an audio track subscribed. */
  waitForMedia(identity: string, signal: AbortSignal): Promise<MediaStream>;
  /** Leaves the room. Safe to call in any state, more than once. */
  disconnect(): Promise<void>;
  /** Whether the browser lets the avatar's audio play (false when autoplay is blocked). */
  readonly canPlaybackAudio: boolean;
  /** Unblocks audio; call it from a user gesture (a click). */
  startAudio(): Promise<void>;
  /** Publishes the user's microphone in the room (voice chat); replaces one published before. */
  publishMicrophone(track: MediaStreamTrack): Promise<void>;
  /** Takes the microphone out of the room and stops it (the browser's recording indicator goes off). */
  unpublishMicrophone(): Promise<void>;
  /** Mutes or unmutes the published microphone: muted, nothing of it is sent. */
  setMicrophoneMuted(muted: boolean): Promise<void>;
  /** Sends a text message on the room's data channel, reliably, on `topic` when given. */
  sendData(text: string, topic?: string): Promise<void>;
  /** Resolves once the participant `identity` is in the room. */
  waitForParticipant(identity: string, signal: AbortSignal): Promise<void>;
}

/** Creates the transport for one session; async so its library is loaded only when needed. */
export type TransportFactory = () => Promise<AvatarTransport>;
