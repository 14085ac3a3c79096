/**
 * The emulator's LiveAvatar LITE websocket (`liveavatar-api.md` §7) with the real room: the page's
 * PCM is what the avatar says (the viewer hears it), speech events come on the socket, interrupt
 * cuts the audio, and bad frames get `error` frames without ending the session.
 */
import { AudioStream, type RemoteTrack, Room, RoomEvent, TrackKind } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SANDBOX_AVATAR_ID } from '../../emulator/src/index.js';
import { synthesize } from '../../emulator/src/speech.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulatorProcess();
}, 300_000);

afterAll(() => emulator?.stop());

const liveAvatarUrl = () => `${emulator.apiUrl}/liveavatar`;

async function startLite() {
  const tokenAnswer = await fetch(`${liveAvatarUrl()}/v1/sessions/token`, {
    method: 'POST',
    headers: { 'x-api-key': 'emulator-liveavatar-key', 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'LITE', avatar_id: SANDBOX_AVATAR_ID }),
  });
  const { session_token } = ((await tokenAnswer.json()) as { data: { session_token: string } }).data;
  const started = await fetch(`${liveAvatarUrl()}/v1/sessions/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session_token}` },
  });
  expect(started.status).toBe(201);
  const data = ((await started.json()) as { data: Record<string, string> }).data;
  expect(data.ws_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/liveavatar\//);

  // A viewer that measures the avatar's loudness (RMS of 16-bit samples) every 10 ms.
  const room = new Room();
  const loudness: { at: number; rms: number }[] = [];
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    void (async () => {
      for await (const frame of new AudioStream(track, { sampleRate: 24_000, numChannels: 1 })) {
        let sum = 0;
        for (const sample of frame.data) sum += sample * sample;
        loudness.push({ at: Date.now(), rms: Math.sqrt(sum / frame.data.length) });
      }
    })().catch(() => undefined);
  });
  await room.connect(data.livekit_url!, data.livekit_client_token!, { autoSubscribe: true, dynacast: false });

  const socket = new WebSocket(data.ws_url!);
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = async (type: string, from = 0, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = frames.slice(from).find((frame) => frame.type === type);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} in ${JSON.stringify(frames)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    frames,
    loudness,
    next,
    send: (frame: object) => socket.send(JSON.stringify(frame)),
    sendRaw: (text: string) => socket.send(text),
    async close() {
      socket.close();
      await room.disconnect();
      await fetch(`${liveAvatarUrl()}/v1/sessions/stop`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session_token}` },
      });
    },
  };
}

/** `text` as LITE wants it: 24 kHz s16le mono, base64, in frames of `frameSeconds`. */
async function pcmFrames(text: string, frameSeconds: number): Promise<string[]> {
  const speech = await synthesize(text);
  const samples = new Int16Array(Math.round((speech.samples.length * 24_000) / speech.sampleRate));
  for (let i = 0; i < samples.length; i++)
    samples[i] =
      speech.samples[Math.min(speech.samples.length - 1, Math.floor((i * speech.sampleRate) / 24_000))]!;
  const frames: string[] = [];
  const size = Math.round(24_000 * frameSeconds);
  for (let at = 0; at < samples.length; at += size) {
    const piece = samples.subarray(at, at + size);
    frames.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString('base64'));
  }
  return frames;
}

describe('LiveAvatar LITE: the websocket', () => {
  it('says the audio it is sent: connected first, speak_started, the viewer hears it, speak_ended', async () => {
    const lite = await startLite();
    try {
      await lite.next('session.state_updated');
      expect(await lite.next('session.state_updated', 1)).toMatchObject({ state: 'connected' });
      const frames = await pcmFrames('The avatar says exactly what it is sent.', 1);
      const sentAt = Date.now();
      for (const audio of frames) lite.send({ type: 'agent.speak', event_id: 'speech-1', audio });
      lite.send({ type: 'agent.speak_end', event_id: 'speech-1' });
      expect(await lite.next('agent.speak_started')).toMatchObject({ event_id: 'speech-1' });
      const ended = await lite.next('agent.speak_ended');
      expect(ended).toMatchObject({ event_id: 'speech-1' });
      const loud = lite.loudness.filter((entry) => entry.at >= sentAt && entry.rms > 1000);
      expect(loud.length, 'loud 10 ms frames while speaking').toBeGreaterThan(20);
    } finally {
      await lite.close();
    }
  }, 60_000);

  it('interrupt cuts the speech and says so', async () => {
    const lite = await startLite();
    try {
      await lite.next('session.state_updated', 1);
      const frames = await pcmFrames(
        'This is a long sentence that the listener will not hear to its end at all.',
        1,
      );
      for (const audio of frames) lite.send({ type: 'agent.speak', event_id: 'speech-2', audio });
      lite.send({ type: 'agent.speak_end', event_id: 'speech-2' });
      await lite.next('agent.speak_started');
      lite.send({ type: 'agent.interrupt' });
      expect(await lite.next('agent.speak_interrupted')).toMatchObject({ event_id: 'speech-2' });
      const cutAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // The sentence runs about 5 s: uncut, the viewer would still hear it a second after the cut.
      // (A second allows for the room's buffering and a slow test process reading the audio.)
      const heardLater = lite.loudness.filter((entry) => entry.at > cutAt + 1000 && entry.rms > 1000);
      expect(heardLater).toEqual([]);
      expect(lite.loudness.some((entry) => entry.at > cutAt + 1000)).toBe(true);
      expect(lite.frames.some((frame) => frame.type === 'agent.speak_ended')).toBe(false);
    } finally {
      await lite.close();
    }
  }, 60_000);

  it('answers bad frames with error frames and keeps the session', async () => {
    const lite = await startLite();
    try {
      await lite.next('session.state_updated', 1);
      lite.send({ type: 'agent.speak', event_id: 'bad', audio: 'not base64!' });
      expect(await lite.next('error')).toMatchObject({ error: { type: 'invalid_audio' } });
      const count = lite.frames.length;
      lite.sendRaw(JSON.stringify({ type: 'agent.speak', audio: 'A'.repeat(1024 * 1024 + 8) }));
      expect(await lite.next('error', count)).toMatchObject({ error: { type: 'frame_too_large' } });
      const after = lite.frames.length;
      lite.sendRaw('{not json');
      expect(await lite.next('error', after)).toMatchObject({ error: { type: 'invalid_message' } });
      lite.send({ type: 'session.keep_alive', event_id: 'k' });
      const [audio] = await pcmFrames('Still here.', 2);
      lite.send({ type: 'agent.speak', event_id: 'ok', audio });
      lite.send({ type: 'agent.speak_end', event_id: 'ok' });
      expect(await lite.next('agent.speak_ended')).toMatchObject({ event_id: 'ok' });
    } finally {
      await lite.close();
    }
  }, 60_000);

  it('bounds the audio waiting to be played: a runaway sender gets audio_queue_full, and the session goes on', async () => {
    const lite = await startLite();
    try {
      await lite.next('session.state_updated', 1);
      // Ten seconds a frame (0.64 MB of base64), sent at once: 310 s in all, over the 300 s bound.
      const tenSeconds = Buffer.alloc(24_000 * 10 * 2, 0).toString('base64');
      for (let i = 0; i < 31; i++) lite.send({ type: 'agent.speak', event_id: 'flood', audio: tenSeconds });
      expect(await lite.next('error')).toMatchObject({ error: { type: 'audio_queue_full' } });
      lite.send({ type: 'agent.interrupt' });
      await lite.next('agent.speak_interrupted');
      const count = lite.frames.length;
      const [audio] = await pcmFrames('Still here.', 2);
      lite.send({ type: 'agent.speak', event_id: 'after', audio });
      lite.send({ type: 'agent.speak_end', event_id: 'after' });
      expect(await lite.next('agent.speak_ended', count)).toMatchObject({ event_id: 'after' });
    } finally {
      await lite.close();
    }
  }, 60_000);
});
