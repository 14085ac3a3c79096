/**
 * What showing the avatar costs the page, with the chroma key off, on the page's main thread, and
 * in its worker, at 360p and 720p: the renderer main thread's busy time per presented frame (from
 * Chromium's own task accounting), the keying thread's time per frame, frame rates and drops.
 */
import { cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { startEmulator } from '../emulator/src/index.js';
import { chromiumFlags, chromiumPath } from '../test/support/chromium.js';
import type { KeyPath, RenderRunFigures } from './page/main.js';
import { serveBenchPage } from './page-server.js';

/** One render measurement, in milliseconds and frames per second. */
export interface RenderFigures {
  quality: 'low' | 'high';
  path: KeyPath;
  width: number;
  height: number;
  /** The page's main thread: busy milliseconds per presented video frame (all its work, not only the key's). */
  mainThreadMsPerFrame: number;
  /** The keying thread's milliseconds per keyed frame (the worker's, or the main thread's on the page path). */
  keyMsPerFrame: number;
  videoFps: number;
  keyedFps: number;
  droppedFrames: number;
  /** How busy the whole machine was (emulator, livekit-server and Chromium together), 0–1. */
  machineBusy: number;
}

/** Busy and total CPU milliseconds of the whole machine so far. */
function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

const PATHS: KeyPath[] = ['off', 'page', 'worker'];

/** Runs every path at both sizes for `seconds` each, on a fresh emulator. */
export async function measureRender(
  avatarId: string,
  seconds: number,
  progress: (line: string) => void,
): Promise<RenderFigures[]> {
  const emulator = await startEmulator();
  const server = await serveBenchPage(emulator.apiUrl);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => window.bench !== undefined);
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Performance.enable', { timeDomain: 'threadTicks' });
    const taskSeconds = async () => {
      const { metrics } = await devtools.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'TaskDuration')!.value;
    };
    const figures: RenderFigures[] = [];
    for (const quality of ['low', 'high'] as const) {
      for (const path of PATHS) {
        progress(`render: ${quality === 'low' ? '360p' : '720p'}, chroma key ${path}…`);
        await page.evaluate(
          ([base, avatar, keyPath, size]) => window.bench.renderStart(base, avatar, keyPath, size),
          [emulator.apiUrl, avatarId, path, quality] as const,
        );
        const busyBefore = await taskSeconds();
        const machineBefore = machineTimes();
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        const busy = (await taskSeconds()) - busyBefore;
        const machineAfter = machineTimes();
        const run: RenderRunFigures = await page.evaluate(() => window.bench.renderStop());
        figures.push({
          quality,
          path,
          width: run.width,
          height: run.height,
          mainThreadMsPerFrame: (busy * 1000) / Math.max(1, run.videoFrames),
          keyMsPerFrame: run.keyedFrames ? run.keyMs / run.keyedFrames : 0,
          videoFps: run.videoFrames / run.seconds,
          keyedFps: run.keyedFrames / run.seconds,
          droppedFrames: run.droppedFrames,
          machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
        });
      }
    }
    return figures;
  } finally {
    await browser.close();
    await server.close();
    await emulator.stop();
  }
}
