/**
 * The benchmark's browser side: one start → speak → interrupt → stop run, and one voice turn,
 * with this toolkit or with the official SDK, timed the same way. The official SDK runs unchanged;
 * the only shim redirects its voice-chat socket (always `wss://<host>:443`) to the emulator's port.
 */
import StreamingAvatar, {
  AvatarQuality,
  StreamingEvents,
  TaskType,
  VoiceChatTransport,
} from '@heygen/streaming-avatar';
import { ChromaKeyRenderer, WorkerChromaKeyRenderer } from '../../components/chroma-key.js';
import { AvatarCaptionsElement, StreamingAvatarElement } from '../../components/index.js';
import { fromEndpoint, liveAvatar } from '../../src/index.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import { LOUD, listen } from './loudness.js';
import { soakRun } from './soak.js';
import { streamedAnswerOfficial, streamedAnswerOurs } from './streamed-answer.js';
import { pendingTimers } from './timers.js';
import { redirectVoiceChatSocket } from './voice-chat-socket.js';

/** Every figure of one run, in milliseconds from the call that started the step. */
export interface RunFigures {
  phases: Record<string, number>;
  firstFrameMs: number;
  /** From the video and audio being subscribed to the first presented frame (the keyframe wait). */
  subscribedToFirstFrameMs: number;
  /** Keyframe requests (PLI and FIR) the page's receiver had sent when the first frame showed. */
  keyframeRequests: number;
  /** speak() → the task request leaves the page (its fetch begins): the client's own part. */
  speakToTaskSentMs: number;
  /** speak() → the task request answered (a round trip and the server's work on it). */
  speakToTaskAnsweredMs: number;
  speakToStartTalkingMs: number;
  speakToFirstAudioMs: number;
  interruptToSilenceMs: number;
  interruptToSettledMs: number;
  stopToNoActiveSessionMs: number;
}

/** One voice turn, in milliseconds from the moment the user stopped speaking (at the microphone). */
export interface VoiceTurnFigures {
  /** To the server ending the turn (`user_stop`): the audio's trip and the server's wait for silence. */
  toUserStopMs: number;
  toAvatarStartMs: number;
  toFirstAudioMs: number;
}

const TEXT = 'Hello there. This sentence measures how fast the avatar starts to speak.';
const SILENT = 0.005;
const video = document.querySelector<HTMLVideoElement>('#video')!;

/**
 * Every peer connection the page opens (both SDKs' LiveKit rooms), to read a receiver's stats.
 * Held weakly: `close()` fires no event, and a strong hold kept every closed connection with its
 * listeners (the soak counted 4 more per renewal).
 */
let peerConnections: WeakRef<RTCPeerConnection>[] = [];
window.RTCPeerConnection = class extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    peerConnections = [...peerConnections.filter((held) => held.deref()), new WeakRef(this)];
  }
};

/** The keyframe requests (PLI and FIR) the receiver of `track` has sent so far. */
async function keyframeRequests(track: MediaStreamTrack | undefined): Promise<number> {
  const receiver = peerConnections
    .flatMap((held) => held.deref()?.getReceivers() ?? [])
    .find((candidate) => candidate.track === track);
  if (!receiver) return Number.NaN;
  let requests = 0;
  for (const report of (await receiver.getStats()).values()) {
    if (report.type === 'inbound-rtp') requests += (report.pliCount ?? 0) + (report.firCount ?? 0);
  }
  return requests;
}

function firstFrame(stream: MediaStream, from: number): Promise<number> {
  video.srcObject = stream;
  void video.play();
  return new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now() - from)));
}

