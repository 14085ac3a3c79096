import {
  AudioStream,
  dispose,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
} from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamingApiClient } from '../../src/api/client.js';
import type { AvatarEvent } from '../../src/session/avatar-events.js';
import { parseAvatarPacket } from '../../src/session/avatar-events.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

/** A viewer in Node: counts frames, measures audio loudness over time and records the avatar's events. */
class Viewer {
  readonly room = new Room();
  readonly events: { at: number; event: AvatarEvent; from: string | undefined }[] = [];
  readonly loudness: { at: number; rms: number }[] = [];
  frames = 0;
  frameSize = { width: 0, height: 0 };
  centerPixel: number[] = [];
  cornerPixel: number[] = [];

  async join(url: string, token: string) {
    this.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind === TrackKind.KIND_VIDEO) void this.readVideo(track);
      if (track.kind === TrackKind.KIND_AUDIO) void this.readAudio(track);
    });
    this.room.on(RoomEvent.DataReceived, (payload, participant) => {
      const parsed = parseAvatarPacket(payload);
      if (parsed.kind === 'event')
        this.events.push({ at: Date.now(), event: parsed.event, from: participant?.identity });
    });
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
  }

  private async readVideo(track: RemoteTrack) {
    for await (const { frame } of new VideoStream(track)) {
      this.frames += 1;
      this.frameSize = { width: frame.width, height: frame.height };
      if (this.frames % 25 === 1) {
        const rgba = frame.convert(VideoBufferType.RGBA);
        const pixel = (x: number, y: number) => [
          ...rgba.data.slice((y * frame.width + x) * 4, (y * frame.width + x) * 4 + 3),
        ];
        this.cornerPixel = pixel(4, 4);
        this.centerPixel = pixel(Math.floor(frame.width / 2), Math.floor(frame.height / 2));
      }
    }
  }

  private async readAudio(track: RemoteTrack) {
    for await (const frame of new AudioStream(track, 48_000, 1)) {
      let sum = 0;
      for (const sample of frame.data) sum += sample * sample;
      this.loudness.push({ at: Date.now(), rms: Math.sqrt(sum / frame.data.length) });
    }
  }

  loudestBetween(from: number, to: number) {
    return Math.max(
      0,
      ...this.loudness.filter((entry) => entry.at >= from && entry.at <= to).map((entry) => entry.rms),
    );
  }

  /**
   * Waits until the audio has been quiet (RMS < 100) for `holdMs` milliseconds after `from`
   * (epoch milliseconds); resolves with how many milliseconds after `from` the quiet began.
   */
  async silenceAfter(from: number, holdMs = 1000): Promise<number> {
    let quietSince = from;
    await this.waitFor(() => {
      const heard = this.loudness.filter((entry) => entry.at >= from);
      quietSince = heard.findLast((entry) => entry.rms >= 100)?.at ?? from;
      return (heard.at(-1)?.at ?? from) - quietSince >= holdMs;
    }, 30_000);
    return quietSince - from;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

let emulator: RunningEmulator;
let client: StreamingApiClient;
let sessionId: string;
const viewer = new Viewer();

beforeAll(async () => {
  emulator = await startEmulatorProcess();
  client = await emulator.sessionClient();
  const session = await client.newSession({ quality: 'low', version: 'v2' });
  sessionId = session.session_id;
  await viewer.join(session.url, session.access_token);
  await client.startSession(sessionId);
}, 300_000);

afterAll(async () => {
  await viewer.room.disconnect();
  await emulator?.stop();
  await dispose();
});

describe('emulator media', () => {
  it('streams 25 fps video at the quality preset size, the face on chroma green', async () => {
    await viewer.waitFor(() => viewer.frames >= 50);
    const counted = viewer.frames;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // 25 fps from the avatar; allow for loopback jitter and decoder start-up.
    expect(viewer.frames - counted).toBeGreaterThanOrEqual(40);
    expect(viewer.frameSize).toEqual({ width: 640, height: 360 });
    const [r, g, b] = viewer.cornerPixel;
    expect(g).toBeGreaterThan(140);
    expect(r).toBeLessThan(60);
    expect(b).toBeLessThan(110);
    expect(viewer.centerPixel[0]).toBeGreaterThan(180);
  });

  it('speaks a task: events in order with its task id, captions equal the text, sound then silence', async () => {
    const text = 'Hello there. This is the media test speaking.';
    const sentAt = Date.now();
    const { task_id: taskId, duration_ms: durationMs } = await client.sendTask({ sessionId, text });
    await viewer.waitFor(() => viewer.events.some((entry) => entry.event.type === 'avatar_stop_talking'));
    const mine = viewer.events.filter((entry) => entry.event.task_id === taskId);
    expect(mine.every((entry) => entry.from === 'heygen')).toBe(true);
    const types = mine.map((entry) => entry.event.type);
    expect(types[0]).toBe('avatar_start_talking');
    expect(types.slice(-2)).toEqual(['avatar_end_message', 'avatar_stop_talking']);
    const spoken = mine.flatMap((entry) =>
      entry.event.type === 'avatar_talking_message' ? [entry.event.message] : [],
    );
    expect(spoken.join('')).toBe(text);
    const stop = mine.at(-1)!;
    expect(stop.event).toMatchObject({ duration_ms: durationMs });

    const start = mine[0]!.at;
    expect(viewer.loudestBetween(start, stop.at)).toBeGreaterThan(1000);
    expect(await viewer.silenceAfter(stop.at)).toBeLessThan(1000);
    expect(start - sentAt).toBeLessThan(durationMs);
  }, 30_000);

  it('interrupt cuts the speech and empties the queue', async () => {
    viewer.events.length = 0;
    const first = await client.sendTask({
      sessionId,
      text: 'This is a long sentence that will be cut off. '.repeat(6),
    });
    const second = await client.sendTask({ sessionId, text: 'This one must never be spoken.' });
    await viewer.waitFor(() => viewer.events.some((entry) => entry.event.type === 'avatar_start_talking'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const interruptedAt = Date.now();
    await client.interrupt(sessionId);
    await viewer.waitFor(() =>
      viewer.events.some(
        (entry) => entry.event.type === 'avatar_stop_talking' && entry.event.task_id === first.task_id,
      ),
    );
    const stop = viewer.events.find((entry) => entry.event.type === 'avatar_stop_talking')!;
    expect(stop.at - interruptedAt).toBeLessThan(1000);
    expect(await viewer.silenceAfter(interruptedAt, 1500)).toBeLessThan(1000);
    expect(viewer.events.some((entry) => entry.event.task_id === second.task_id)).toBe(false);
  }, 30_000);
});
