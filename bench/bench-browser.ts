/**
 * The bench page open in headless Chromium on a fresh emulator, with a DevTools session that
 * reads the page's own metrics (durations in the main thread's CPU time).
 */
import { type CDPSession, chromium, type Page } from 'playwright-core';
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from '../emulator/src/index.js';
import { chromiumFlags, chromiumPath } from '../test/support/chromium.js';
import { serveBenchPage } from './page-server.js';

export interface BenchBrowser {
  emulator: RunningEmulator;
  page: Page;
  devtools: CDPSession;
  /** Chromium's page metrics by name (`TaskDuration` in seconds, `JSHeapUsedSize` in bytes, …). */
  metrics(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** @param browserArgs Chromium flags beside the bench's own (a fake microphone, say). */
export async function openBenchBrowser(
  options: StartEmulatorOptions = {},
  browserArgs: string[] = [],
): Promise<BenchBrowser> {
  const emulator = await startEmulator(options);
  const server = await serveBenchPage(emulator.apiUrl);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required', ...browserArgs],
  });
  const close = async () => {
    await browser.close();
    await server.close();
    await emulator.stop();
  };
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => window.bench !== undefined);
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metrics = async () => {
      const { metrics: list } = await devtools.send('Performance.getMetrics');
      return new Map(list.map((metric) => [metric.name, metric.value]));
    };
    return { emulator, page, devtools, metrics, close };
  } catch (error) {
    await close();
    throw error;
  }
}
