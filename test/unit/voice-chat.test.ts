import { describe, expect, it } from 'vitest';
import { SessionEngine } from '../../src/session/session-engine.js';
import type { SessionOptions } from '../../src/session/session-options.js';
import type { ConversationState, TurnLatency } from '../../src/voice/conversation.js';
import { type MicrophoneEnvironment, toMicrophoneError } from '../../src/voice/microphone.js';
import { FakeClock, settle } from './fakes/clock.js';
import { FakeProvider, FakeTransport } from './fakes/session-parts.js';

/** A microphone track the test can end, as an unplugged device does. */
class FakeTrack extends EventTarget {
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly deviceId: string) {
    super();
  }
  stop() {
    this.readyState = 'ended';
  }
  unplug() {
    this.stop();
    this.dispatchEvent(new Event('ended'));
  }
}

function microphones(secure = true) {
  const opened: FakeTrack[] = [];
  const environment: MicrophoneEnvironment = {
    isSecureContext: secure,
    origin: 'http://shop.example',
    mediaDevices: {
      async getUserMedia(constraints) {
        const audio = constraints?.audio as { deviceId?: { exact: string } };
        const track = new FakeTrack(audio.deviceId?.exact ?? 'default');
        opened.push(track);
        return { getAudioTracks: () => [track] } as unknown as MediaStream;
      },
    },
  };
  return { environment, opened };
}

async function connected(options: Partial<SessionOptions> = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider();
  const transport = new FakeTransport();
  const mics = microphones();
  let onLoud: (() => void) | undefined;
  const session = new SessionEngine({
    token: async () => 'token',
    provider: () => provider,
    transport: async () => transport,
    clock,
    pageLifecycle: new EventTarget(),
    microphoneEnvironment: mics.environment,
    watchAudioEnergy: (_media, loud) => {
      onLoud = loud;
      return () => (onLoud = undefined);
    },
    ...options,
  });
  await session.start();
  const states: ConversationState[] = [];
  session.on('conversationStateChanged', (state) => states.push(state));
  return { session, clock, provider, transport, mics, states, loud: () => onLoud?.() };
}