async function untilNoActiveSession(from: number): Promise<number> {
  for (;;) {
    const { active } = (await (await fetch('/bench/active')).json()) as { active: number };
    if (active === 0) return performance.now() - from;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next request to a URL ending in `path` that this page completes, as resource timing saw it. */
function nextRequest(path: string): Promise<PerformanceResourceTiming> {
  return new Promise((resolve) => {
    const observer = new PerformanceObserver((list) => {
      const entry = list.getEntriesByType('resource').find((candidate) => candidate.name.endsWith(path));
      if (!entry) return;
      observer.disconnect();
      resolve(entry as PerformanceResourceTiming);
    });
    observer.observe({ type: 'resource' });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One client under test, driven the same way for both. Times in milliseconds. */
interface BenchClient {
  /** Starts a session; resolves with its media and the time each step finished, since `t0`. */
  start(t0: number): Promise<{ media: MediaStream; phases: Record<string, number> }>;
  /** Sends `text`: `talking` resolves on the avatar's start-talking event, `settled` when the speech ends or is cut. */
  speak(text: string): { talking: Promise<void>; settled: Promise<void> };
  interrupt(): Promise<void>;
  stop(): Promise<void>;
}

async function timeRun(client: BenchClient): Promise<RunFigures> {
  const t0 = performance.now();
  const { media, phases } = await client.start(t0);
  const firstFrameMs = await firstFrame(media, t0);
  const requests = await keyframeRequests(media.getVideoTracks()[0]);
  const audio = listen(media);
  await sleep(300);

  const s0 = performance.now();
  const taskRequest = nextRequest('/v1/streaming.task');
  const { talking, settled } = client.speak(TEXT);
  const startTalking = talking.then(() => performance.now() - s0);
  const speakToFirstAudioMs = await audio.until((rms) => rms > LOUD, s0);
  const speakToStartTalkingMs = await startTalking;
  const task = await taskRequest;

  await sleep(700);
  const i0 = performance.now();
  const settledAt = settled.then(() => performance.now() - i0);
  const silence = audio.until((rms) => rms < SILENT, i0);
  await client.interrupt();
  const [interruptToSilenceMs, interruptToSettledMs] = await Promise.all([silence, settledAt]);

  const st0 = performance.now();
  await client.stop();
  const stopToNoActiveSessionMs = await untilNoActiveSession(st0);
  await audio.close();
  return {
    phases,
    firstFrameMs,
    subscribedToFirstFrameMs: firstFrameMs - phases.ready!,
    keyframeRequests: requests,
    speakToTaskSentMs: task.startTime - s0,
    speakToTaskAnsweredMs: task.responseEnd - s0,
    speakToStartTalkingMs,
    speakToFirstAudioMs,
    interruptToSilenceMs,
    interruptToSettledMs,
    stopToNoActiveSessionMs,
  };
}

function runOurs(baseUrl: string, avatarId: string): Promise<RunFigures> {
  const session = new SessionEngine({
    token: fromEndpoint('/api/avatar-token'),
    baseUrl: baseUrl,
    avatarId,
  });
  return timeRun({
    async start(t0) {
      const phases: Record<string, number> = {};
      session.on('phase', (phase) => {
        phases[phase] = performance.now() - t0;
      });
      await session.start();
      phases.ready = performance.now() - t0;
      return { media: session.media!, phases };
    },
    speak(text) {
      const talking = new Promise<void>((resolve) =>
        session.on('avatarEvent', (event) => event.type === 'avatar_start_talking' && resolve()),
      );
      const { done } = session.queue.speak(text);
      return { talking, settled: done.catch(() => undefined) };
    },
    interrupt: () => session.interrupt(),
    stop: () => session.stop(),
  });
}

function runOfficial(baseUrl: string, avatarId: string): Promise<RunFigures> {
  let avatar: StreamingAvatar;
  return timeRun({
    async start(t0) {
      const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
        token: string;
      };
      const phases: Record<string, number> = { new: performance.now() - t0 };
      avatar = new StreamingAvatar({ token, basePath: baseUrl });
      const stream = new Promise<MediaStream>((resolve) =>
        avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => resolve(event.detail)),
      );
      // The SDK reports no steps; the page's resource timing shows when its calls answered.
      const created = nextRequest('/v1/streaming.new');
      const started = nextRequest('/v1/streaming.start');
      await avatar.createStartAvatar({ avatarName: avatarId, quality: AvatarQuality.Low });
      const media = await stream;
      phases.media = performance.now() - t0;
      phases.ready = phases.media;
      phases.start = (await created).responseEnd - t0;
      phases.room = (await started).responseEnd - t0;
      return { media, phases };
    },
    speak(text) {
      const talking = new Promise<void>((resolve) =>
        avatar.on(StreamingEvents.AVATAR_START_TALKING, () => resolve()),
      );
      const settled = new Promise<void>((resolve) =>
        avatar.on(StreamingEvents.AVATAR_STOP_TALKING, () => resolve()),
      );
      void avatar.speak({ text, taskType: TaskType.REPEAT });
      return { talking, settled };
    },
    interrupt: () => avatar.interrupt(),
    stop: () => avatar.stopAvatar(),
  });
}

/** Which chroma key the render bench runs: none, the page's main-thread one, or the worker's. */
export type KeyPath = 'off' | 'page' | 'worker';

/** What one render run measured in the page; the main thread's own time is taken by bench/render.ts. */
export interface RenderRunFigures {
  width: number;
  height: number;
  /** Video frames the `<video>` presented. */
  videoFrames: number;
  droppedFrames: number;
  /** Frames the key drew, and the milliseconds the keying thread spent on them. */
  keyedFrames: number;
  keyMs: number;
  /** Seconds between start and stop of the measurement. */
  seconds: number;
}

let renderRun: (() => Promise<RenderRunFigures>) | undefined;

/**
 * Starts a session at `quality`, plays it and keys it on the chosen path; resolves once frames
 * flow and the key has drawn (so start-up is not measured). `renderStop()` ends the measurement.
 */
async function renderStart(baseUrl: string, avatarId: string, path: KeyPath, quality: 'low' | 'high') {
  const session = new SessionEngine({
    token: fromEndpoint('/api/avatar-token'),
    baseUrl: baseUrl,
    avatarId,
    quality,
  });
  await session.start();
  video.srcObject = session.media!;
  await video.play();
  const canvas = document.createElement('canvas');
  document.body.append(canvas);
  const key =
    path === 'worker'
      ? new WorkerChromaKeyRenderer(video, canvas)
      : path === 'page'
        ? new ChromaKeyRenderer(video, canvas)
        : undefined;
  if (key && key.mode !== (path === 'worker' ? 'worker' : 'webgl'))
    throw new Error(`the key runs as ${key.mode}`);
  key?.start();
  while (key && (await key.stats()).frames < 25) await sleep(50);
  let videoFrames = 0;
  let counting = true;
  const count = () => {
    videoFrames += 1;
    if (counting) video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);
  const before = video.getVideoPlaybackQuality();
  const keyedBefore = (await key?.stats()) ?? { frames: 0, workMs: 0 };
  const startedAt = performance.now();
  renderRun = async () => {
    counting = false;
    const seconds = (performance.now() - startedAt) / 1000;
    const after = video.getVideoPlaybackQuality();
    const keyed = (await key?.stats()) ?? { frames: 0, workMs: 0 };
    // Read while the session's media still plays: its stop empties the stream.
    const { videoWidth: width, videoHeight: height } = video;
    key?.close();
    canvas.remove();
    await session.stop();
    return {
      width,
      height,
      videoFrames,
      droppedFrames: after.droppedVideoFrames - before.droppedVideoFrames,
      keyedFrames: keyed.frames - keyedBefore.frames,
      keyMs: keyed.workMs - keyedBefore.workMs,
      seconds,
    };
  };
}

function renderStop(): Promise<RenderRunFigures> {
  const stop = renderRun!;
  renderRun = undefined;
  return stop();
}

/** What the long-session run counts in the page; heap, listeners and CPU come from bench/growth.ts. */
export interface GrowthSample {
  /** Utterances spoken to the end so far. */
  spoken: number;
  /** Utterances waiting or speaking in the session's queue. */
  queued: number;
  /** Caption cues the captions element keeps (at most its `max-cues`). */
  cues: number;
  /** Characters in those cues. */
  cueCharacters: number;
  /** Timers (setTimeout and setInterval) pending in the page. */
  timers: number;
}

let growth:
  | { avatar: StreamingAvatarElement; captions: AvatarCaptionsElement; spoken: number; running: boolean }
  | undefined;

/** The long-session run: `<streaming-avatar>` and `<avatar-captions>` speaking one utterance after another. */
async function growthStart(baseUrl: string, avatarId: string, maxCues: number): Promise<void> {
  const holder = document.createElement('div');
  const avatar = new StreamingAvatarElement();
  avatar.id = 'growth';
  avatar.tokenUrl = '/api/avatar-token';
  avatar.baseUrl = baseUrl;
  avatar.avatarId = avatarId;
  const captions = new AvatarCaptionsElement();
  captions.for = 'growth';
  captions.maxCues = maxCues;
  holder.append(avatar, captions);
  document.body.append(holder);
  await avatar.start();
  const run = { avatar, captions, spoken: 0, running: true };
  growth = run;
  void (async () => {
    while (run.running) {
      await avatar.speak(`${TEXT} `.repeat(4)).done.catch(() => undefined);
      run.spoken += 1;
    }
  })();
}

function growthSample(): GrowthSample {
  const { avatar, captions, spoken } = growth!;
  return {
    spoken,
    queued: avatar.avatar.utterances.length,
    cues: captions.transcript.length,
    cueCharacters: captions.transcript.reduce((sum, cue) => sum + cue.text.length, 0),
    timers: pendingTimers(),
  };
}

async function growthStop(): Promise<void> {
  const run = growth!;
  run.running = false;
  growth = undefined;
  await run.avatar.stop();
  run.avatar.parentElement!.remove();
}

/** The microphone stream the client under test opens next (both open it with `getUserMedia`). */
function nextMicrophone(): Promise<MediaStream> {
  const devices = navigator.mediaDevices;
  const open = devices.getUserMedia;
  return new Promise((resolve) => {
    devices.getUserMedia = async (constraints) => {
      const stream = await open.call(devices, constraints);
      if (stream.getAudioTracks().length > 0) {
        devices.getUserMedia = open;
        resolve(stream);
      }
      return stream;
    };
  });
}

/**
 * Resolves with the moment (`performance.now()`) the first whole utterance on `microphone` ended:
 * quiet, then speech, then 600 ms without it (the sentence has no pause that long).
 */
function untilUtteranceEnds(microphone: MediaStream): Promise<number> {
  const input = listen(microphone);
  let heardQuiet = false;
  let lastLoud: number | undefined;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const rms = input.level();
      const now = performance.now();
      if (!heardQuiet) heardQuiet = rms < SILENT;
      else if (rms > LOUD) lastLoud = now;
      else if (lastLoud !== undefined && now - lastLoud >= 600) {
        clearInterval(timer);
        void input.close();
        resolve(lastLoud);
      }
    }, 10);
  });
}

