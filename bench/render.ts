/**
 * What showing the avatar costs the page, with the chroma key off, on the page's main thread, and
 * in its worker, at 360p and 720p: the renderer main thread's busy time per presented frame (from
 * Chromium's own task accounting), the keying thread's time per frame, frame rates and drops.
 */
import { cpus } from 'node:os';
import { openBenchBrowser } from './bench-browser.js';
import type { KeyPath, RenderRunFigures } from './page/main.js';

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
  const { emulator, page, metrics, close } = await openBenchBrowser();
  try {
    const taskSeconds = async () => (await metrics()).get('TaskDuration')!;
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
    await close();
  }
}
