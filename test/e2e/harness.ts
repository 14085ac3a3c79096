import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { serveBenchPage } from '../../bench/page-server.js';
import { chromiumFlags, chromiumPath } from '../support/chromium.js';
import { emulatorControl, spawnUntilReady } from '../support/processes.js';

/** `npm start` in a child process (with the emulator's control endpoints), and its URLs. */
export interface RunningDemo {
  pageUrl: string;
  /** What `npm start` printed so far. */
  output: readonly string[];
  emulatorUrl: string;
  control(path: string, body?: object): Promise<unknown>;
  activeSessions(): Promise<{ session_id: string }[]>;
  stopAllSessions(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemo(env: NodeJS.ProcessEnv = process.env): Promise<RunningDemo> {
  const ready = await spawnUntilReady(
    'demo/start.ts',
    ['--quiet', '--faults'],
    { emulator: /Emulator API: (\S+)/, page: /Demo: (\S+)/ },
    240_000,
    env,
  );
  const emulatorUrl = ready.found.emulator!;
  const control = (path: string, body?: object) => emulatorControl(emulatorUrl, path, body);
  const activeSessions = async () => {
    const response = await fetch(`${emulatorUrl}/v1/streaming.list`, {
      headers: { 'x-api-key': 'emulator-api-key' },
    });
    return ((await response.json()) as { data: { sessions: { session_id: string }[] } }).data.sessions;
  };
  return {
    pageUrl: ready.found.page!,
    output: ready.output,
    emulatorUrl,
    control,
    activeSessions,
    async stopAllSessions() {
      for (const { session_id } of await activeSessions()) await control('close', { session_id });
    },
    stop: ready.stop,
  };
}

/**
 * Debian's Chromium, headless, allowed to autoplay sound (the unmute path has its own browser
 * test). `extraArgs` add flags, such as a fake microphone.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required', ...extraArgs],
  });
}

/** The bench's pages (bench/page-server.ts) against the emulator at `apiUrl`, and Chromium to open them. */
export async function benchPageInChromium(apiUrl: string) {
  const [server, browser] = await Promise.all([serveBenchPage(apiUrl), launchChromium()]);
  return {
    url: server.url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Screenshots go here; CI keeps the folder. */
export function screenshotPath(name: string): string {
  mkdirSync('test-results', { recursive: true });
  return `test-results/${name}.png`;
}

/** What {@link installProbes} records in the page, as `window.probe`. */
export interface PageProbe {
  /** Video frames presented. */
  frames: number;
  size: { width: number; height: number };
  /** The avatar's audio loudness every 20 ms (`at` in milliseconds of the page's clock). */
  loudness: { at: number; rms: number }[];
  states: string[];
  phases: string[];
}

declare global {
  interface Window {
    /** Set by {@link installProbes} in the pages under test. */
    probe?: PageProbe;
  }
}

/**
 * Installs probes in the page: counts presented video frames of the avatar's `<video>` and
 * samples the loudness of its audio every 20 ms through Web Audio.
 */
export async function installProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe: PageProbe = {
      frames: 0,
      size: { width: 0, height: 0 },
      loudness: [],
      states: [],
      phases: [],
    };
    window.probe = probe;
    const avatar = document.querySelector('streaming-avatar')!;
    avatar.addEventListener('avatar-state-change', (event) => probe.states.push(event.state));
    avatar.avatar.on('phase', (phase) => probe.phases.push(phase));
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
