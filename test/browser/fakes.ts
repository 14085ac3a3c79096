import { EventEmitter } from 'eventemitter3';
import { AvatarSession, type AvatarSessionOptions } from '../../src/index.js';
import type { AvatarTransport, TransportEvents } from '../../src/session/transport.js';
import { FakeProvider } from '../unit/fakes/session-parts.js';

/** A transport whose media is real: a green canvas with a face-coloured square, and a silent audio track. */
export class CanvasTransport extends EventEmitter<TransportEvents> implements AvatarTransport {
  canPlaybackAudio = true;
  audioStarts = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  prepare() {}
  async connect() {}
  async waitForMedia(): Promise<MediaStream> {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    const context = canvas.getContext('2d')!;
    const draw = () => {
      context.fillStyle = 'rgb(0, 177, 64)';
      context.fillRect(0, 0, 320, 180);
      context.fillStyle = 'rgb(236, 188, 150)';
      context.fillRect(130, 60, 60, 60);
    };
    draw();
    this.timer = setInterval(draw, 40);
    const audio = new AudioContext().createMediaStreamDestination();
    return new MediaStream([...canvas.captureStream(25).getVideoTracks(), ...audio.stream.getAudioTracks()]);
  }
  async disconnect() {
    clearInterval(this.timer);
  }
  async startAudio() {
    this.audioStarts += 1;
  }
  microphone: MediaStreamTrack | undefined;
  microphoneMuted = false;
  readonly sent: string[] = [];
  async publishMicrophone(track: MediaStreamTrack) {
    this.microphone?.stop();
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
  /** Plays a data packet from the avatar. */
  avatarSays(value: object) {
    this.emit('data', new TextEncoder().encode(JSON.stringify(value)), 'heygen', undefined);
  }
}

/** Wires `<streaming-avatar>` to a fake provider and canvas transport; returns them for the test to drive. */
export function fakeBackend(options: { token?: () => Promise<string>; failStart?: Error } = {}) {
  const provider = new FakeProvider();
  if (options.failStart) provider.failStart = options.failStart;
  const transport = new CanvasTransport();
  const createSession = (sessionOptions: AvatarSessionOptions) =>
    new AvatarSession({
      ...sessionOptions,
      token: options.token ?? (async () => 'token'),
      provider: () => provider,
      transport: async () => transport,
      pageLifecycle: new EventTarget(),
    });
  return { provider, transport, createSession };
}