/** A client's voice chat, driven the same way for both. */
interface VoiceBenchClient {
  start(): Promise<MediaStream>;
  /** Starts voice chat; the microphone is opened during this call. */
  startVoiceChat(): Promise<void>;
  /** Calls `listener` on each `avatar_start_talking`. */
  onAvatarStartTalking(listener: () => void): void;
  /** Calls `listener` on each `user_stop`: the server ended the user's turn. */
  onUserStop(listener: () => void): void;
  stop(): Promise<void>;
}

/**
 * One voice turn: Chromium's fake microphone speaks a sentence (bench/run.ts makes the file); from
 * the end of that speech at the microphone to the answer's `avatar_start_talking` and to its first
 * audio energy at this receiver.
 */
async function timeVoiceTurn(client: VoiceBenchClient): Promise<VoiceTurnFigures> {
  const media = await client.start();
  // Chromium feeds a received stream to Web Audio only while a media element plays it.
  video.srcObject = media;
  await video.play();
  const answer = listen(media);
  const startedTalking: number[] = [];
  client.onAvatarStartTalking(() => startedTalking.push(performance.now()));
  const userStops: number[] = [];
  client.onUserStop(() => userStops.push(performance.now()));
  const microphone = nextMicrophone();
  try {
    // The official SDK's start waits 4 s after publishing the microphone: measure alongside it.
    const voiceChat = client.startVoiceChat();
    const speechEndedAt = await untilUtteranceEnds(await microphone);
    const toFirstAudioMs = await answer.until((rms) => rms > LOUD, speechEndedAt, 30_000);
    const startedAt = startedTalking.find((at) => at >= speechEndedAt);
    const stoppedAt = userStops.find((at) => at >= speechEndedAt);
    await voiceChat;
    return {
      toUserStopMs: stoppedAt === undefined ? Number.NaN : stoppedAt - speechEndedAt,
      toAvatarStartMs: startedAt === undefined ? Number.NaN : startedAt - speechEndedAt,
      toFirstAudioMs,
    };
  } finally {
    await client.stop();
    for (const track of (await microphone).getTracks()) track.stop();
    await answer.close();
  }
}

