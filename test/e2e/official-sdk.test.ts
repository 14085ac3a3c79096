import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFigures } from '../../bench/page/main.js';
import { type RunningEmulator, startEmulator } from '../../emulator/src/index.js';
import { benchPageInChromium } from './harness.js';

let emulator: RunningEmulator;
let bench: Awaited<ReturnType<typeof benchPageInChromium>>;

beforeAll(async () => {
  emulator = await startEmulator();
  bench = await benchPageInChromium(emulator.apiUrl);
}, 300_000);

afterAll(async () => {
  await bench?.close();
  await emulator?.stop();
});

/** One start → speak → interrupt → stop, timed by the benchmark harness. */
async function run(kind: 'ours' | 'official'): Promise<RunFigures> {
  const page = await bench.browser.newPage();
  await page.goto(bench.url);
  await page.waitForFunction(() => window.bench !== undefined);
  const { apiUrl } = emulator;
  await page.evaluate((base) => window.bench.redirectVoiceChatSocket(base), apiUrl);
  const figures = await page.evaluate(
    ([which, base]) =>
      which === 'ours'
        ? window.bench.runOurs(base!, 'Wayne_20240711')
        : window.bench.runOfficial(base!, 'Wayne_20240711'),
    [kind, apiUrl] as const,
  );
  await page.close();
  return figures;
}

describe('the official @heygen/streaming-avatar SDK against the emulator', () => {
  it.each(['official', 'ours'] as const)(
    '%s: starts, speaks, is interrupted and stops',
    async (kind) => {
      const figures = await run(kind);
      // Each figure resolving at all is the check: the page waited for a frame, the talking event,
      // audio energy, silence, and an empty session list. The bounds only catch a stuck step.
      expect(figures.firstFrameMs).toBeLessThan(10_000);
      // Its task request was seen leaving the page before the audio came, and answered.
      expect(figures.speakToTaskSentMs).toBeLessThan(figures.speakToFirstAudioMs);
      expect(figures.speakToTaskAnsweredMs).toBeGreaterThan(figures.speakToTaskSentMs);
      expect(figures.speakToStartTalkingMs).toBeLessThan(5_000);
      expect(figures.speakToFirstAudioMs).toBeLessThan(5_000);
      expect(figures.interruptToSilenceMs).toBeLessThan(1_000);
      expect(figures.stopToNoActiveSessionMs).toBeLessThan(2_000);
    },
    120_000,
  );
});
