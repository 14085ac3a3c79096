import { EventEmitter } from 'eventemitter3';
import { RATE_PLANS } from '../../../src/credits/rate-plans.js';
import { AbortError } from '../../../src/errors.js';
import type { CreatedSession, RoomChannel, StreamingProvider } from '../../../src/provider.js';
import { parseAvatarPacket } from '../../../src/session/avatar-events.js';
import type { AvatarTransport, TransportEvents } from '../../../src/session/transport.js';

/** A promise the test settles by hand, to hold a step of the start open. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** A provider that records calls; each step can be held open with a gate. */
export class FakeProvider implements StreamingProvider {
  calls: string[] = [];
  holdNew: Promise<void> | undefined;
  holdStart: Promise<void> | undefined;
  failStart: Error | undefined;
  failKeepAlive: Error | undefined;
  /** Errors the next `stopSession` calls throw, one per call. */
  stopFailures: Error[] = [];
  created: CreatedSession = {
    sessionId: 'session-1',
    room: { url: 'wss://room', accessToken: 'jwt' },
    durationLimitSeconds: 600,
  };
  readonly ratePlan = RATE_PLANS.streaming;
  private room: RoomChannel | undefined;
  unloadStops: string[] = [];
  /** Sessions `newSession` created, and those a stop (or an unload stop) reached. */
  readonly createdIds: string[] = [];
  readonly stoppedIds = new Set<string>();
  failInterrupt: Error | undefined;
  private tasks = 0;

  async newSession() {
    this.calls.push('new');
    await this.holdNew;
    this.createdIds.push(this.created.sessionId);
    return this.created;
  }
  async startSession(sessionId: string, signal?: AbortSignal) {
    this.calls.push(`start ${sessionId}`);
    // As the real client: a call made with an aborted signal fails at once.
    if (signal?.aborted) throw new AbortError('/v1/streaming.start was aborted.');
    await this.holdStart;
    if (this.failStart) throw this.failStart;
    return {};
  }
  participants() {
    return { avatar: 'heygen', required: [] };
  }
  useRoom(room: RoomChannel) {
    this.room = room;
  }
  /** As HeyGen's provider: the official SDK's data messages. */
  async setPushToTalk(_sessionId: string, down: boolean) {
    await this.room?.sendData(JSON.stringify(down ? 'push_to_talk:start' : 'push_to_talk:stop'));
  }
  async sendTask(_sessionId: string, text: string) {
    this.calls.push(`task ${text}`);
    this.tasks += 1;
    return { taskId: `task-${this.tasks}`, durationMs: 1000 };
  }
  async interrupt(sessionId: string) {
    this.calls.push(`interrupt ${sessionId}`);
    if (this.failInterrupt) throw this.failInterrupt;
  }
  async keepAlive(sessionId: string) {
    this.calls.push(`keep_alive ${sessionId}`);
    if (this.failKeepAlive) throw this.failKeepAlive;
  }
  async stopSession(sessionId: string) {
    this.calls.push(`stop ${sessionId}`);
    const failure = this.stopFailures.shift();
    if (failure) throw failure;
    this.stoppedIds.add(sessionId);
  }
  stopSessionOnUnload(sessionId: string) {
    this.unloadStops.push(sessionId);
    this.stoppedIds.add(sessionId);
  }
  /** Sessions created and never stopped. */
  get leftActive(): number {
    return this.createdIds.filter((id) => !this.stoppedIds.has(id)).length;
  }
  parsePacket(payload: Uint8Array, identity: string | undefined) {
    if (identity !== undefined && identity !== 'heygen') return { kind: 'ignored' as const };
    return parseAvatarPacket(payload);
  }
  async setListening(sessionId: string, listening: boolean) {
    this.calls.push(`${listening ? 'start' : 'stop'}_listening ${sessionId}`);
  }
  /** The voice-chat socket's listener while one is open: the test plays `user_start` and so on. */
  voiceEvents: ((eventType: string) => void) | undefined;
  openVoiceEvents(_sessionId: string, onEvent: (eventType: string) => void) {
    this.voiceEvents = onEvent;
    return () => {
      this.voiceEvents = undefined;
    };
  }
  count(prefix: string) {
    return this.calls.filter((call) => call.startsWith(prefix)).length;
  }
}

/** A transport whose room and media the test controls. */
export class FakeTransport extends EventEmitter<TransportEvents> implements AvatarTransport {
  calls: string[] = [];
  holdConnect: Promise<void> | undefined;
  failConnect: Error | undefined;
  holdMedia: Promise<void> | undefined;
  canPlaybackAudio = true;
  readonly media = { id: 'media-stream' } as unknown as MediaStream;

  prepare(url: string) {
    this.calls.push(`prepare ${url}`);
  }
  async connect(url: string) {
    this.calls.push(`connect ${url}`);
    await this.holdConnect;
    if (this.failConnect) throw this.failConnect;
  }
  async waitForMedia(identity: string) {
    this.calls.push(`media ${identity}`);
    await this.holdMedia;
    return this.media;
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
  async startAudio() {
    this.calls.push('startAudio');
    this.canPlaybackAudio = true;
  }
  /** The microphone track in the room, and the data messages sent. */
  microphone: MediaStreamTrack | undefined;
  microphoneMuted = false;
  readonly sent: string[] = [];
  async publishMicrophone(track: MediaStreamTrack) {
    this.calls.push('publish microphone');
    await this.unpublishMicrophone();
    this.microphone = track;
  }
  async unpublishMicrophone() {
    this.microphone?.stop();
    this.microphone = undefined;
  }
  async setMicrophoneMuted(muted: boolean) {
    this.microphoneMuted = muted;
  }
  async sendData(text: string) {
    this.sent.push(text);
  }
  async waitForParticipant() {}
  /** Plays a data packet from the avatar. */
  avatarSays(value: unknown, identity = 'heygen') {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.emit('data', new TextEncoder().encode(text), identity, undefined);
  }
}
