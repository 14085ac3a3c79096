/**
 * The room and transport cases in Chromium with the real livekit-server: the demo page
 * (`npm start` with the emulator's control endpoints) stopped at every connect phase, a start
 * that fails while the room join runs, a room lost for good, page hide and close, double starts.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium, type RunningDemo, startDemo } from '../e2e/harness.js';
import { eventually, type Group, type Outcome, pause, type Scenario } from './matrix.js';

let demo: RunningDemo;
let browser: Browser;

interface EmulatorSessions {
  active: { session_id: string }[];
  closed: { session_id: string }[];
}

/** What the page's probes keep: unhandled rejections, and the scenario's promises still pending. */
interface PageProbes {
  faults: { unhandled: number; pending: number; reasons: string[] };
  track: (promise: Promise<unknown>) => void;
}

declare global {
  /** Set in the fault matrix's pages only. */
  interface Window {
    faults?: PageProbes['faults'];
    track?: PageProbes['track'];
  }
}

/** In the page: counts unhandled rejections and follows the promises the scenario starts. */
export function installPageProbes() {
  const probe: PageProbes['faults'] = { unhandled: 0, pending: 0, reasons: [] };
  window.faults = probe;
  window.addEventListener('unhandledrejection', (event) => {
    probe.unhandled += 1;
    const reason = event.reason as { stack?: string } | undefined;
    probe.reasons.push(String(reason?.stack ?? reason));
  });
  window.track = (promise) => {
    probe.pending += 1;
    promise.then(
      () => (probe.pending -= 1),
      () => (probe.pending -= 1),
    );
  };
}

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript(installPageProbes);
  await page.goto(demo.pageUrl);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  return page;
}

/** Runs `act` on a fresh demo page and reads what it left behind on the emulator and in the page. */
async function scenario(act: (page: Page) => Promise<void>, closePage = true): Promise<Outcome> {
  await demo.control('reset', {});
  const before = (await demo.control('sessions')) as EmulatorSessions;
  const known = new Set([...before.active, ...before.closed].map((entry) => entry.session_id));
  const page = await openPage();
  await act(page);
  const mine = async () => {
    const now = (await demo.control('sessions')) as EmulatorSessions;
    const fresh = (list: { session_id: string }[]) => list.filter((entry) => !known.has(entry.session_id));
    return { created: fresh(now.active).length + fresh(now.closed).length, active: fresh(now.active).length };
  };
  const probes = () =>
    page.isClosed()
      ? { unhandled: 0, pending: 0, reasons: [] as string[] }
      : page.evaluate(() => window.faults!);
  await eventually(async () => (await mine()).active === 0 && (await probes()).pending === 0, 15_000);
  const { unhandled, pending, reasons } = await probes();
  for (const reason of reasons) console.log(`  unhandled in the page: ${reason}`);
  const { created, active } = await mine();
  if (closePage && !page.isClosed()) await page.close();
  return { created, leftActive: active, pending, remoteUnhandled: unhandled };
}

function stopAtPhase(phase: string): Scenario {
  return {
    name: `stop() the moment phase ${phase} begins`,
    run: () =>
      scenario(async (page) => {
        await page.evaluate((target) => {
          const track = window.track!;
          const avatar = document.querySelector('streaming-avatar')!;
          avatar.avatar.on('phase', (current) => {
            if (current === target) track(avatar.stop());
          });
          track(avatar.start().catch(() => undefined));
        }, phase);
        await page.waitForFunction(() =>
          ['closed', 'idle'].includes(document.querySelector('streaming-avatar')!.state),
        );
        await pause(500);
      }),
  };
}

const scenarios: Scenario[] = [
  ...['token', 'new', 'start', 'room', 'media'].map(stopAtPhase),
  {
    name: 'streaming.start fails while the room join runs',
    run: () =>
      scenario(async (page) => {
        await demo.control('latency', { endpoint: '/v1/streaming.start', ms: 800 });
        await demo.control('fail', { endpoint: '/v1/streaming.start', count: 1, status: 400, code: 10002 });
        await page.evaluate(() => {
          const avatar = document.querySelector('streaming-avatar')!;
          window.track!(avatar.start().catch(() => undefined));
        });
        await page.waitForFunction(() => document.querySelector('streaming-avatar')!.state === 'failed');
        await pause(1000);
      }),
  },
  {
    name: 'the avatar leaves the room for good',
    run: () =>
      scenario(async (page) => {
        await page.evaluate(() => document.querySelector('streaming-avatar')!.start());
        const sessionId = await page.evaluate(
          () => document.querySelector('streaming-avatar')!.avatar.sessionId,
        );
        await demo.control('drop-media', { session_id: sessionId });
        await demo.control('close', { session_id: sessionId, reason: 'user' });
        await page.waitForFunction(
          () => document.querySelector('streaming-avatar')!.state === 'closed',
          null,
          {
            timeout: 20_000,
          },
        );
      }),
  },
  {
    name: 'pagehide while streaming.new is in flight',
    run: () =>
      scenario(async (page) => {
        await demo.control('latency', { endpoint: '/v1/streaming.new', ms: 1000 });
        await page.evaluate(() => {
          const avatar = document.querySelector('streaming-avatar')!;
          const track = window.track!;
          avatar.avatar.on('phase', (phase) => {
            if (phase === 'new') window.dispatchEvent(new Event('pagehide'));
          });
          track(avatar.start().catch(() => undefined));
        });
        await pause(2000);
      }),
  },
  {
    name: 'the page is closed while connected',
    run: () =>
      scenario(async (page) => {
        await page.evaluate(() => document.querySelector('streaming-avatar')!.start());
        await page.close({ runBeforeUnload: true });
      }, false),
  },
  {
    name: 'double click on Start, then Stop and Start again at once',
    run: () =>
      scenario(async (page) => {
        await page.dblclick('#start');
        await page.waitForFunction(
          () => document.querySelector('streaming-avatar')!.state === 'connected',
          null,
          {
            timeout: 20_000,
          },
        );
        await page.click('#stop');
        await page.click('#start');
        await page.waitForFunction(
          () => document.querySelector('streaming-avatar')!.state === 'connected',
          null,
          {
            timeout: 20_000,
          },
        );
        await page.click('#stop');
        await page.waitForFunction(() => document.querySelector('streaming-avatar')!.state === 'closed');
      }),
  },
];

export const browserGroup: Group = {
  name: 'browser: Chromium + livekit-server',
  scenarios,
  async setUp() {
    demo = await startDemo();
    browser = await launchChromium();
    return async () => {
      await browser.close();
      await demo.stop();
    };
  },
};
