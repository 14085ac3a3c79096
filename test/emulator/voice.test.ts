/**
 * The emulator hears the user: a participant in Node publishes a microphone track speaking eSpeak
 * NG sentences; the avatar detects the turn, transcribes it with pocketsphinx, sends the
 * contract's events in order on the socket and the data channel, answers with speech, and stops
 * talking when the user cuts in.
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
import { synthesize } from '../../emulator/src/speech.js';
import { StreamingApiClient } from '../../src/api/client.js';
import { parseAvatarPacket } from '../../src/session/avatar-events.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess();
}, 300_000);

afterAll(() => emulator?.stop());

const QUESTION = 'What are your opening hours on Saturday?';
const FOLLOW_UP = 'And where can I park my car?';

interface Heard {
  at: number;
  what: string;
  text?: string;
}

/** A session in voice chat: its socket's and data channel's events in one timeline, and a microphone. */
async function conversation() {
  const sessionToken = await emulator.admin.createSessionToken();
  const client = new StreamingApiClient({ credentials: { sessionToken }, baseUrl: emulator.apiUrl });
  const session = await client.newSession({ version: 'v2', knowledge_base: 'We open at nine on Saturdays.' });
  await client.startSession(session.session_id);

  const timeline: Heard[] = [];
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
  const sampleRate = 22_050;
  // A one-second queue: a real microphone does not stall when this test process is slow.
  const microphone = new AudioSource(sampleRate, 1, 1000);
  await room.localParticipant!.publishTrack(
    LocalAudioTrack.createAudioTrack('microphone', microphone),
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );

  return {
    timeline,
    /** Plays each sentence in real time, `pauseMs` of silence after each. */
    async say(sentences: string[], pauseMs: number) {
      // All synthesized first: a pause must not grow while the next sentence is made.
      const speeches = await Promise.all(sentences.map((sentence) => synthesize(sentence, 0.85)));
      for (const speech of speeches) {
        if (speech.sampleRate !== sampleRate) throw new Error(`speech at ${speech.sampleRate} Hz`);
        await play(microphone, new Int16Array(speech.samples), sampleRate, pauseMs);
      }
    },
    /** Resolves with the first event `what` after index `from`, or rejects after `timeoutMs`. */
    async next(what: string, from = 0, timeoutMs = 20_000): Promise<Heard> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = timeline.slice(from).find((entry) => entry.what === what);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} in ${JSON.stringify(timeline)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      socket.close();
      await room.disconnect();
      await client.stopSession(session.session_id);
    },
  };
}

/** Plays `samples` (mono, `sampleRate`) into `source` in real time, then `silenceMs` of silence. */
async function play(source: AudioSource, samples: Int16Array, sampleRate: number, silenceMs: number) {
  const frame = Math.round(sampleRate / 50);
  const total = samples.length + Math.round((sampleRate * silenceMs) / 1000);
  for (let at = 0; at < total; at += frame) {
    const chunk = new Int16Array(frame);
    if (at < samples.length) chunk.set(samples.subarray(at, Math.min(samples.length, at + frame)));
    await source.captureFrame(new AudioFrame(chunk, sampleRate, 1, frame));
  }
}

const firstIndex = (timeline: Heard[], what: string) => timeline.findIndex((entry) => entry.what === what);

describe('emulator: voice input', () => {
  it('hears a spoken question, transcribes it, and answers it', async () => {
    const talk = await conversation();
    try {
      await talk.say([QUESTION], 1000);
      await talk.next('avatar_stop_talking');
      const { timeline } = talk;
      const at = (what: string) => firstIndex(timeline, what);
      expect(at('user_start')).toBe(0);
      expect(at('user_talking_message')).toBeGreaterThan(at('user_start'));
      expect(at('user_end_message')).toBeGreaterThan(Math.max(at('user_stop'), at('user_talking_message')));
      expect(at('avatar_start_talking')).toBeGreaterThan(at('user_end_message'));

      const heard = timeline
        .filter((entry) => entry.what === 'user_talking_message')
        .map((entry) => entry.text)
        .join(' ')
        .toLowerCase();
      const words = QUESTION.toLowerCase().replace(/[?]/g, '').split(' ');
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
      await talk.close();
    }
  }, 60_000);

  it('sends the words of a long turn while the user is still speaking', async () => {
    const talk = await conversation();
    try {
      // About 550 ms between the sentences (eSpeak NG ends each with 390 ms of silence): the
      // recogniser ends a segment there, while the turn (1 s of silence) goes on.
      await talk.say([QUESTION, FOLLOW_UP], 150);
      const stopped = await talk.next('user_stop');
      await talk.next('user_end_message');
      const { timeline } = talk;
      expect(timeline.filter((entry) => entry.what === 'user_start')).toHaveLength(1);
      const partials = timeline.filter((entry) => entry.what === 'user_talking_message');
      expect(partials.length, JSON.stringify(partials)).toBeGreaterThanOrEqual(2);
      expect(timeline.indexOf(partials[0]!)).toBeLessThan(timeline.indexOf(stopped));
    } finally {
      await talk.close();
    }
  }, 60_000);

  it('stops talking when the user cuts in (barge-in)', async () => {
    const talk = await conversation();
    try {
      await talk.say([QUESTION], 1000);
      const answering = await talk.next('avatar_start_talking');
      // The answer ("This is the streaming avatar emulator. You said: …") is several seconds long.
      const from = talk.timeline.indexOf(answering);
      await talk.say([FOLLOW_UP], 0);
      const cutIn = await talk.next('user_start', from);
      const stopped = await talk.next('avatar_stop_talking', from);
      expect(stopped.at - cutIn.at, JSON.stringify(talk.timeline)).toBeLessThan(1500);
      expect(stopped.at - answering.at).toBeLessThan(4000);
      // The follow-up is answered in turn.
      await talk.next('avatar_start_talking', talk.timeline.indexOf(stopped));
    } finally {
      await talk.close();
    }
  }, 60_000);
});
