/**
 * {@link AvatarTransport} over a LiveKit room. `livekit-client` is imported dynamically, so a page
 * that never starts a session does not download it.
 */
import { EventEmitter } from 'eventemitter3';
import { AbortError, MediaError } from '../errors.js';
import type { AvatarTransport, TransportEvents } from './transport.js';

type LiveKit = typeof import('livekit-client');
type Room = import('livekit-client').Room;

/** Joins a session's LiveKit room with `livekit-client`. Build it with {@link LiveKitTransport.create}. */
export class LiveKitTransport extends EventEmitter<TransportEvents> implements AvatarTransport {
  private readonly room: Room;
  private leaving = false;

  private constructor(private readonly livekit: LiveKit) {
    super();
    const { Room, RoomEvent, DisconnectReason } = livekit;
    const room = new Room({ adaptiveStream: false, dynacast: false });
    // The server ended the room: the session was stopped, timed out or hit its duration limit.
    const serverReasons = new Set([
      DisconnectReason.SERVER_SHUTDOWN,
      DisconnectReason.PARTICIPANT_REMOVED,
      DisconnectReason.ROOM_DELETED,
      DisconnectReason.ROOM_CLOSED,
    ]);
    room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) =>
      this.emit('data', payload, participant?.identity, topic),
    );
    room.on(RoomEvent.Reconnecting, () => this.emit('reconnecting'));
    room.on(RoomEvent.Reconnected, () => this.emit('reconnected'));
    room.on(RoomEvent.AudioPlaybackStatusChanged, () =>
      this.emit('audioPlaybackChanged', room.canPlaybackAudio),
    );
    room.on(RoomEvent.Disconnected, (reason) => {
      if (this.leaving || reason === DisconnectReason.CLIENT_INITIATED) this.emit('disconnected', 'client');
      else if (reason !== undefined && serverReasons.has(reason)) this.emit('disconnected', 'server');
      else this.emit('disconnected', 'network');
    });
    this.room = room;
  }

  /** Loads `livekit-client` (a separate chunk) and returns a transport ready to connect. */
  static async create(): Promise<LiveKitTransport> {
    return new LiveKitTransport(await import('livekit-client'));
  }

  get canPlaybackAudio(): boolean {
    return this.room.canPlaybackAudio;
  }

  prepare(url: string, token: string): void {
    this.room.prepareConnection(url, token).catch(() => undefined);
  }

  async connect(url: string, token: string, signal: AbortSignal): Promise<void> {
    try {
      // An empty ICE server list keeps the server's own candidates (the emulator offers loopback only).
      await this.room.connect(url, token, { autoSubscribe: true, rtcConfig: { iceServers: [] } });
    } catch (cause) {
      throw new MediaError(`Could not join the avatar's room at ${url}: ${String(cause)}`, { cause });
    }
    if (signal.aborted) {
      await this.disconnect();
      throw new AbortError('Joining the room was aborted.');
    }
  }

  waitForMedia(identity: string, signal: AbortSignal): Promise<MediaStream> {
    const { RoomEvent, Track } = this.livekit;
    const room = this.room;
    return new Promise((resolve, reject) => {
      const check = () => {
        const participant = room.remoteParticipants.get(identity);
        if (!participant) return;
        const tracks = [...participant.trackPublications.values()].flatMap((publication) =>
          publication.isSubscribed && publication.track ? [publication.track] : [],
        );
        const video = tracks.find((track) => track.kind === Track.Kind.Video);
        const audio = tracks.find((track) => track.kind === Track.Kind.Audio);
        if (!video || !audio) return;
        cleanup();
        resolve(new MediaStream([video.mediaStreamTrack, audio.mediaStreamTrack]));
      };
      const onAbort = () => {
        cleanup();
        reject(new AbortError('Waiting for the avatar media was aborted.', { cause: signal.reason }));
      };
      const cleanup = () => {
        room.off(RoomEvent.TrackSubscribed, check);
        signal.removeEventListener('abort', onAbort);
      };
      room.on(RoomEvent.TrackSubscribed, check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  async disconnect(): Promise<void> {
    this.leaving = true;
    await this.room.disconnect();
  }

  async startAudio(): Promise<void> {
    await this.room.startAudio();
  }
}
