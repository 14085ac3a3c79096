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

async function runOurs(apiBase: string, avatarId: string): Promise<RunFigures> {
  const phases: Record<string, number> = {};
  const t0 = performance.now();
  const session = new AvatarSession({
    token: fromEndpoint('/api/avatar-token'),
    apiBaseUrl: apiBase,
    avatarId,
  });
  session.on('phase', (phase) => {
    phases[phase] = performance.now() - t0;
  });
  await session.start();
  phases.ready = performance.now() - t0;
  const firstFrameMs = await firstFrame(session.media!, t0);
  const audio = listen(session.media!);
  await sleep(300);

  const s0 = performance.now();
  const talking = new Promise<number>((resolve) =>
    session.on(
      'avatarEvent',
      (event) => event.type === 'avatar_start_talking' && resolve(performance.now() - s0),
    ),
  );
  const utterance = session.speak(TEXT);
  const speakToFirstAudioMs = await audio.until((rms) => rms > LOUD, s0);
  const speakToStartTalkingMs = await talking;

  await sleep(700);
  const i0 = performance.now();
  const settled = utterance.done.then(
    () => performance.now() - i0,
    () => performance.now() - i0,
  );
  const silence = audio.until((rms) => rms < SILENT, i0);
  await session.interrupt();
  const [interruptToSilenceMs, interruptToSettledMs] = await Promise.all([silence, settled]);

  const st0 = performance.now();
  await session.stop();
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

async function runOfficial(apiBase: string, avatarId: string): Promise<RunFigures> {
  const t0 = performance.now();
  const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
    token: string;
  };
  const phases: Record<string, number> = { new: performance.now() - t0 };
  const avatar = new StreamingAvatar({ token, basePath: apiBase });
  const stream = new Promise<MediaStream>((resolve) =>
    avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => resolve(event.detail)),
  );
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
  const firstFrameMs = await firstFrame(media, t0);
  const audio = listen(media);
  await sleep(300);

  const s0 = performance.now();
  const talking = new Promise<number>((resolve) =>
    avatar.on(StreamingEvents.AVATAR_START_TALKING, () => resolve(performance.now() - s0)),
  );
  void avatar.speak({ text: TEXT, taskType: TaskType.REPEAT });
  const speakToFirstAudioMs = await audio.until((rms) => rms > LOUD, s0);
  const speakToStartTalkingMs = await talking;

  await sleep(700);
  const i0 = performance.now();
  const stopped = new Promise<number>((resolve) =>
    avatar.on(StreamingEvents.AVATAR_STOP_TALKING, () => resolve(performance.now() - i0)),
  );
  const silence = audio.until((rms) => rms < SILENT, i0);
  await avatar.interrupt();
  const [interruptToSilenceMs, interruptToSettledMs] = await Promise.all([silence, stopped]);

  const st0 = performance.now();
  await avatar.stopAvatar();
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
