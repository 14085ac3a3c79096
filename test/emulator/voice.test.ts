/**
 * The emulator hears the user: a participant in Node publishes a microphone track speaking an
 * eSpeak NG sentence; the avatar detects the turn, transcribes it with pocketsphinx, sends the
 * contract's events in order on the socket and the data channel, and answers with speech.
 */
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { synthesize } from '../../emulator/speech.js';
import { StreamingApiClient } from '../../src/api/client.js';
import { parseAvatarPacket } from '../../src/session/avatar-events.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess(['--quiet']);
}, 300_000);

afterAll(() => emulator?.stop());

const SENTENCE = 'What are your opening hours on Saturday?';

/** Plays `samples` (mono, `sampleRate`) into `source` in real time, then `silenceMs` of silence. */
async function speakInto(source: AudioSource, samples: Int16Array, sampleRate: number, silenceMs: number) {
  const frame = Math.round(sampleRate / 50);
  const total = samples.length + Math.round((sampleRate * silenceMs) / 1000);
  for (let at = 0; at < total; at += frame) {
    const chunk = new Int16Array(frame);
    if (at < samples.length) chunk.set(samples.subarray(at, Math.min(samples.length, at + frame)));
    await source.captureFrame(new AudioFrame(chunk, sampleRate, 1, frame));
  }
}

describe('emulator: voice input', () => {
  it('hears a spoken question, transcribes it, and answers it', async () => {
    const sessionToken = await emulator.admin.createSessionToken();
    const client = new StreamingApiClient({ credentials: { sessionToken }, baseUrl: emulator.apiUrl });
    const session = await client.newSession({
      version: 'v2',
      knowledge_base: 'We open at nine on Saturdays.',
    });
    await client.startSession(session.session_id);

    const timeline: { at: number; what: string; text?: string }[] = [];
    const socket = new WebSocket(
      `${emulator.apiUrl.replace('http', 'ws')}/v1/ws/streaming.chat?session_id=${session.session_id}&session_token=${sessionToken}`,
    );
    socket.on('message', (data) =>
      timeline.push({ at: Date.now(), what: JSON.parse(String(data)).event_type }),
    );
    await new Promise((resolve) => socket.once('open', resolve));

    const room = new Room();
    room.on(RoomEvent.DataReceived, (payload) => {
      const parsed = parseAvatarPacket(payload);
      if (parsed.kind !== 'event') return;
      const { event } = parsed;
      const text = 'message' in event && typeof event.message === 'string' ? event.message : undefined;
      timeline.push({ at: Date.now(), what: event.type, ...(text === undefined ? {} : { text }) });
    });
    await room.connect(session.url, session.access_token, { autoSubscribe: false, dynacast: false });
    const speech = await synthesize(SENTENCE, 0.85);
    // A one-second queue: a real microphone does not stall when this test process is slow.
    const microphone = new AudioSource(speech.sampleRate, 1, 1000);
    await room.localParticipant!.publishTrack(
      LocalAudioTrack.createAudioTrack('microphone', microphone),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    try {
      await speakInto(microphone, new Int16Array(speech.samples), speech.sampleRate, 1000);
      const answered = async () => timeline.some((entry) => entry.what === 'avatar_stop_talking');
      const deadline = Date.now() + 20_000;
      while (!(await answered()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));

      const order = timeline.map((entry) => entry.what).filter((what, i, all) => all.indexOf(what) === i);
      expect(order.slice(0, 5)).toEqual([
        'user_start',
        'user_stop',
        'user_talking_message',
        'user_end_message',
        'avatar_start_talking',
      ]);
      const heard = timeline.find((entry) => entry.what === 'user_talking_message')!.text!.toLowerCase();
      const words = SENTENCE.toLowerCase().replace(/[?]/g, '').split(' ');
      const recognised = words.filter((word) => heard.split(' ').includes(word));
      // pocketsphinx's stock US English model hears 6 of these 7 words from the raw file, and 2 to 6
      // of them through LiveKit's Opus on a busy machine: the floor here is 3.
      expect(recognised.length, `heard "${heard}"`).toBeGreaterThanOrEqual(3);
      const answer = timeline
        .filter((entry) => entry.what === 'avatar_talking_message')
        .map((entry) => entry.text)
        .join(' ');
      // The emulator's answer repeats what it heard.
      expect(answer.toLowerCase().replace(/\s+/g, ' ')).toContain(heard.split(' ').slice(0, 2).join(' '));
    } finally {
      socket.close();
      await room.disconnect();
      await client.stopSession(session.session_id);
    }
  }, 60_000);
});