function voiceTurnOurs(baseUrl: string, avatarId: string): Promise<VoiceTurnFigures> {
  return timeSessionVoiceTurn(
    new SessionEngine({ token: fromEndpoint('/api/avatar-token'), baseUrl, avatarId }),
  );
}

/** A LiveAvatar FULL voice turn answered by the page's own model (the bench's simulated one). */
function voiceTurnOwnModel(baseUrl: string): Promise<VoiceTurnFigures> {
  return timeSessionVoiceTurn(
    new SessionEngine({
      token: fromEndpoint('/api/liveavatar-own-model-token'),
      provider: liveAvatar({ baseUrl: `${baseUrl}/liveavatar` }),
    }),
  );
}

/** One voice turn on a session of this toolkit. */
function timeSessionVoiceTurn(session: SessionEngine): Promise<VoiceTurnFigures> {
  return timeVoiceTurn({
    async start() {
      await session.start();
      return session.media!;
    },
    startVoiceChat: () => session.voice.start(),
    onAvatarStartTalking: (listener) =>
      session.on('avatarEvent', (event) => event.type === 'avatar_start_talking' && listener()),
    onUserStop: (listener) =>
      session.on('conversationStateChanged', (next) => next === 'thinking' && listener()),
    stop: () => session.stop(),
  });
}

