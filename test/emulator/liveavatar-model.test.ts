/**
 * LiveAvatar FULL with the account's own model (contract §10): the emulator asks the endpoint
 * the session's LLM configuration names — here the toolkit's own chat-completions handler on this
 * machine — with the conversation so far, speaks its streamed answer, and aborts the request when
 * the answer is interrupted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { SANDBOX_AVATAR_ID } from '../../emulator/src/index.js';
import { synthesize } from '../../emulator/src/speech.js';
import { type ChatMessage, createChatCompletionsHandler, toNodeListener } from '../../src/server/index.js';
import { type RunningEmulator, startEmulatorProcess } from './emulator-process.js';

const KEY = 'emulator-liveavatar-key';
const MODEL_SECRET = 'model-secret-for-the-emulator';

interface Asked {
  messages: readonly ChatMessage[];
  model: string;
  aborted: Promise<void>;
}

let emulator: RunningEmulator;
let modelServer: Server;
const asked: Asked[] = [];
/** What the model says to the next question; `hang` answers one sentence, then waits to be aborted. */
let nextAnswer: string[] | 'hang' = [];

beforeAll(async () => {
  const handler = createChatCompletionsHandler({
    secret: MODEL_SECRET,
    async *respond(messages, { signal, model }) {
      asked.push({
        messages,
        model: model ?? '',
        aborted: new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      });
      if (nextAnswer === 'hang') {
        yield 'Let me think about that for a while, since our hours change with the seasons and the holidays. ';
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      for (const token of nextAnswer) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield token;
      }
    },
  });
  modelServer = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => modelServer.listen(0, '127.0.0.1', resolve));
  emulator = await startEmulatorProcess();
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
  modelServer?.close();
});

async function call(path: string, body: unknown, auth: Record<string, string>) {
  const response = await fetch(`${emulator.liveAvatarUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { data: Record<string, unknown> };
  expect(response.ok, JSON.stringify(answer)).toBe(true);
  return answer.data;
}

/** A FULL session on the model's configuration, joined in its room; `said` gathers the avatar's words per answer. */
async function sessionWithOwnModel() {
  const { port } = modelServer.address() as AddressInfo;
  const { secret_id } = await call(
    '/v1/secrets',
    { secret_type: 'LLM_API_KEY', secret_value: MODEL_SECRET, secret_name: 'model' },
    { 'x-api-key': KEY },
  );
  const configuration = await call(
    '/v1/llm_configurations',
    { display_name: 'Our model', model_name: 'faq-1', secret_id, base_url: `http://127.0.0.1:${port}` },
    { 'x-api-key': KEY },
  );
  const { session_token } = await call(
    '/v1/sessions/token',
    {
      mode: 'FULL',
      avatar_id: SANDBOX_AVATAR_ID,
      avatar_persona: { language: 'en' },
      llm_configuration_id: configuration.id,
      is_sandbox: true,
    },
    { 'x-api-key': KEY },
  );
  const started = await call('/v1/sessions/start', {}, { authorization: `Bearer ${session_token}` });
  const room = new Room();
  const events: { type: string; text?: string; task?: string }[] = [];
  room.on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
    if (topic !== 'agent-response') return;
    const event = JSON.parse(new TextDecoder().decode(payload));
    events.push({ type: event.event_type, text: event.text, task: event.source_event_id });
  });
  await room.connect(String(started.livekit_url), String(started.livekit_client_token), {
    autoSubscribe: false,
    dynacast: false,
  });
  const command = (event_type: string, extra: object = {}) =>
    room.localParticipant!.publishData(
      new TextEncoder().encode(JSON.stringify({ event_id: crypto.randomUUID(), event_type, ...extra })),
      { reliable: true, topic: 'agent-control' },
    );
  const waitFor = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** Says `sentence` into a microphone published in the room, in real time. */
  const say = async (sentence: string) => {
    const speech = await synthesize(sentence, 0.85);
    microphone ??= new AudioSource(speech.sampleRate, 1, 1000);
    if (!published) {
      published = true;
      await room.localParticipant!.publishTrack(
        LocalAudioTrack.createAudioTrack('microphone', microphone),
        new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
      );
    }
    const frame = Math.round(speech.sampleRate / 50);
    const samples = new Int16Array(speech.samples);
    // The speech, then a second of silence: the end of the user's turn.
    for (let at = 0; at < samples.length + speech.sampleRate; at += frame) {
      const chunk = new Int16Array(frame);
      if (at < samples.length) chunk.set(samples.subarray(at, Math.min(samples.length, at + frame)));
      await microphone.captureFrame(new AudioFrame(chunk, speech.sampleRate, 1, frame));
    }
  };
  let microphone: AudioSource | undefined;
  let published = false;
  return { room, events, command, waitFor, say };
}

