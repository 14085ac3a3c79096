/**
 * The avatar's first keyframe reaches the page. This toolkit joins the room before the avatar
 * publishes; over a network with signalling latency (the bench's `remote` profile), the keyframe
 * sent as the video was subscribed used to arrive before the browser could decode it, and every
 * start waited for the browser's keyframe requests to get through (bench/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_PROFILES, type ProfiledEmulator, startProfiledEmulator } from '../../bench/network.js';
import { benchPageInChromium } from './harness.js';

let remote: ProfiledEmulator;
let bench: Awaited<ReturnType<typeof benchPageInChromium>>;

beforeAll(async () => {
  remote = await startProfiledEmulator(NETWORK_PROFILES.remote);
  bench = await benchPageInChromium(remote.apiUrl);
}, 300_000);

afterAll(async () => {
  await bench?.close();
  await remote?.stop();
});

describe('the first frame over a distant network', () => {
  it('shows the keyframe the avatar sent for this page: no start asks for another', async () => {
    const page = await bench.browser.newPage();
    await page.goto(bench.url);
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
