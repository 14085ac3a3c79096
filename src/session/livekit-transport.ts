/**
 * {@link AvatarTransport} over a LiveKit room. `livekit-client` is imported dynamically, so a page
 * that never starts a session does not download it.
 */
import { EventEmitter } from 'eventemitter3';
import { AbortError, MediaError } from '../errors.js';
import type { AvatarTransport, ConnectionStats, TransportEvents } from './transport.js';

type LiveKit = typeof import('livekit-client');
type Room = import('livekit-client').Room;
type RemoteVideoTrack = import('livekit-client').RemoteVideoTrack;
type LocalTrackPublication = import('livekit-client').LocalTrackPublication;
type TrackKind = import('livekit-client').Track.Kind;
type RoomEventName =
  | import('livekit-client').RoomEvent.TrackSubscribed
  | import('livekit-client').RoomEvent.ParticipantConnected;

/**
 * livekit-client, asked for as this module loads (a start loads it before the token is asked for,
 * a pointer on the start button earlier), not when the first room is created.
 */
const livekitClient = import('livekit-client');
// A failed download fails create(), not the page (as an unhandled rejection).
livekitClient.catch(() => undefined);

/** How often the avatar's video is measured, in milliseconds. */
const STATS_EVERY_MS = 2000;

/** Joins a session's LiveKit room with `livekit-client`. Build it with {@link LiveKitTransport.create}. */
export class LiveKitTransport extends EventEmitter<TransportEvents> implements AvatarTransport {
  readonly #room: Room;
  #leaving = false;
  #avatarIdentity: string | undefined;
  /** The avatar's video and audio, as `waitForMedia` gave them. */
  #media: MediaStream | undefined;
  #connection: ConnectionStats = {
    quality: 'unknown',
    framesPerSecond: undefined,
    packetLossFraction: undefined,
  };
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #microphone: { track: MediaStreamTrack; publication: LocalTrackPublication } | undefined;

  private constructor(private readonly livekit: LiveKit) {
    super();
    const { Room, RoomEvent, DisconnectReason, Track } = livekit;
    // livekit-client 2.23 keeps every Room: its FinalizationRegistry entry and the `devicechange`
    // listener it adds with it both hold the Room (livekit/client-sdk-js#2008). Without the
    // registry the listener is the Room's own handler, which its disconnect removes. Drop this
    // once a release fixes the leak.
    Room.cleanupRegistry = false;
    const room = new Room({ adaptiveStream: false, dynacast: false });
    // The server ended the room: the session was stopped, timed out or hit its duration limit.
    const serverReasons = new Set([
      DisconnectReason.SERVER_SHUTDOWN,
      DisconnectReason.PARTICIPANT_REMOVED,
      DisconnectReason.ROOM_DELETED,
      DisconnectReason.ROOM_CLOSED,
    ]);
    // A video published while this page is in the room is held back until the page can decode it.
    // Its first keyframe is otherwise sent before the browser has applied the subscription's
    // answer and is lost; the browser's keyframe requests then meet the server's and the
    // publisher's throttles (~430 ms to the first frame, bench/README.md). Enabled once
    // subscribed, the server asks the publisher for a keyframe the page receives.
    room.on(RoomEvent.TrackPublished, (publication) => {
      if (publication.kind === Track.Kind.Video) publication.setEnabled(false);
    });
    room.on(RoomEvent.TrackSubscribed, (_track, publication) => {
      if (publication.kind === Track.Kind.Video) publication.setEnabled(true);
    });
    room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) =>
      this.emit('data', payload, participant?.identity, topic),
    );
    // A lost signalling link alone (media still flowing) is a reconnect too: LiveKit resumes it.
    room.on(RoomEvent.Reconnecting, () => this.emit('reconnecting'));
    room.on(RoomEvent.SignalReconnecting, () => this.emit('reconnecting'));
    room.on(RoomEvent.Reconnected, () => this.emit('reconnected'));
    room.on(RoomEvent.AudioPlaybackStatusChanged, () =>
      this.emit('audioPlaybackChanged', room.canPlaybackAudio),
    );
    room.on(RoomEvent.ConnectionQualityChanged, (quality, participant) => {
      if (participant.identity === this.#avatarIdentity) this.#updateConnection({ quality });
    });
    room.on(RoomEvent.Disconnected, (reason) => {
      clearInterval(this.#statsTimer);
      if (this.#leaving || reason === DisconnectReason.CLIENT_INITIATED) this.emit('disconnected', 'client');
      else if (reason !== undefined && serverReasons.has(reason)) this.emit('disconnected', 'server');
      else this.emit('disconnected', 'network');
    });
    this.#room = room;
  }

  /** Waits for `livekit-client` (a separate chunk) and returns a transport ready to connect. */
  static async create(): Promise<LiveKitTransport> {
    return new LiveKitTransport(await livekitClient);
  }

  get canPlaybackAudio(): boolean {
    return this.#room.canPlaybackAudio;
  }

  prepare(url: string, token: string): void {
    this.#room.prepareConnection(url, token).catch(() => undefined);
  }

  async connect(url: string, token: string, signal: AbortSignal): Promise<void> {
    try {
      // An empty ICE server list keeps the server's own candidates (the emulator offers loopback only).
      await this.#room.connect(url, token, { autoSubscribe: true, rtcConfig: { iceServers: [] } });
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
    this.#avatarIdentity = identity;
    return this.#until(
      RoomEvent.TrackSubscribed,
      () => {
        const participant = this.#room.remoteParticipants.get(identity);
        if (!participant) return undefined;
        const subscribed = (kind: TrackKind) =>
          [...participant.trackPublications.values()].find(
            (publication) => publication.kind === kind && publication.isSubscribed,
          )?.track;
        const video = subscribed(Track.Kind.Video);
        const audio = subscribed(Track.Kind.Audio);
        if (!video || !audio) return undefined;
        this.#updateConnection({ quality: participant.connectionQuality });
        this.#measure(video as RemoteVideoTrack);
        this.#media = new MediaStream([video.mediaStreamTrack, audio.mediaStreamTrack]);
        return this.#media;
      },
      signal,
      'Waiting for the avatar media',
    );
  }

  /** Measures the avatar's video every {@link STATS_EVERY_MS} ms: decoded frame rate and packet loss. */
  #measure(track: RemoteVideoTrack): void {
    let previous: { at: number; frames: number; lost: number; received: number } | undefined;
    this.#statsTimer = setInterval(async () => {
      const stats = await track.getReceiverStats().catch(() => undefined);
      if (!stats) return;
      const now = {
        at: stats.timestamp,
        frames: stats.framesDecoded,
        lost: stats.packetsLost ?? 0,
        received: stats.packetsReceived ?? 0,
      };
      if (previous && now.at > previous.at) {
        const lost = now.lost - previous.lost;
        const packets = lost + now.received - previous.received;
        this.#updateConnection({
          framesPerSecond: ((now.frames - previous.frames) * 1000) / (now.at - previous.at),
          packetLossFraction: packets > 0 ? Math.max(0, lost) / packets : 0,
        });
      }
      previous = now;
    }, STATS_EVERY_MS);
  }

  #updateConnection(change: Partial<ConnectionStats>): void {
    this.#connection = { ...this.#connection, ...change };
    this.emit('connection', this.#connection);
  }

  async disconnect(): Promise<void> {
    clearInterval(this.#statsTimer);
    await this.unpublishMicrophone();
    this.#leaving = true;
    await this.#room.disconnect();
    // Chromium keeps a stream a media element played with sound reachable after the element lets
    // it go (from its audio renderer): emptied, it no longer holds the room's tracks and peer
    // connection.
    for (const track of this.#media?.getTracks() ?? []) this.#media!.removeTrack(track);
  }

  async startAudio(): Promise<void> {
    await this.#room.startAudio();
  }

  async publishMicrophone(track: MediaStreamTrack): Promise<void> {
    await this.unpublishMicrophone();
    const { Track } = this.livekit;
    try {
      const publication = await this.#room.localParticipant.publishTrack(track, {
        source: Track.Source.Microphone,
      });
      this.#microphone = { track, publication };
    } catch (cause) {
      track.stop();
      throw new MediaError(`Could not send the microphone to the avatar's room: ${String(cause)}`, { cause });
    }
  }

  async unpublishMicrophone(): Promise<void> {
    const microphone = this.#microphone;
    this.#microphone = undefined;
    if (!microphone) return;
    await this.#room.localParticipant.unpublishTrack(microphone.track, true).catch(() => undefined);
    microphone.track.stop();
  }

  async setMicrophoneMuted(muted: boolean): Promise<void> {
    const publication = this.#microphone?.publication;
    if (!publication) return;
    if (muted) await publication.mute();
    else await publication.unmute();
  }

  async sendData(text: string, topic?: string): Promise<void> {
    await this.#room.localParticipant.publishData(new TextEncoder().encode(text), {
      reliable: true,
      ...(topic === undefined ? {} : { topic }),
    });
  }

  async waitForParticipant(identity: string, signal: AbortSignal): Promise<void> {
    await this.#until(
      this.livekit.RoomEvent.ParticipantConnected,
      () => this.#room.remoteParticipants.get(identity),
      signal,
      `Waiting for ${identity} to join`,
    );
  }

  /**
   * Resolves with `found()`'s first result other than undefined, tried now and on each `event`.
   * @throws {AbortError} "`what` was aborted" when `signal` aborts first.
   */
  #until<T>(event: RoomEventName, found: () => T | undefined, signal: AbortSignal, what: string): Promise<T> {
    const room = this.#room;
    return new Promise((resolve, reject) => {
      const check = () => {
        const result = found();
        if (result === undefined) return;
        cleanup();
        resolve(result);
      };
      const onAbort = () => {
        cleanup();
        reject(new AbortError(`${what} was aborted.`, { cause: signal.reason }));
      };
      const cleanup = () => {
        room.off(event, check);
        signal.removeEventListener('abort', onAbort);
      };
      room.on(event, check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }
}
