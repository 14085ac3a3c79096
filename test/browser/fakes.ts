import type { SessionOptions } from '../../src/index.js';
import { FakeProvider, FakeTransport } from '../unit/fakes/session-parts.js';

/**
 * The unit tests' transport with real media: a green canvas with a face-coloured square, and a
 * silent audio track.
 */
export class CanvasTransport extends FakeTransport {
  audioStarts = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  override async waitForMedia(): Promise<MediaStream> {
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
  override async disconnect() {
    clearInterval(this.timer);
    await super.disconnect();
  }
  override async startAudio() {
    this.audioStarts += 1;
  }
}

/**
 * Wires `<streaming-avatar>` to a fake provider and canvas transport (set `sessionOptions` to
 * `backend.sessionOptions`); returns them for the test to drive, and counts the sessions created.
 */
export function fakeBackend(options: { token?: () => Promise<string>; failStart?: Error } = {}) {
  const provider = new FakeProvider();
  if (options.failStart) provider.failStart = options.failStart;
  const transport = new CanvasTransport();
  let created = 0;
  const sessionOptions: Partial<SessionOptions> = {
    token: options.token ?? (async () => 'token'),
    provider: () => {
      created += 1;
      return provider;
    },
    transport: async () => transport,
    pageLifecycle: new EventTarget(),
  };
  return {
    provider,
    transport,
    sessionOptions,
    /** How many sessions were started. */
    get created() {
      return created;
    },
  };
}
