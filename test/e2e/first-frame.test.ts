/**
 * The avatar's first keyframe reaches the page. This toolkit joins the room before the avatar
 * publishes; over a network with signalling latency (the bench's `remote` profile), the keyframe
 * sent as the video was subscribed used to arrive before the browser could decode it, and every
 * start waited for the browser's keyframe requests to get through (bench/README.md).
 */
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_PROFILES, type ProfiledEmulator, startProfiledEmulator } from '../../bench/network.js';
import { type BenchPageServer, serveBenchPage } from '../../bench/page-server.js';
import { chromiumFlags, chromiumPath } from '../support/chromium.js';

let remote: ProfiledEmulator;
let server: BenchPageServer;
let browser: Awaited<ReturnType<typeof chromium.launch>>;

beforeAll(async () => {
  remote = await startProfiledEmulator(NETWORK_PROFILES.remote);
  [server, browser] = await Promise.all([
    serveBenchPage(remote.apiUrl),
    chromium.launch({
      executablePath: chromiumPath,
      args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required'],
    }),
  ]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await remote?.stop();
});

describe('the first frame over a distant network', () => {
  it('shows the keyframe the avatar sent for this page: no start asks for another', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => window.bench !== undefined);
    const requests: number[] = [];
    for (let start = 0; start < 3; start++) {
      const figures = await page.evaluate(
        (base) => window.bench.runOurs(base, 'Wayne_20240711'),
        remote.apiUrl,
      );
      requests.push(figures.keyframeRequests);
    }
    await page.close();
    expect(requests).toEqual([0, 0, 0]);
  }, 180_000);
});