function voiceTurnOfficial(baseUrl: string, avatarId: string): Promise<VoiceTurnFigures> {
  let avatar: StreamingAvatar;
  return timeVoiceTurn({
    async start() {
      const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
        token: string;
      };
      avatar = new StreamingAvatar({ token, basePath: baseUrl });
      const stream = new Promise<MediaStream>((resolve) =>
        avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => resolve(event.detail)),
      );
      // Its default sends microphone frames over its websocket, which the contract does not
      // describe; its LiveKit transport publishes a track, as this toolkit does.
      await avatar.createStartAvatar({
        avatarName: avatarId,
        quality: AvatarQuality.Low,
        voiceChatTransport: VoiceChatTransport.LIVEKIT,
      });
      return stream;
    },
    startVoiceChat: () => avatar.startVoiceChat(),
    onAvatarStartTalking: (listener) => avatar.on(StreamingEvents.AVATAR_START_TALKING, listener),
    onUserStop: (listener) => avatar.on(StreamingEvents.USER_STOP, listener),
    stop: () => avatar.stopAvatar(),
  });
}

declare global {
  interface Window {
    bench: {
      runOurs: typeof runOurs;
      runOfficial: typeof runOfficial;
      voiceTurnOurs: typeof voiceTurnOurs;
      voiceTurnOfficial: typeof voiceTurnOfficial;
      voiceTurnOwnModel: typeof voiceTurnOwnModel;
      streamedAnswerOurs: typeof streamedAnswerOurs;
      streamedAnswerOfficial: typeof streamedAnswerOfficial;
      renderStart: typeof renderStart;
      growthStart: typeof growthStart;
      growthSample: typeof growthSample;
      growthStop: typeof growthStop;
      renderStop: typeof renderStop;
      redirectVoiceChatSocket: typeof redirectVoiceChatSocket;
    } & typeof soakRun;
  }
}

window.bench = {
  runOurs,
  runOfficial,
  voiceTurnOurs,
  voiceTurnOfficial,
  voiceTurnOwnModel,
  streamedAnswerOurs,
  streamedAnswerOfficial,
  renderStart,
  growthStart,
  growthSample,
  growthStop,
  renderStop,
  redirectVoiceChatSocket,
  ...soakRun,
};
