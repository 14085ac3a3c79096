/**
 * The emulated avatar in the LiveKit room (identity `heygen`): a drawn face at 25 fps, real
 * synthesized speech, and the contract's data-channel events timed with the audio.
 */
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  LocalVideoTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoCodec,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import {
  AGENT_CONTROL_TOPIC,
  type AvatarSignal,
  type EventDialect,
  LIVEAVATAR_AGENT_PREFIX,
} from './dialect.js';
import { FaceRenderer } from './face.js';
import { recogniserAvailable } from './recogniser.js';
import type { Speech } from './speech.js';
import { VOICE_SAMPLE_RATE, VoiceInput, type VoiceInputHandlers } from './voice-input.js';

/** Options of {@link AvatarParticipant.join}. */
export interface AvatarParticipantOptions {
  url: string;
  token: string;
  width: number;
  height: number;
  /** Frames per second (25, as HeyGen's avatars). */
  fps: number;
  videoCodec: 'H264' | 'VP8';
  /** Audio samples per second of the speech (eSpeak NG gives 22,050). */
  sampleRate: number;
  /** How events go out: HeyGen's packets or LiveAvatar's topics. */
  dialect: EventDialect;
}

/** How a spoken task ended. `durationMs` is the time it was heard, in milliseconds. */
export interface SpokenTask {
  interrupted: boolean;
  durationMs: number;
}

interface Playback {
  taskId: string;
  speech: Speech;
  position: number;
  nextWord: number;
  started: boolean;
  settle: (result: SpokenTask) => void;
}

