/**
 * LiveAvatar LITE mode's websocket (`liveavatar-api.md` §7): the page sends the speech as base64
 * PCM (s16le, mono, 24 kHz) in `agent.speak` frames and ends it with `agent.speak_end`; the avatar
 * plays that audio in the room, its mouth following the samples, and reports
 * `agent.speak_started` / `agent.speak_ended` / `agent.speak_interrupted` here. Commands before
 * `session.state_updated: connected` are dropped, as the contract says; bad frames get `error`
 * frames and never close the session.
 */
import waveResampler from 'wave-resampler';
import type { WebSocket } from 'ws';
import { LITE_SAMPLE_RATE } from './contract.js';
import type { AvatarSignal } from './dialect.js';
import type { EmulatedSession, Ledger } from './sessions.js';
import type { Speech } from './speech.js';

/** The largest frame the socket takes, in bytes (contract §7: 1 MB). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/**
 * The most audio the socket holds unplayed, in milliseconds: a page paces its frames about a second
 * ahead of playback, so only a runaway sender reaches it; further frames get `audio_queue_full`
 * (an emulator decision: LiveAvatar publishes no limit, and the queue must not grow without end).
 */
export const MAX_QUEUED_AUDIO_MS = 300_000;
/** The avatar's own audio rate (eSpeak NG's, the room track's). */
const AVATAR_SAMPLE_RATE = 22_050;

/** One speech the page is sending: its chunks as the avatar plays them. */
interface LiteTask {
  eventId: string;
  taskId: string;
  chunks: number;
  played: number;
  ended: boolean;
  started: boolean;
}

/** Follows one LITE session's socket. Create it when the socket opens; it closes with the session. */
export class LiteSocket<L extends Ledger = Ledger> {
  #connected = false;
  #task: LiteTask | undefined;
  #nextTask = 0;
  /** Milliseconds of audio received and not yet played, by chunk task id. */
  readonly #unplayed = new Map<string, number>();

  constructor(
    private readonly socket: WebSocket,
    private readonly session: EmulatedSession<L>,
    private readonly log: (line: string) => void,
  ) {
    this.#send({ type: 'session.state_updated', state: 'connecting' });
    // The avatar is in the room by the time the socket opens (start answered after it joined).
    setImmediate(() => {
      if (!session.active) return;
      this.#connected = true;
      this.#send({ type: 'session.state_updated', state: 'connected' });
    });
    socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    session.whenClosed(() => {
      this.#send({ type: 'session.state_updated', state: 'closed' });
      socket.close(1000, 'session closed');
    });
  }

  /** The avatar's own events, for the chunks of the current task (the dialect passes them here). */
  signal(signal: AvatarSignal): void {
    if (signal.type === 'avatar_stop_talking') this.#unplayed.delete(signal.task_id);
    const task = this.#task;
    if (!task || !('task_id' in signal) || !signal.task_id.startsWith(`${task.taskId}#`)) return;
    if (signal.type === 'avatar_start_talking' && !task.started) {
      task.started = true;
      this.#send({ type: 'agent.speak_started', event_id: task.eventId, task: { id: task.taskId } });
    }
    if (signal.type === 'avatar_stop_talking') {
      task.played += 1;
      this.#finishIfDone(task);
    }
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (data.length > MAX_FRAME_BYTES) {
      this.#error(
        'frame_too_large',
        `Frames are at most ${MAX_FRAME_BYTES} bytes; this one is ${data.length}.`,
      );
      return;
    }
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = isBinary ? undefined : JSON.parse(data.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      this.#error('invalid_message', 'Frames are JSON objects with a "type".');
      return;
    }
    // Commands before `connected` are dropped (contract §7).
    if (!this.#connected) return;
    const eventId = typeof message.event_id === 'string' ? message.event_id : undefined;
    switch (message.type) {
      case 'agent.speak':
        this.#speak(eventId, message.audio);
        return;
      case 'agent.speak_end':
        this.#speakEnd();
        return;
      case 'agent.interrupt':
        this.#interrupt();
        return;
      case 'agent.start_listening':
        this.session.listening = true;
        this.session.touch();
        return;
      case 'agent.stop_listening':
        this.session.listening = false;
        return;
      case 'session.keep_alive':
        this.session.touch();
        return;
      default:
        this.#error('unknown_type', `Unknown frame type ${JSON.stringify(message.type)}.`);
    }
  }

  #speak(eventId: string | undefined, audio: unknown): void {
    const pcm = typeof audio === 'string' ? decodeBase64Pcm(audio) : undefined;
    if (!pcm) {
      this.#error(
        'invalid_audio',
        '"audio" must be base64 of 16-bit little-endian PCM (an even number of bytes).',
      );
      return;
    }
    const speech = toSpeech(pcm);
    const queuedMs = [...this.#unplayed.values()].reduce((sum, ms) => sum + ms, 0);
    if (queuedMs + speech.durationMs > MAX_QUEUED_AUDIO_MS) {
      this.#error(
        'audio_queue_full',
        `At most ${MAX_QUEUED_AUDIO_MS / 1000} s of audio may wait to be played; send frames as they are needed.`,
      );
      return;
    }
    if (!this.#task || this.#task.ended) {
      this.#nextTask += 1;
      this.#task = {
        eventId: eventId ?? `speech-${this.#nextTask}`,
        taskId: `lite-${this.#nextTask}`,
        chunks: 0,
        played: 0,
        ended: false,
        started: false,
      };
    }
    const task = this.#task;
    task.chunks += 1;
    const chunkId = `${task.taskId}#${task.chunks}`;
    this.#unplayed.set(chunkId, speech.durationMs);
    const played = () => this.#unplayed.delete(chunkId);
    void this.session.play(chunkId, speech).then(played, played);
  }

  #speakEnd(): void {
    const task = this.#task;
    if (!task || task.ended) return;
    task.ended = true;
    this.#finishIfDone(task);
  }

  #finishIfDone(task: LiteTask): void {
    if (!task.ended || task.played < task.chunks || this.#task !== task) return;
    this.#task = undefined;
    this.#send({ type: 'agent.speak_ended', event_id: task.eventId, task: { id: task.taskId } });
  }

  #interrupt(): void {
    const task = this.#task;
    this.#task = undefined;
    this.#unplayed.clear();
    this.session.interrupt();
    if (task)
      this.#send({ type: 'agent.speak_interrupted', event_id: task.eventId, task: { id: task.taskId } });
  }

  #error(type: string, message: string): void {
    this.log(`LiveAvatar LITE session ${this.session.id}: error frame ${type}`);
    this.#send({ type: 'error', error: { type, message } });
  }

  #send(frame: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}

/** The samples of a base64 s16le string, or undefined when it is not one. */
function decodeBase64Pcm(audio: string): Int16Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(audio) || audio.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(audio, 'base64');
  if (bytes.length === 0 || bytes.length % 2 !== 0) return undefined;
  const samples = new Int16Array(bytes.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** 24 kHz samples as the avatar's speech (22,050 Hz), without words. */
function toSpeech(pcm: Int16Array): Speech {
  const samples = Int16Array.from(
    waveResampler.resample(pcm, LITE_SAMPLE_RATE, AVATAR_SAMPLE_RATE),
    Math.round,
  );
  return {
    samples,
    sampleRate: AVATAR_SAMPLE_RATE,
    words: [],
    durationMs: (samples.length / AVATAR_SAMPLE_RATE) * 1000,
  };
}
