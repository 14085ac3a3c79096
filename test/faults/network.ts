/**
 * Network loss in Chromium with the real livekit-server: toxiproxy stands between the page and
 * the emulator's API (through the demo's dev server) and between the page and livekit-server's
 * signalling port. The signalling link is cut mid-session for 2 s and for 30 s, and the API for
 * 10 s while keep-alives run. The session must recover (LiveKit's reconnect) or end with a typed
 * reason the page shows, and nothing may be left billing.
 */

import getPort from 'get-port';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { launchChromium } from '../e2e/harness.js';
import { emulatorControl } from '../support/processes.js';
import { type ProxiedEmulator, startProxiedEmulator } from '../support/proxied-emulator.js';
import { installPageProbes } from './browser.js';
import { eventually, type Group, type Outcome, pause, type Scenario } from './matrix.js';

let network: ProxiedEmulator;
let site: ViteDevServer;
let pageUrl: string;
let browser: Browser;

interface EmulatorSessions {
  active: { session_id: string }[];
  closed: { session_id: string }[];
}

const control = (path: string, body?: object) => emulatorControl(network.emulator.apiUrl, path, body);

/** What the page saw: the element's states in order and its end reason. */
interface Seen {
  states: string[];
  endReason: string | undefined;
  keepAliveFailures: number;
}

declare global {
  interface Window {
    seen?: Seen;
  }
}

/** Opens the demo page (through the proxies), starts the avatar and waits until it is connected. */
async function connectedPage(idleTimeoutSeconds?: number): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript(installPageProbes);
  await page.goto(pageUrl);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  await page.evaluate(async (idleTimeout) => {
    const avatar = document.querySelector('streaming-avatar')!;
    const seen: Seen = { states: [], endReason: undefined, keepAliveFailures: 0 };
    window.seen = seen;
    if (idleTimeout !== undefined) avatar.idleTimeout = idleTimeout;
    avatar.addEventListener('avatar-state-change', (event) => seen.states.push(event.state));
    avatar.addEventListener('avatar-ended', (event) => (seen.endReason = event.reason));
    avatar.avatar.on('keepAliveFailed', () => (seen.keepAliveFailures += 1));
    await avatar.start();
  }, idleTimeoutSeconds);
  return page;
}

const seen = (page: Page) => page.evaluate(() => window.seen!);
const stateOf = (page: Page) => page.evaluate(() => document.querySelector('streaming-avatar')!.state);

/** Runs `act`, then stops the avatar and reads what was left behind. */
async function scenario(act: () => Promise<Page>): Promise<Outcome> {
  await control('reset', {});
  await Promise.all([
    network.toxiproxy.setEnabled('api', true),
    network.toxiproxy.setEnabled('signal', true),
  ]);
  const before = (await control('sessions')) as EmulatorSessions;
  const known = new Set([...before.active, ...before.closed].map((entry) => entry.session_id));
  const page = await act();
  await page.evaluate(() => window.track!(document.querySelector('streaming-avatar')!.stop()));
  const mine = async () => {
    const now = (await control('sessions')) as EmulatorSessions;
    const fresh = (list: { session_id: string }[]) => list.filter((entry) => !known.has(entry.session_id));
    return { created: fresh(now.active).length + fresh(now.closed).length, active: fresh(now.active).length };
  };
  const probes = () => page.evaluate(() => window.faults!);
  await eventually(async () => (await mine()).active === 0 && (await probes()).pending === 0, 30_000);
  const { unhandled, pending, reasons } = await probes();
  for (const reason of reasons) console.log(`  unhandled in the page: ${reason}`);
  const { created, active } = await mine();
  await page.close();
  return { created, leftActive: active, pending, remoteUnhandled: unhandled };
}

/**
 * Cuts the signalling link for `seconds`, then gives LiveKit a minute to reconnect. The page must
 * end up connected again (and speak), or ended with a typed reason; `print` says which.
 */
function signallingCut(seconds: number): Scenario {
  return {
    name: `the signalling link is cut for ${seconds} s mid-session`,
    run: () =>
      scenario(async () => {
        const page = await connectedPage();
        await network.toxiproxy.setEnabled('signal', false);
        try {
          await page.waitForFunction(
            () => document.querySelector('streaming-avatar')!.state === 'reconnecting',
            null,
            { timeout: 20_000 },
          );
          await pause(seconds * 1000);
        } finally {
          await network.toxiproxy.setEnabled('signal', true);
        }
        await page.waitForFunction(
          () => ['connected', 'closed', 'failed'].includes(document.querySelector('streaming-avatar')!.state),
          null,
          { timeout: 60_000 },
        );
        const { states, endReason } = await seen(page);
        const state = await stateOf(page);
        console.log(`  ${seconds} s cut: ${states.join(' → ')}${endReason ? ` (ended: ${endReason})` : ''}`);
        if (state === 'connected') {
          // Recovered: the avatar still speaks.
          await page.evaluate(() => document.querySelector('streaming-avatar')!.speak('Still here.'));
        } else if (!endReason || endReason === 'user') {
          throw new Error(`ended without a typed reason: ${states.join(' → ')}`);
        }
        return page;
      }),
  };
}

const scenarios: Scenario[] = [
  signallingCut(2),
  signallingCut(30),
  {
    name: 'the API is cut for 10 s while keep-alives run',
    run: () =>
      scenario(async () => {
        // A 30-second idle timeout: a keep-alive every 7.5 s, and the session ends after 30 s without one.
        const page = await connectedPage(30);
        await network.toxiproxy.setEnabled('api', false);
        await page.waitForFunction(() => window.seen!.keepAliveFailures > 0, null, { timeout: 20_000 });
        await pause(10_000);
        const resumed = page.waitForResponse(
          (response) => response.url().endsWith('/v1/streaming.keep_alive') && response.status() === 200,
          { timeout: 30_000 },
        );
        await network.toxiproxy.setEnabled('api', true);
        await resumed;
        const state = await stateOf(page);
        console.log(
          `  API cut: ${(await seen(page)).keepAliveFailures} keep-alives failed, then one passed; ${state}`,
        );
        if (state !== 'connected') throw new Error(`the session did not survive: ${state}`);
        return page;
      }),
  },
];

export const networkGroup: Group = {
  name: 'network loss: toxiproxy + Chromium',
  scenarios,
  async setUp() {
    network = await startProxiedEmulator();
    // The demo's dev server and backend, their emulator URL the proxied one (read at creation).
    const saved = { ...process.env };
    Object.assign(process.env, {
      AVATAR_EMULATOR_URL: network.apiUrl,
      AVATAR_API_KEY: 'emulator-api-key',
      LIVEAVATAR_API_KEY: 'emulator-liveavatar-key',
    });
    try {
      site = await createServer({
        configFile: 'vite.config.ts',
        // The proxy's refusals while the API is cut are the scenario, not news.
        logLevel: 'silent',
        server: { port: await getPort({ host: '127.0.0.1' }), strictPort: true },
      });
      await site.listen();
    } finally {
      process.env = saved;
    }
    pageUrl = site.resolvedUrls!.local[0]!;
    browser = await launchChromium();
    return async () => {
      await browser.close();
      await site.close();
      await network.stop();
    };
  },
};