describe('voice chat', () => {
  it('publishes the microphone in the session’s own room, listens, and releases it on stop', async () => {
    const { session, transport, provider, mics } = await connected();
    await session.voice.start();
    expect(transport.microphone).toBe(mics.opened[0]);
    expect(provider.calls).toContain('start_listening session-1');
    await session.voice.stop();
    expect(mics.opened[0]!.readyState).toBe('ended');
    expect(session.state).toBe('connected');
    expect(provider.calls).toContain('stop_listening session-1');
  });

  it('stopping the session always releases the microphone', async () => {
    for (const mode of ['conversational', 'push-to-talk'] as const) {
      const { session, mics } = await connected();
      await session.voice.start({ mode });
      await session.voice.setTalking(true);
      await session.stop();
      expect(mics.opened.every((track) => track.readyState === 'ended')).toBe(true);
      expect(session.voice.conversationState).toBe('idle');
    }
  });

  it('follows a turn: listening → user_speaking → thinking → avatar_speaking → listening, with the transcript and latency', async () => {
    const { session, clock, provider, transport, states, loud } = await connected();
    const latencies: TurnLatency[] = [];
    session.on('turnLatency', (latency) => latencies.push(latency));
    await session.voice.start();
    provider.voiceEvents!('user_start');
    await clock.advance(1500);
    provider.voiceEvents!('user_stop');
    await clock.advance(300);
    transport.avatarSays({
      type: 'user_talking_message',
      task_id: 'u1',
      message: 'What are your opening hours?',
    });
    transport.avatarSays({ type: 'user_end_message', task_id: 'u1' });
    await clock.advance(500);
    transport.avatarSays({ type: 'avatar_start_talking', task_id: 'a1' });
    transport.avatarSays({ type: 'avatar_talking_message', task_id: 'a1', message: 'We open ' });
    await clock.advance(120);
    loud();
    transport.avatarSays({ type: 'avatar_talking_message', task_id: 'a1', message: 'at nine.' });
    await clock.advance(1000);
    transport.avatarSays({ type: 'avatar_stop_talking', task_id: 'a1' });
    expect(states).toEqual(['listening', 'user_speaking', 'thinking', 'avatar_speaking', 'listening']);
    expect(session.voice.transcript.map(({ role, text }) => ({ role, text }))).toEqual([
      { role: 'user', text: 'What are your opening hours?' },
      { role: 'avatar', text: 'We open at nine.' },
    ]);
    expect(
      session.voice.transcript.every((turn) => turn.endedAt !== undefined && turn.endedAt >= turn.startedAt),
    ).toBe(true);
    expect(latencies).toHaveLength(1);
    expect(latencies[0]).toMatchObject({ toTranscriptMs: 300, toAvatarStartMs: 800, toFirstAudioMs: 920 });
  });

  it('a streamed utterance spoken in several pieces is one avatar turn of the transcript', async () => {
    const { session, transport } = await connected();
    await session.voice.start();
    async function* answer() {
      yield 'We open at nine. ';
      yield 'We close at six.';
    }
    const utterance = session.queue.speak(answer());
    await settle();
    for (const [taskId, words] of [
      ['task-1', 'We open at nine.'],
      ['task-2', 'We close at six.'],
    ] as const) {
      transport.avatarSays({ type: 'avatar_start_talking', task_id: taskId });
      transport.avatarSays({ type: 'avatar_talking_message', task_id: taskId, message: words });
      await settle();
      transport.avatarSays({ type: 'avatar_stop_talking', task_id: taskId });
    }
    await utterance.done;
    expect(utterance.pieces).toEqual(['We open at nine.', 'We close at six.']);
    expect(session.voice.transcript.map(({ role, text }) => ({ role, text }))).toEqual([
      { role: 'avatar', text: 'We open at nine. We close at six.' },
    ]);
  });

  it('gives the user’s words as they come, then the final text once', async () => {
    const { session, transport, provider } = await connected();
    const speech: [string, boolean][] = [];
    session.on('userSpeech', (text, final) => speech.push([text, final]));
    await session.voice.start();
    provider.voiceEvents!('user_start');
    transport.avatarSays({
      type: 'user_talking_message',
      task_id: 'u1',
      message: 'What are your opening hours',
    });
    transport.avatarSays({ type: 'user_talking_message', task_id: 'u1', message: 'on Saturday?' });
    provider.voiceEvents!('user_stop');
    transport.avatarSays({ type: 'user_end_message', task_id: 'u1' });
    expect(speech).toEqual([
      ['What are your opening hours', false],
      ['What are your opening hours on Saturday?', false],
      ['What are your opening hours on Saturday?', true],
    ]);
    expect(session.voice.transcript.map(({ text }) => text)).toEqual([
      'What are your opening hours on Saturday?',
    ]);
  });

  it('the user speaking over the avatar (barge-in) starts a new turn and ends the avatar’s', async () => {
    const { session, transport, provider, states } = await connected();
    await session.voice.start();
    transport.avatarSays({ type: 'avatar_start_talking', task_id: 'a1' });
    transport.avatarSays({ type: 'avatar_talking_message', task_id: 'a1', message: 'We open at' });
    provider.voiceEvents!('user_start');
    transport.avatarSays({ type: 'avatar_stop_talking', task_id: 'a1' });
    expect(states).toEqual(['listening', 'avatar_speaking', 'user_speaking']);
    expect(session.voice.transcript).toEqual([
      expect.objectContaining({ role: 'avatar', text: 'We open at', endedAt: expect.any(Number) }),
    ]);
    transport.avatarSays({ type: 'user_talking_message', task_id: 'u2', message: 'Sorry, Sunday?' });
    provider.voiceEvents!('user_stop');
    transport.avatarSays({ type: 'user_end_message', task_id: 'u2' });
    expect(session.voice.transcript.map(({ role }) => role)).toEqual(['avatar', 'user']);
    expect(session.voice.conversationState).toBe('thinking');
  });

  it('push-to-talk: the microphone sends nothing while the key is up, and the key sends the contract’s messages', async () => {
    const { session, transport, states } = await connected();
    await session.voice.start({ mode: 'push-to-talk' });
    expect(transport.microphoneMuted).toBe(true);
    await session.voice.setTalking(true);
    expect(transport.microphoneMuted).toBe(false);
    await session.voice.setTalking(false);
    expect(transport.microphoneMuted).toBe(true);
    expect(transport.sent).toEqual(['"push_to_talk:start"', '"push_to_talk:stop"']);
    expect(states).toEqual(['listening', 'user_speaking', 'thinking']);
  });

  it('mute and unmute keep voice chat on', async () => {
    const { session, transport } = await connected();
    await session.voice.start({ muted: true });
    expect(transport.microphoneMuted).toBe(true);
    await session.voice.setMuted(false);
    expect(transport.microphoneMuted).toBe(false);
    await session.voice.setMuted(true);
    expect(transport.microphoneMuted).toBe(true);
  });

  it('falls back to the default microphone when the one in use is unplugged, and says so', async () => {
    const { session, transport, mics } = await connected();
    const changes: unknown[] = [];
    session.on('microphoneChanged', (change) => changes.push(change));
    await session.voice.start({ deviceId: 'usb-headset' });
    mics.opened[0]!.unplug();
    await settle();
    expect(mics.opened.map((track) => track.deviceId)).toEqual(['usb-headset', 'default']);
    expect(transport.microphone).toBe(mics.opened[1]);
    expect(changes).toEqual([{ deviceId: undefined, reason: 'device_lost' }]);
  });

  it('refuses a page-side respond at once, before the microphone opens: the provider’s model answers voice turns', async () => {
    const { session, provider, mics } = await connected();
    const respond = async function* () {
      yield 'An answer from the page.';
    };
    await expect(session.voice.start({ respond } as never)).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringContaining('LiveAvatar FULL'),
    });
    expect(mics.opened).toHaveLength(0);
    expect(provider.calls.some((call) => call.startsWith('start_listening'))).toBe(false);
    expect(session.voice.conversationState).toBe('idle');
  });

  it('needs a connected session', async () => {
    const session = new SessionEngine({ token: async () => 'token' });
    await expect(session.voice.start()).rejects.toMatchObject({ code: 'not_started' });
  });
});

describe('microphone errors', () => {
  it.each([
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['NotFoundError', 'missing'],
    ['OverconstrainedError', 'missing'],
    ['NotReadableError', 'busy'],
  ])('%s becomes a microphone error with reason %s', (name, reason) => {
    const error = toMicrophoneError(new DOMException('refused', name));
    expect(error).toMatchObject({ code: 'microphone', reason });
  });

  it('an http page other than localhost is told why, before the browser is asked', async () => {
    const { environment, opened } = microphones(false);
    const { session } = await connected({ microphoneEnvironment: environment });
    const error = await session.voice.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'microphone', reason: 'insecure_context' });
    expect((error as Error).message).toContain('http://shop.example is served over http');
    expect(opened).toEqual([]);
  });
});
