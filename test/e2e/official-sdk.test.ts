import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFigures } from '../../bench/page/main.js';
import { type BenchPageServer, serveBenchPage } from '../../bench/page-server.js';
import { type RunningEmulator, startEmulator } from '../../emulator/src/index.js';
import { chromiumFlags, chromiumPath } from '../support/chromium.js';

let emulator: RunningEmulator;
let server: BenchPageServer;
let browser: Awaited<ReturnType<typeof chromium.launch>>;

beforeAll(async () => {
  emulator = await startEmulator();
  [server, browser] = await Promise.all([
    serveBenchPage(emulator.apiUrl),
    chromium.launch({
      executablePath: chromiumPath,
      args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required'],
    }),
  ]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.stop();
});

/** One start → speak → interrupt → stop, timed by the benchmark harness. */
async function run(kind: 'ours' | 'official'): Promise<RunFigures> {
  const page = await browser.newPage();
  await page.goto(server.url);
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
      expect(figures.speakToStartTalkingMs).toBeLessThan(5_000);
      expect(figures.speakToFirstAudioMs).toBeLessThan(5_000);
      expect(figures.interruptToSilenceMs).toBeLessThan(1_000);
      expect(figures.stopToNoActiveSessionMs).toBeLessThan(2_000);
    },
    120_000,
  );
});
