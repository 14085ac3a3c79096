import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** `npm start` in a child process (with the emulator's control endpoints), and its URLs. */
export interface RunningDemo {
  pageUrl: string;
  emulatorUrl: string;
  control(path: string, body?: object): Promise<unknown>;
  activeSessions(): Promise<{ session_id: string }[]>;
  stopAllSessions(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemo(): Promise<RunningDemo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', '--quiet', '--faults'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const urls = await new Promise<{ page: string; emulator: string }>((resolve, reject) => {
    let page: string | undefined;
    let emulator: string | undefined;
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${output.join('')}`)), 240_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = output.join('');
      emulator ??= text.match(/Emulator API: (\S+)/)?.[1];
      page ??= text.match(/Demo: (\S+)/)?.[1];
      if (page && emulator) {
        clearTimeout(timer);
        resolve({ page, emulator });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}):\n${output.join('')}`)));
  });
  const control = async (path: string, body?: object) => {
    const response = await fetch(`${urls.emulator}/_emulator/${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return response.json();
  };
  const activeSessions = async () => {
    const response = await fetch(`${urls.emulator}/v1/streaming.list`, {
      headers: { 'x-api-key': 'emulator-api-key' },
    });
    return ((await response.json()) as { data: { sessions: { session_id: string }[] } }).data.sessions;
  };
  return {
    pageUrl: urls.page,
    emulatorUrl: urls.emulator,
    control,
    activeSessions,
    async stopAllSessions() {
      for (const { session_id } of await activeSessions()) await control('close', { session_id });
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Debian's Chromium, headless, with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Screenshots go here; CI keeps the folder. */
export function screenshotPath(name: string): string {
  mkdirSync('test-results', { recursive: true });
  return `test-results/${name}.png`;
}

/**
 * Installs probes in the page: counts presented video frames of the avatar's `<video>` and
 * samples the loudness of its audio every 20 ms through Web Audio.
 */
export async function installProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe = {
      frames: 0,
      size: { width: 0, height: 0 },
      loudness: [] as { at: number; rms: number }[],
      states: [] as string[],
      phases: [] as string[],
    };
    (window as unknown as { probe: typeof probe }).probe = probe;
    const avatar = document.querySelector('streaming-avatar')!;
    avatar.addEventListener('avatar-state-change', (event) => probe.states.push(event.state));
    const watchPhases = () => avatar.session?.on('phase', (phase) => probe.phases.push(phase));
    avatar.addEventListener('avatar-state-change', (event) => {
      if (event.state === 'connecting') watchPhases();
    });
    avatar.addEventListener('avatar-ready', () => {
      const video = avatar.shadowRoot!.querySelector('video')!;
      const count = (_now: number, metadata: { width: number; height: number }) => {
        probe.frames += 1;
        probe.size = { width: metadata.width, height: metadata.height };
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(video.srcObject as MediaStream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        probe.loudness.push({ at: performance.now(), rms: Math.sqrt(sum / samples.length) });
      }, 20);
    });
  });
}
