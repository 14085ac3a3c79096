/**
 * LiveAvatar LITE mode (`liveavatar-api.md` §7): you bring the speech as audio, the avatar
 * lip-syncs to it. The session's websocket (`ws_url`) carries the audio and the speech events;
 * nothing is sent before it reports `connected`, and it rejects — never hangs — when it closes or
 * errs first. Text cannot be spoken here: `speak()` fails with a `configuration` error.
 */

import { LiveAvatarSessionClient } from '../api/liveavatar-client.js';
import { RATE_PLANS } from '../credits/rate-plans.js';
import {
  AbortError,
  InvalidResponseError,
  StreamingAvatarError,
  TimeoutError,
  UtteranceError,
} from '../errors.js';
import { sleep, systemClock } from '../internal/clock.js';
import { AVATAR_IDENTITY } from '../limits.js';
import type { ProviderPacket, StreamingProvider } from '../provider.js';
import type { LiveAvatarProviderOptions, LiveAvatarTokenClaims } from './liveavatar-token.js';

/** LITE audio: 24,000 samples a second, 16-bit, mono (contract §7). */
export const LITE_SAMPLE_RATE = 24_000;
/** Audio per frame, in samples: about one second (contract §7), the first a quarter of that so speech starts sooner. */
const FRAME_SAMPLES = LITE_SAMPLE_RATE;
const FIRST_FRAME_SAMPLES = LITE_SAMPLE_RATE / 4;
/** How far ahead of the avatar's playback the frames are sent, in milliseconds. */
const SEND_AHEAD_MS = 1000;
/**
 * Grace in milliseconds on top of twice the audio's length before a speech whose end never came
 * is given up (the task queue's rule for text).
 */
const SPEECH_GRACE_MS = 10_000;

/** One speech being sent: its frames still to send and its outcome. */
interface Speech {
  eventId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
  cancelled: boolean;
}

const sessionClosed = () => new StreamingAvatarError('session_closed', 'The session has ended.');

