/**
 * The benchmark's browser side: one start → speak → interrupt → stop run with this toolkit or
 * with the official SDK, timed the same way. The official SDK runs unchanged; the only shim
 * redirects its voice-chat socket (always `wss://<host>:443`) to the emulator's port.
 */
import StreamingAvatar, { AvatarQuality, StreamingEvents, TaskType } from '@heygen/streaming-avatar';
import { ChromaKeyRenderer } from '../../components/index.js';
import { AvatarSession, fromEndpoint } from '../../src/index.js';

/** Every figure of one run, in milliseconds from the call that started the step. */
export interface RunFigures {
  phases: Record<string, number>;
  firstFrameMs: number;
  speakToStartTalkingMs: number;
  speakToFirstAudioMs: number;
  interruptToSilenceMs: number;
  interruptToSettledMs: number;
  stopToNoActiveSessionMs: number;
}

const TEXT = 'Hello there. This sentence measures how fast the avatar starts to speak.';
const LOUD = 0.02;
const SILENT = 0.005;
const video = document.querySelector<HTMLVideoElement>('#video')!;

function redirectVoiceChatSocket(apiBase: string): void {
  const NativeWebSocket = window.WebSocket;
  const target = new URL(apiBase);
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      const parsed = new URL(url);
      if (parsed.pathname === '/v1/ws/streaming.chat' && parsed.hostname === target.hostname) {
        parsed.protocol = 'ws:';
        parsed.port = target.port;
      }
      super(parsed, protocols);
    }
  };
}

/** Polls the loudness of a stream's audio every 10 ms. */
function listen(stream: MediaStream) {
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const level = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    return Math.sqrt(sum / samples.length);
  };
  const until = (check: (rms: number) => boolean, from: number, timeoutMs = 20_000) =>
    new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if (check(level())) {
          clearInterval(timer);
          resolve(performance.now() - from);
        } else if (performance.now() - from > timeoutMs) {
          clearInterval(timer);
          reject(new Error('audio level never changed'));
        }
      }, 10);
    });
  return { until, close: () => context.close() };
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
  const audio = listen(media);
  await sleep(300);

  const s0 = performance.now();
  const { talking, settled } = client.speak(TEXT);
  const startTalking = talking.then(() => performance.now() - s0);
  const speakToFirstAudioMs = await audio.until((rms) => rms > LOUD, s0);
  const speakToStartTalkingMs = await startTalking;

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
    speakToStartTalkingMs,
    speakToFirstAudioMs,
    interruptToSilenceMs,
    interruptToSettledMs,
    stopToNoActiveSessionMs,
  };
}

function runOurs(apiBase: string, avatarId: string): Promise<RunFigures> {
  const session = new AvatarSession({
    token: fromEndpoint('/api/avatar-token'),
    apiBaseUrl: apiBase,
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
      const { done } = session.speak(text);
      return { talking, settled: done.catch(() => undefined) };
    },
    interrupt: () => session.interrupt(),
    stop: () => session.stop(),
  });
}

function runOfficial(apiBase: string, avatarId: string): Promise<RunFigures> {
  let avatar: StreamingAvatar;
  return timeRun({
    async start(t0) {
      const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
        token: string;
      };
      const phases: Record<string, number> = { new: performance.now() - t0 };
      avatar = new StreamingAvatar({ token, basePath: apiBase });
      const stream = new Promise<MediaStream>((resolve) =>
        avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => resolve(event.detail)),
      );
      // The SDK reports no steps; the page's resource timing shows when its calls answered.
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
          if (entry.name.endsWith('/v1/streaming.new')) phases.start = entry.responseEnd - t0;
          if (entry.name.endsWith('/v1/streaming.start')) phases.room = entry.responseEnd - t0;
        }
      });
      observer.observe({ type: 'resource', buffered: false });
      await avatar.createStartAvatar({ avatarName: avatarId, quality: AvatarQuality.Low });
      const media = await stream;
      phases.media = performance.now() - t0;
      phases.ready = phases.media;
      observer.disconnect();
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

/** Main-thread milliseconds per presented frame and dropped frames over `seconds`, chroma key on or off. */
async function renderCost(apiBase: string, avatarId: string, chromaKey: boolean, seconds: number) {
  const session = new AvatarSession({
    token: fromEndpoint('/api/avatar-token'),
    apiBaseUrl: apiBase,
    avatarId,
    quality: 'high',
  });
  await session.start();
  video.srcObject = session.media!;
  await video.play();
  const costs: number[] = [];
  const schedule = video.requestVideoFrameCallback.bind(video);
  // Time each frame callback: the key's whole per-frame main-thread work runs inside one.
  video.requestVideoFrameCallback = (callback) =>
    schedule((now, metadata) => {
      const started = performance.now();
      callback(now, metadata);
      costs.push(performance.now() - started);
    });
  const canvas = document.createElement('canvas');
  document.body.append(canvas);
  const renderer = chromaKey ? new ChromaKeyRenderer(video, canvas) : undefined;
  renderer?.start();
  const before = video.getVideoPlaybackQuality();
  let frames = 0;
  // Counted through the unwrapped scheduler, so only the key's own work is timed.
  const count = () => {
    frames += 1;
    schedule(count);
  };
  schedule(count);
  await sleep(seconds * 1000);
  const after = video.getVideoPlaybackQuality();
  renderer?.stop();
  canvas.remove();
  video.requestVideoFrameCallback = schedule;
  await session.stop();
  return {
    mode: renderer?.mode ?? 'off',
    fps: frames / seconds,
    droppedFrames: after.droppedVideoFrames - before.droppedVideoFrames,
    width: video.videoWidth,
    perFrameMs: costs.length ? costs.reduce((sum, cost) => sum + cost, 0) / costs.length : 0,
  };
}

declare global {
  interface Window {
    bench: {
      runOurs: typeof runOurs;
      runOfficial: typeof runOfficial;
      renderCost: typeof renderCost;
      redirectVoiceChatSocket: typeof redirectVoiceChatSocket;
    };
  }
}

window.bench = { runOurs, runOfficial, renderCost, redirectVoiceChatSocket };
