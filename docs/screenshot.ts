/**
 * `npm run docs:screenshot`: docs/images/themed-avatar.png, the CSS of docs/theming.md on a live
 * avatar (the drop-in file from dist/cdn, after `npm run build`) against the emulator in Chromium.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startEmulator } from '../emulator/src/index.js';
import { createSessionTokenHandler, toNodeListener } from '../src/server/index.js';
import { chromiumFlags, chromiumPath } from '../test/support/chromium.js';

const root = join(import.meta.dirname, '..');
const css = readFileSync(join(root, 'docs/theming.md'), 'utf8').match(/```css\n([\s\S]*?)```/)![1]!;
const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<script type="module" src="/cdn/streaming-avatar-kit.js"></script>
<style>html { min-height: 100%; } body { margin: 0; padding: 40px; min-height: 100vh; box-sizing: border-box; font-family: system-ui; } ${css}</style></head><body>
<streaming-avatar id="avatar" token-url="/api/avatar-token" background="chroma-key" quality="medium"></streaming-avatar>
<avatar-captions for="avatar"></avatar-captions></body></html>`;

const emulator = await startEmulator();
const tokens = toNodeListener(
  createSessionTokenHandler({ apiKey: 'emulator-api-key', baseUrl: emulator.apiUrl, allowAnonymous: true }),
);
const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/api/avatar-token') return void tokens(request, response);
  if (path === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  readFile(join(root, 'dist', path)).then(
    (body) => response.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
    () => response.writeHead(404).end(),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 720, height: 520 } });
  await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const avatar = tab.locator('streaming-avatar');
  await avatar.evaluate((element, baseUrl) => element.setAttribute('base-url', baseUrl), emulator.apiUrl);
  await avatar.locator('[part="start"]').click();
  await tab.waitForFunction(
    () => document.querySelector('streaming-avatar')?.getAttribute('state') === 'connected',
  );
  await avatar.evaluate((element) => {
    void (element as HTMLElement & { speak(text: string): unknown }).speak(
      'Any colour, any corner, any font: the page decides how I look.',
    );
  });
  await tab.waitForFunction(() =>
    document.querySelector('avatar-captions')?.shadowRoot?.textContent?.includes('colour'),
  );
  await tab.waitForTimeout(1200);
  await tab.screenshot({ path: join(root, 'docs/images/themed-avatar.png') });
  console.log('wrote docs/images/themed-avatar.png');
} finally {
  await browser.close();
  server.close();
  await emulator.stop();
}