export function liveAvatarLiteProvider(
  sessionToken: string,
  claims: LiveAvatarTokenClaims,
  options: LiveAvatarProviderOptions,
): StreamingProvider {
  // A monotonic clock by default: pacing must not jump with the wall clock.
  const clock = options.clock ?? systemClock;
  const client = new LiveAvatarSessionClient({
    credentials: { sessionToken },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  let socket: WebSocket | undefined;
  let deliver: (packet: ProviderPacket) => void = () => undefined;
  let current: Speech | undefined;
  let stopping = false;

  /** Settles the speech being sent or spoken (if any) with `error`; its frames stop. */
  const endSpeech = (error: StreamingAvatarError) => {
    const speech = current;
    if (!speech) return;
    current = undefined;
    speech.cancelled = true;
    speech.reject(error);
  };

  const send = (frame: Record<string, unknown>) => {
    if (socket?.readyState !== WebSocket.OPEN) {
      throw new StreamingAvatarError('not_started', 'The LiveAvatar LITE websocket is not open.');
    }
    socket.send(JSON.stringify(frame));
  };

  const receive = (frame: Record<string, unknown>) => {
    const taskId = typeof frame.event_id === 'string' ? frame.event_id : '';
    const speech = current?.eventId === taskId ? current : undefined;
    switch (frame.type) {
      case 'agent.speak_started':
        deliver({ kind: 'event', event: { type: 'avatar_start_talking', task_id: taskId } });
        return;
      case 'agent.speak_ended':
        deliver({ kind: 'event', event: { type: 'avatar_stop_talking', task_id: taskId } });
        if (speech) {
          current = undefined;
          speech.resolve();
        }
        return;
      case 'agent.speak_interrupted':
        deliver({ kind: 'event', event: { type: 'avatar_stop_talking', task_id: taskId } });
        if (speech) endSpeech(new UtteranceError('interrupted', taskId, 'The speech was interrupted.'));
        return;
      case 'error': {
        const error = (frame.error ?? {}) as { type?: unknown; message?: unknown };
        const failure = new StreamingAvatarError(
          'api_error',
          `LiveAvatar refused a frame (${String(error.type ?? 'error')}): ${String(error.message ?? '')}`,
        );
        endSpeech(failure);
        deliver({ kind: 'unknown', type: 'error', value: frame });
        return;
      }
      case 'session.state_updated':
        if (frame.state !== 'closing' && frame.state !== 'closed') return;
        endSpeech(sessionClosed());
        if (!stopping)
          deliver({ kind: 'ended', reason: 'server_closed', providerReason: `state ${String(frame.state)}` });
        return;
      default:
        deliver({ kind: 'unknown', type: String(frame.type), value: frame });
    }
  };

  /** Opens `url` and resolves once the session says `connected`. */
  const connectSocket = (url: string, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const opened = new WebSocket(url);
      socket = opened;
      let connected = false;
      let failed = false;
      const fail = (error: StreamingAvatarError) => {
        if (connected || failed) return;
        failed = true;
        reject(error);
        opened.close();
      };
      signal?.addEventListener(
        'abort',
        () => fail(new AbortError('Opening the LiveAvatar LITE websocket was aborted.')),
        {
          once: true,
        },
      );
      opened.addEventListener('message', (message) => {
        let frame: Record<string, unknown>;
        try {
          frame = JSON.parse(String(message.data)) as Record<string, unknown>;
        } catch {
          return;
        }
        if (!connected && frame.type === 'session.state_updated' && frame.state === 'connected') {
          connected = true;
          resolve();
          return;
        }
        if (!connected && frame.type === 'error') {
          fail(
            new StreamingAvatarError(
              'api_error',
              `LiveAvatar's websocket refused the session: ${JSON.stringify(frame.error)}`,
            ),
          );
          return;
        }
        if (connected) receive(frame);
      });
      opened.addEventListener('error', () =>
        fail(
          new StreamingAvatarError(
            'network',
            `The LiveAvatar LITE websocket at ${new URL(url).host} failed.`,
          ),
        ),
      );
      opened.addEventListener('close', (event) => {
        if (!connected) {
          fail(
            new StreamingAvatarError(
              'network',
              `The LiveAvatar LITE websocket closed (code ${event.code}) before the session was connected.`,
            ),
          );
          return;
        }
        endSpeech(sessionClosed());
        if (!stopping)
          deliver({
            kind: 'ended',
            reason: 'network_lost',
            providerReason: `websocket closed ${event.code}`,
          });
      });
    });

  return {
    ratePlan: claims.sandbox ? RATE_PLANS['liveavatar-sandbox'] : RATE_PLANS['liveavatar-lite'],
    newSession: async () => ({ sessionId: claims.sessionId }),
    async startSession(_sessionId, signal) {
      const started = await client.startSession(signal ? { signal } : {});
      if (!started.ws_url) {
        throw new InvalidResponseError('/v1/sessions/start', [
          { path: 'data.ws_url', message: 'expected a string (LITE sessions speak through their websocket)' },
        ]);
      }
      await connectSocket(started.ws_url, signal);
      return {
        room: { url: started.livekit_url, accessToken: started.livekit_client_token },
        durationLimitSeconds: started.max_session_duration ?? undefined,
      };
    },
    participants: () => ({ avatar: AVATAR_IDENTITY, required: [] }),
    useRoom() {},
    listen(onPacket) {
      deliver = onPacket;
    },
    async sendTask() {
      throw new StreamingAvatarError(
        'configuration',
        'LiveAvatar LITE cannot speak text: send the speech as audio with speakAudio(pcm, { sampleRate }), or use FULL mode.',
      );
    },
    async sendAudio(_sessionId, pcm, sampleRate) {
      if (current) {
        endSpeech(new UtteranceError('interrupted', current.eventId, 'Replaced by newer speech.'));
      }
      const samples = resample(pcm, sampleRate, LITE_SAMPLE_RATE);
      const eventId = crypto.randomUUID();
      const done = new Promise<void>((resolve, reject) => {
        current = { eventId, resolve, reject, cancelled: false };
      });
      const speech = current!;
      // Twice the audio's length plus the grace: the avatar's end event stopped coming.
      const timeoutMs = (samples.length / LITE_SAMPLE_RATE) * 2000 + SPEECH_GRACE_MS;
      const watchdog = clock.setTimeout(() => {
        if (current === speech)
          endSpeech(
            new TimeoutError(`The speech was not reported spoken within ${timeoutMs} ms.`, timeoutMs),
          );
      }, timeoutMs);
      // Settled while frames are still being paced out: the caller gets it when it awaits.
      done.catch(() => undefined).finally(() => clock.clearTimeout(watchdog));
      const startedAt = clock.now();
      let sentMs = 0;
      try {
        for (let at = 0; at < samples.length && !speech.cancelled; ) {
          const size = at === 0 ? FIRST_FRAME_SAMPLES : FRAME_SAMPLES;
          const frame = samples.subarray(at, at + size);
          // Keep about a second ahead of what the avatar is playing: an interrupt leaves little unsent audio.
          const waitMs = startedAt + sentMs - SEND_AHEAD_MS - clock.now();
          if (waitMs > 0) await sleep(waitMs, clock);
          if (speech.cancelled) break;
          send({ type: 'agent.speak', event_id: eventId, audio: toBase64(frame) });
          sentMs += (frame.length / LITE_SAMPLE_RATE) * 1000;
          at += size;
        }
        if (!speech.cancelled) send({ type: 'agent.speak_end', event_id: eventId });
      } catch {
        // The socket closed under the frames: the session is over for this speech.
        if (current === speech) endSpeech(sessionClosed());
      }
      return done;
    },
    async interrupt() {
      const speech = current;
      if (speech) speech.cancelled = true;
      send({ type: 'agent.interrupt', event_id: crypto.randomUUID() });
    },
    async keepAlive() {
      if (socket?.readyState === WebSocket.OPEN)
        send({ type: 'session.keep_alive', event_id: crypto.randomUUID() });
      else await client.keepAlive();
    },
    async stopSession() {
      stopping = true;
      endSpeech(sessionClosed());
      try {
        await client.stopSession();
      } finally {
        socket?.close(1000, 'stopped');
      }
    },
    stopSessionOnUnload() {
      stopping = true;
      endSpeech(sessionClosed());
      client.stopSessionOnUnload();
      socket?.close(1000, 'page unloading');
    },
    parsePacket: () => ({ kind: 'ignored' }),
    async setListening(_sessionId, listening) {
      send({
        type: listening ? 'agent.start_listening' : 'agent.stop_listening',
        event_id: crypto.randomUUID(),
      });
    },
    async setPushToTalk() {
      throw new StreamingAvatarError(
        'configuration',
        'LiveAvatar LITE has no push-to-talk: the page does its own speech recognition. Use FULL mode for voice chat.',
      );
    },
    openVoiceEvents: () => () => undefined,
  };
}

/** 16-bit mono samples at `from` Hz, at `to` Hz (linear interpolation). */
export function resample(pcm: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return pcm;
  const length = Math.max(1, Math.round((pcm.length * to) / from));
  const out = new Int16Array(length);
  const step = from / to;
  for (let i = 0; i < length; i++) {
    const at = i * step;
    const low = Math.min(pcm.length - 1, Math.floor(at));
    const high = Math.min(pcm.length - 1, low + 1);
    out[i] = Math.round(pcm[low]! + (pcm[high]! - pcm[low]!) * (at - low));
  }
  return out;
}

/** Little-endian bytes of `samples`, base64. */
export function toBase64(samples: Int16Array): string {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  let binary = '';
  // In slices: one call per sample would be slow, one call for all can exceed the argument limit.
  for (let at = 0; at < bytes.length; at += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}