describe('LiveAvatar FULL with the account’s own model (contract §10)', () => {
  it('answers from the configured endpoint with the conversation so far, sentence by sentence, as one speech', async () => {
    const { room, events, command, waitFor } = await sessionWithOwnModel();
    try {
      nextAnswer = ['We open ', 'at nine. ', 'We close ', 'at six.'];
      await command('avatar.speak_response', { text: 'When are you open?' });
      await waitFor(() => events.some((event) => event.type === 'avatar.speak_ended'), 'the first answer');
      const firstAnswer = events
        .filter((event) => event.type === 'avatar.transcription')
        .map((event) => event.text);
      expect(firstAnswer).toEqual(['We open at nine. We close at six.']);
      expect(events.filter((event) => event.type === 'avatar.speak_started')).toHaveLength(1);
      expect(asked[0]!.model).toBe('faq-1');
      expect(asked[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'When are you open?' });

      nextAnswer = ['Yes, ', 'on Saturdays too.'];
      events.length = 0;
      await command('avatar.speak_response', { text: 'Also on Saturdays?' });
      await waitFor(() => events.some((event) => event.type === 'avatar.speak_ended'), 'the second answer');
      expect(asked[1]!.messages.slice(-3)).toEqual([
        { role: 'user', content: 'When are you open?' },
        { role: 'assistant', content: 'We open at nine. We close at six.' },
        { role: 'user', content: 'Also on Saturdays?' },
      ]);
    } finally {
      await room.disconnect();
    }
  }, 120_000);

  it('asks the model on a voice turn, and aborts its request when the user speaks over the answer', async () => {
    const { room, events, command, waitFor, say } = await sessionWithOwnModel();
    try {
      nextAnswer = 'hang';
      const before = asked.length;
      await command('avatar.start_listening');
      await say('What are your opening hours on Saturday?');
      await waitFor(
        () => events.some((event) => event.type === 'avatar.speak_started'),
        'the answer to begin',
      );
      expect(asked[before]!.messages.at(-1)?.role).toBe('user');
      // Aborted as the user cuts in, before the follow-up has even been said (let alone asked).
      const first = await Promise.race([
        asked[before]!.aborted.then(() => 'aborted'),
        say('And where can I park my car?').then(() => 'follow-up said'),
      ]);
      expect(first).toBe('aborted');
      expect(asked.length).toBe(before + 1);
      await waitFor(() => events.some((event) => event.type === 'avatar.speak_ended'), 'the answer to stop');
    } finally {
      await room.disconnect();
    }
  }, 120_000);

  it('aborts the model’s request when the answer is interrupted', async () => {
    const { room, events, command, waitFor } = await sessionWithOwnModel();
    try {
      nextAnswer = 'hang';
      const before = asked.length;
      await command('avatar.speak_response', { text: 'Tell me everything.' });
      await waitFor(
        () => events.some((event) => event.type === 'avatar.speak_started'),
        'the first sentence',
      );
      await command('avatar.interrupt');
      await asked[before]!.aborted;
      await waitFor(() => events.some((event) => event.type === 'avatar.speak_ended'), 'the speech to stop');
    } finally {
      await room.disconnect();
    }
  }, 120_000);
});
