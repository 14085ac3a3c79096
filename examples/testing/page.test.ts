/**
 * A Playwright test of a page with the avatar against the emulator, in Chromium: it starts the
 * avatar, makes it speak and hears it. The page's server here is a few lines of node:http serving
 * the page, the toolkit's drop-in file and the token route; yours is your dev server, with its
 * token route pointed at `emulator.apiUrl`. (Shown in docs/emulator.md.)
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type RunningEmulator, startEmulator } from 'streaming-avatar-emulator';
import type { StreamingAvatarElement } from 'streaming-avatar-kit/components';
import { createSessionTokenHandler, toNodeListener } from 'streaming-avatar-kit/server';
import { afterAll, beforeAll, expect, it } from 'vitest';

const cdn = join(
  dirname(createRequire(import.meta.url).resolve('streaming-avatar-kit/custom-elements.json')),
  'dist/cdn',
);

let emulator: RunningEmulator;
let server: Server;
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  emulator = await startEmulator(); // livekit-server and the talking avatar, on free ports
  const tokens = toNodeListener(
    createSessionTokenHandler({ apiKey: 'emulator-api-key', baseUrl: emulator.apiUrl, allowAnonymous: true }),
  );
  server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/avatar-token') return tokens(request, response);
    const file =
      path === '/' ? join(import.meta.dirname, 'page.html') : join(cdn, path.replace(/^\/cdn\//, ''));
    const body = await readFile(file).catch(() => undefined);
    response.writeHead(body ? 200 : 404, {
      'content-type': extname(file) === '.html' ? 'text/html' : 'text/javascript',
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await emulator?.stop();
});

it('starts the avatar and hears it speak', async () => {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  const avatar = page.locator('streaming-avatar');
  // The page talks to HeyGen unless told otherwise; in the test, to the emulator.
  await avatar.evaluate((element, baseUrl) => element.setAttribute('base-url', baseUrl), emulator.apiUrl);
  await avatar.locator('[part="start"]').click();
  await expect.poll(() => avatar.getAttribute('state'), { timeout: 60_000 }).toBe('connected');

  const loudest = await avatar.evaluate(async (element: StreamingAvatarElement) => {
    const video = element.shadowRoot!.querySelector('video')!;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(video.srcObject as MediaStream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let max = 0;
    const sample = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      for (const value of samples) max = Math.max(max, Math.abs(value));
    }, 20);
    await element.speak('Hello from your own test.').done;
    clearInterval(sample);
    return max;
  });
  expect(loudest).toBeGreaterThan(0.01);
  await avatar.evaluate((element: StreamingAvatarElement) => element.stop());
}, 120_000);