/** Audio goes out in 20-millisecond frames. */
const AUDIO_FRAME_MS = 20;
/** A short audio queue keeps the mouth and the events in step with what the viewer hears. */
const AUDIO_QUEUE_MS = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AvatarParticipant {
  readonly #queue: Playback[] = [];
  /** The task whose speech has started and not yet stopped (its next piece may follow at once). */
  #openTask: string | undefined;
  readonly #face: FaceRenderer;
  #mouthOpen = 0;
  #closed = false;
  #frameCount = 0;
  #videoTimer: ReturnType<typeof setTimeout> | undefined;
  #voice: VoiceInput | undefined;
  #commandHandler: ((command: Record<string, unknown>) => void) | undefined;

  private constructor(
    private readonly room: Room,
    private readonly options: AvatarParticipantOptions,
    private readonly video: VideoSource,
    private readonly audio: AudioSource,
  ) {
    this.#face = new FaceRenderer(options.width, options.height);
  }

  /** Joins the room and publishes video and audio. */
  static async join(options: AvatarParticipantOptions): Promise<AvatarParticipant> {
    const room = new Room();
    await room.connect(options.url, options.token, { autoSubscribe: false, dynacast: false });
    const video = new VideoSource(options.width, options.height);
    const audio = new AudioSource(options.sampleRate, 1, AUDIO_QUEUE_MS);
    const participant = new AvatarParticipant(room, options, video, audio);
    const local = room.localParticipant!;
    await local.publishTrack(
      LocalVideoTrack.createVideoTrack('avatar-video', video),
      new TrackPublishOptions({
        source: TrackSource.SOURCE_CAMERA,
        videoCodec: options.videoCodec === 'H264' ? VideoCodec.H264 : VideoCodec.VP8,
        simulcast: false,
      }),
    );
    await local.publishTrack(
      LocalAudioTrack.createAudioTrack('avatar-audio', audio),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    room.on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
      if (topic !== AGENT_CONTROL_TOPIC || !participant.#commandHandler) return;
      let command: unknown;
      try {
        command = JSON.parse(decoder.decode(payload));
      } catch {
        return;
      }
      if (typeof command === 'object' && command !== null)
        participant.#commandHandler(command as Record<string, unknown>);
    });
    participant.#startVideo();
    void participant.#audioLoop();
    return participant;
  }

  /** Whether someone other than the avatar is in the room. */
  get viewerPresent(): boolean {
    return [...this.room.remoteParticipants.keys()].some(
      (identity) => !identity.startsWith(LIVEAVATAR_AGENT_PREFIX),
    );
  }

  /**
   * Resolves once a viewer is in the room (events sent earlier would be lost), or after
   * `timeoutMs` milliseconds: HeyGen's avatar speaks whether or not anyone watches.
   */
  waitForViewer(timeoutMs = 5000): Promise<void> {
    if (this.viewerPresent) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.room.off(RoomEvent.ParticipantConnected, joined);
        resolve();
      };
      const joined = () => {
        if (this.viewerPresent) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.room.on(RoomEvent.ParticipantConnected, joined);
    });
  }

  /** Queues speech; resolves when it was spoken to the end or cut by {@link AvatarParticipant.interrupt}. */
  speak(taskId: string, speech: Speech): Promise<SpokenTask> {
    return new Promise((settle) => {
      this.#queue.push({ taskId, speech, position: 0, nextWord: 0, started: false, settle });
    });
  }

  /** Holds or releases the user's push-to-talk key, as the data messages `"push_to_talk:start"` / `":stop"` do. */
  setTalkKey(down: boolean): void {
    this.#voice?.setTalkKey(down);
  }

  /** Receives the JSON commands sent on LiveAvatar's `agent-control` topic. */
  onCommand(handler: (command: Record<string, unknown>) => void): void {
    this.#commandHandler = handler;
  }

  /** Whether speech is playing or queued. */
  get speaking(): boolean {
    return this.#queue.length > 0;
  }

  /** Cuts the current speech at once, drops the queued audio and every queued task. */
  interrupt(): void {
    const [current, ...rest] = this.#queue.splice(0);
    this.#openTask = undefined;
    this.audio.clearQueue();
    this.#mouthOpen = 0;
    if (current) {
      const durationMs = this.#playedMs(current);
      if (current.started) {
        void this.send({ type: 'avatar_end_message', task_id: current.taskId });
        void this.send({ type: 'avatar_stop_talking', task_id: current.taskId, duration_ms: durationMs });
      }
      current.settle({ interrupted: true, durationMs });
    }
    for (const playback of rest) playback.settle({ interrupted: true, durationMs: 0 });
  }

  /**
   * Hears the users: subscribes to every microphone published in the room and follows the
   * push-to-talk messages (`"push_to_talk:start"` / `"push_to_talk:stop"`, contract doc). Needs the
   * recogniser (Debian `pocketsphinx`); without it the avatar stays deaf and says so in the log.
   */
  listen(handlers: VoiceInputHandlers): void {
    if (!recogniserAvailable()) return;
    const room = this.room;
    const voice = () => {
      this.#voice ??= new VoiceInput(handlers);
      return this.#voice;
    };
    room.on(RoomEvent.TrackPublished, (publication) => {
      if (publication.kind === TrackKind.KIND_AUDIO) publication.setSubscribed(true);
    });
    room.on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind === TrackKind.KIND_AUDIO) void this.#hear(track, voice());
    });
    room.on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
      if (topic === AGENT_CONTROL_TOPIC) return;
      const message = decoder.decode(payload);
      if (message === '"push_to_talk:start"') voice().setTalkKey(true);
      else if (message === '"push_to_talk:stop"') voice().setTalkKey(false);
    });
    // Microphones published before the avatar listened.
    for (const participant of room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        if (publication.kind === TrackKind.KIND_AUDIO) publication.setSubscribed(true);
      }
    }
  }

  async #hear(track: RemoteTrack, voice: VoiceInput): Promise<void> {
    const reader = new AudioStream(track, { sampleRate: VOICE_SAMPLE_RATE, numChannels: 1 }).getReader();
    while (!this.#closed) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || !value) return;
      voice.push(value.data);
    }
    await reader.cancel().catch(() => undefined);
  }

  /** Leaves the room; queued speech settles as interrupted. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.interrupt();
    this.#voice?.close();
    this.#closed = true;
    clearTimeout(this.#videoTimer);
    await this.room.disconnect();
    await this.audio.close();
  }

  #startVideo(): void {
    const intervalMs = 1000 / this.options.fps;
    let due = performance.now();
    const tick = () => {
      if (this.#closed) return;
      // Blink for 4 frames every 4 seconds.
      const blinking = this.#frameCount % (this.options.fps * 4) < 4;
      const frame = this.#face.render(this.#mouthOpen, blinking);
      this.video.captureFrame(
        new VideoFrame(frame, this.options.width, this.options.height, VideoBufferType.RGBA),
        BigInt(Math.round(performance.now() * 1000)),
      );
      this.#frameCount += 1;
      due += intervalMs;
      // Catch up after a stall instead of bursting frames.
      if (performance.now() - due > intervalMs * 5) due = performance.now();
      this.#videoTimer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  }

  /** Feeds audio in real time (silence between tasks) and sends each task's events as its audio plays. */
  async #audioLoop(): Promise<void> {
    const { sampleRate } = this.options;
    const frameSamples = Math.round((sampleRate * AUDIO_FRAME_MS) / 1000);
    while (!this.#closed) {
      const samples = new Int16Array(frameSamples);
      const current = this.#queue[0];
      if (current) this.#play(current, samples);
      else this.#mouthOpen = 0;
      try {
        await this.audio.captureFrame(new AudioFrame(samples, sampleRate, 1, frameSamples));
      } catch {
        if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, AUDIO_FRAME_MS));
      }
    }
  }

  #play(current: Playback, samples: Int16Array): void {
    const { speech } = current;
    if (!current.started) {
      current.started = true;
      // Pieces of one task played back to back (a model's answer, sentence by sentence) are one speech.
      if (this.#openTask !== current.taskId)
        void this.send({ type: 'avatar_start_talking', task_id: current.taskId });
      this.#openTask = current.taskId;
    }
    const end = Math.min(speech.samples.length, current.position + samples.length);
    samples.set(speech.samples.subarray(current.position, end));
    let energy = 0;
    for (let i = 0; i < end - current.position; i++) energy += samples[i]! * samples[i]!;
    this.#mouthOpen = Math.min(1, Math.sqrt(energy / samples.length) / 6000);
    current.position = end;
    while (current.nextWord < speech.words.length && speech.words[current.nextWord]!.startSample <= end) {
      const word = speech.words[current.nextWord++]!;
      void this.send({ type: 'avatar_talking_message', task_id: current.taskId, message: word.text });
    }
    if (end < speech.samples.length) return;
    this.#queue.shift();
    current.settle({ interrupted: false, durationMs: speech.durationMs });
    if (this.#queue[0]?.taskId === current.taskId) return;
    this.#openTask = undefined;
    void this.send({ type: 'avatar_end_message', task_id: current.taskId });
    void this.send({
      type: 'avatar_stop_talking',
      task_id: current.taskId,
      duration_ms: Math.round(speech.durationMs),
    });
  }

  #playedMs(playback: Playback): number {
    return Math.round((playback.position / playback.speech.sampleRate) * 1000);
  }

  /** Publishes one event on the data channel, reliable, in the session's dialect; resolves once sent. */
  async send(signal: AvatarSignal): Promise<void> {
    const packet = this.options.dialect.packet(signal);
    if (this.#closed || !packet) return;
    await this.room.localParticipant
      ?.publishData(encoder.encode(JSON.stringify(packet.data)), {
        reliable: true,
        ...(packet.topic === undefined ? {} : { topic: packet.topic }),
      })
      .catch(() => {
        // The room is going away; the session end is reported elsewhere.
      });
  }
}
