/**
 * Cost as work grows: `<streaming-avatar>` with `<avatar-captions>` speaking one utterance after
 * another for minutes, sampled once a minute after a forced garbage collection: the page's JS
 * heap, event listeners, DOM nodes and pending timers, the session's queue, the captions kept,
 * and the main thread's CPU time in that minute.
 */
import { openBenchBrowser } from './bench-browser.js';
import type { GrowthSample } from './page/main.js';

/** One sample, taken `minute` minutes into the measurement. */
export interface GrowthRow extends GrowthSample {
  minute: number;
  /** JS heap in use after a garbage collection, in bytes. */
  heapBytes: number;
  /** Event listeners on the page's DOM and window. */
  listeners: number;
  /** DOM nodes, shadow roots included. */
  nodes: number;
  /** Main-thread CPU milliseconds in the minute before the sample. */
  cpuMsPerMinute: number;
}

/** The transcript the page asks its captions to keep, in lines (`max-cues`). */
export const GROWTH_MAX_CUES = 20;

/** Samples a speaking session once a minute for `minutes` minutes, after a minute of warm-up. */
export async function measureGrowth(
  avatarId: string,
  minutes: number,
  progress: (line: string) => void,
): Promise<GrowthRow[]> {
  // Its own emulator, with credits and a duration limit for a session longer than the trial's 10 minutes.
  const { emulator, page, devtools, metrics, close } = await openBenchBrowser({
    keys: { 'emulator-api-key': { tier: 'api', credits: 10_000 } },
    sessionDurationSeconds: (minutes + 5) * 60,
  });
  try {
    await page.evaluate(([base, avatar, maxCues]) => window.bench.growthStart(base, avatar, maxCues), [
      emulator.apiUrl,
      avatarId,
      GROWTH_MAX_CUES,
    ] as const);
    const rows: GrowthRow[] = [];
    let lastCpuSeconds: number | undefined;
    for (let minute = -1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      await devtools.send('HeapProfiler.collectGarbage');
      const measured = await metrics();
      const metric = (name: string) => measured.get(name) ?? Number.NaN;
      const sample = await page.evaluate(() => window.bench.growthSample());
      const cpuSeconds = metric('TaskDuration');
      // Minute -1 is the warm-up: the start, the first utterances, code being compiled.
      if (minute >= 0)
        rows.push({
          minute,
          ...sample,
          heapBytes: metric('JSHeapUsedSize'),
          listeners: metric('JSEventListeners'),
          nodes: metric('Nodes'),
          cpuMsPerMinute: (cpuSeconds - lastCpuSeconds!) * 1000,
        });
      lastCpuSeconds = cpuSeconds;
      progress(
        `long session: ${minute < 0 ? 'warmed up' : `minute ${minute} of ${minutes}`}, ${sample.spoken} utterances spoken`,
      );
    }
    await page.evaluate(() => window.bench.growthStop());
    return rows;
  } finally {
    await close();
  }
}
