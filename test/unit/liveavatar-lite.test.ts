import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderPacket } from '../../src/provider.js';
import { liveAvatarLiteProvider, resample, toBase64 } from '../../src/providers/liveavatar-lite.js';
import { readSessionToken } from '../../src/providers/liveavatar-token.js';
import { FakeClock } from './fakes/clock.js';

/** A LITE session token (the payload is all the client reads). */
const TOKEN = `h.${Buffer.from(
  JSON.stringify({ session_id: 'lite-1', start_session_data: { mode: 'LITE' } }),
).toString('base64url')}.s`;

/** A websocket the test plays the server side of. */
class FakeSocket extends EventTarget {
  static readonly OPEN = 1;
  static last: FakeSocket | undefined;
  readonly OPEN = 1;
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    });
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1000) {
    this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event('close'), { code }));
  }
  /** A frame from the server. */
  serverSays(frame: object) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(frame) }));
  }
}

const started = {
  code: 1000,
  data: {
    session_id: 'lite-1',
    livekit_url: 'wss://room',
    livekit_client_token: 'jwt',
    ws_url: 'wss://lite/ws',
  },
};
const fetchStub = async () => Response.json(started, { status: 201 });

beforeEach(() => {
  FakeSocket.last = undefined;
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => vi.unstubAllGlobals());

async function connected(clock?: FakeClock) {
  const provider = liveAvatarLiteProvider(TOKEN, readSessionToken(TOKEN), {
    baseUrl: 'http://la.test',
    fetch: fetchStub,
    clock,
  });
  const packets: ProviderPacket[] = [];
  provider.listen?.((packet) => packets.push(packet));
  const starting = provider.startSession('lite-1');
  await vi.waitFor(() => expect(FakeSocket.last?.readyState).toBe(1));
  const socket = FakeSocket.last!;
  socket.serverSays({ type: 'session.state_updated', state: 'connecting' });
  socket.serverSays({ type: 'session.state_updated', state: 'connected' });
  const room = await starting;
  return { provider, socket, packets, room };
}

describe('LiveAvatar LITE provider', () => {
  it('starts only once the socket says connected, and gives the room', async () => {
    const { room, socket } = await connected();
    expect(socket.url).toBe('wss://lite/ws');
    expect(room.room).toEqual({ url: 'wss://room', accessToken: 'jwt' });
  });

  it('rejects — never hangs — when the socket closes before connected', async () => {
    const provider = liveAvatarLiteProvider(TOKEN, readSessionToken(TOKEN), { fetch: fetchStub });
    const starting = provider.startSession('lite-1');
    await vi.waitFor(() => expect(FakeSocket.last?.readyState).toBe(1));
    FakeSocket.last!.close(1011);
    await expect(starting).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('1011'),
    });
  });

  it('sends 24 kHz PCM in frames (the first a quarter second), then speak_end, and settles on speak_ended', async () => {
    const { provider, socket, packets } = await connected();
    // Two seconds at 12 kHz: resampled to 48,000 samples at 24 kHz.
    const pcm = new Int16Array(24_000).map((_, i) => Math.round(Math.sin(i / 5) * 8000));
    const speaking = provider.sendAudio!('lite-1', pcm, 12_000);
    await vi.waitFor(() => expect(socket.sent.at(-1)?.type).toBe('agent.speak_end'), { timeout: 3000 });
    const frames = socket.sent.filter((frame) => frame.type === 'agent.speak');
    const lengths = frames.map((frame) => Buffer.from(String(frame.audio), 'base64').length / 2);
    expect(lengths).toEqual([6000, 24_000, 18_000]);
    const eventId = frames[0]!.event_id;
    expect(frames.every((frame) => frame.event_id === eventId)).toBe(true);
    socket.serverSays({ type: 'agent.speak_started', event_id: eventId, task: { id: 't' } });
    socket.serverSays({ type: 'agent.speak_ended', event_id: eventId, task: { id: 't' } });
    await speaking;
    expect(packets.map((packet) => (packet.kind === 'event' ? packet.event.type : packet.kind))).toEqual([
      'avatar_start_talking',
      'avatar_stop_talking',
    ]);
  });

  it('interrupt stops the frames not yet sent and settles the speech as interrupted', async () => {
    const clock = new FakeClock();
    const { provider, socket } = await connected(clock);
    const pcm = new Int16Array(24_000 * 6).fill(1000);
    const speaking = provider.sendAudio!('lite-1', pcm, 24_000).catch(
      (error: { code: string }) => error.code,
    );
    await vi.waitFor(() =>
      expect(socket.sent.filter((frame) => frame.type === 'agent.speak').length).toBe(2),
    );
    await provider.interrupt('lite-1');
    const eventId = socket.sent[0]!.event_id;
    socket.serverSays({ type: 'agent.speak_interrupted', event_id: eventId, task: { id: 't' } });
    // The six seconds the frames would have taken: none of them goes out.
    await clock.advance(6000);
    expect(await speaking).toBe('interrupted');
    expect(socket.sent.map((frame) => frame.type)).toEqual(['agent.speak', 'agent.speak', 'agent.interrupt']);
  });

  it('refuses text and push-to-talk with configuration errors, and reads the end of the session', async () => {
    const { provider, socket, packets } = await connected();
    await expect(provider.sendTask('lite-1', 'Hello', 'repeat')).rejects.toMatchObject({
      code: 'configuration',
    });
    await expect(provider.setPushToTalk('lite-1', true)).rejects.toMatchObject({ code: 'configuration' });
    expect(provider.ratePlan.creditsPerMinute).toBe(1);
    socket.serverSays({ type: 'session.state_updated', state: 'closed' });
    expect(packets.at(-1)).toMatchObject({ kind: 'ended', reason: 'server_closed' });
  });

  describe('the speech always settles', () => {
    const quarterSecond = () => new Int16Array(6000).fill(500);
    const sentAll = (socket: FakeSocket) =>
      vi.waitFor(() => expect(socket.sent.at(-1)?.type).toBe('agent.speak_end'));

    it('when the session is stopped after the frames were sent', async () => {
      const { provider, socket } = await connected();
      const speaking = provider.sendAudio!('lite-1', quarterSecond(), 24_000);
      await sentAll(socket);
      await provider.stopSession('lite-1');
      await expect(speaking).rejects.toMatchObject({ code: 'session_closed' });
    });

    it('when the session is stopped while frames are still being sent (session_closed, not not_started)', async () => {
      const { provider, socket } = await connected();
      const speaking = provider.sendAudio!('lite-1', new Int16Array(24_000 * 6), 24_000);
      await vi.waitFor(() =>
        expect(socket.sent.filter((frame) => frame.type === 'agent.speak')).toHaveLength(2),
      );
      await provider.stopSession('lite-1');
      await expect(speaking).rejects.toMatchObject({ code: 'session_closed' });
    });

    it('when the page is hidden', async () => {
      const { provider, socket } = await connected();
      const speaking = provider.sendAudio!('lite-1', quarterSecond(), 24_000);
      await sentAll(socket);
      provider.stopSessionOnUnload('lite-1');
      await expect(speaking).rejects.toMatchObject({ code: 'session_closed' });
    });

    for (const [name, end] of [
      [
        'the server closes the session',
        (socket: FakeSocket) => socket.serverSays({ type: 'session.state_updated', state: 'closed' }),
      ],
      ['the socket drops', (socket: FakeSocket) => socket.close(1006)],
    ] as const) {
      it(`when ${name}`, async () => {
        const { provider, socket } = await connected();
        const speaking = provider.sendAudio!('lite-1', quarterSecond(), 24_000);
        await sentAll(socket);
        end(socket);
        await expect(speaking).rejects.toMatchObject({ code: 'session_closed' });
      });
    }

    it('with a timeout from the audio’s length when the avatar never reports it spoken', async () => {
      const { provider, socket } = await connected();
      vi.useFakeTimers();
      try {
        const speaking = provider.sendAudio!('lite-1', quarterSecond(), 24_000);
        const outcome = speaking.catch((error: unknown) => error);
        await vi.advanceTimersByTimeAsync(0);
        expect(socket.sent.at(-1)?.type).toBe('agent.speak_end');
        // 250 ms of audio: given up after 2 × 250 ms + 10,000 ms.
        await vi.advanceTimersByTimeAsync(10_499);
        let settled = false;
        void outcome.then(() => (settled = true));
        await vi.advanceTimersByTimeAsync(0);
        expect(settled).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(await outcome).toMatchObject({ code: 'timeout', timeoutMs: 10_500 });
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('resamples and encodes little-endian', () => {
    expect(Array.from(resample(Int16Array.of(0, 100, 200, 300), 24_000, 12_000))).toEqual([0, 200]);
    expect(toBase64(Int16Array.of(1, -2))).toBe(Buffer.from([1, 0, 0xfe, 0xff]).toString('base64'));
  });
});
