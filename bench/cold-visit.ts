/**
 * A cold first visit: a fresh browser context (nothing cached) opens the drop-in page
 * (`bench/page/cold-ours.html`) or the official SDK's (`cold-official.html`) over a throttled
 * network (Chromium's network emulation: the page's downloads, its API calls and the signalling
 * socket's handshake) and the visitor clicks start as soon as the button shows. Per visit: from the
 * click to the first presented frame, and from opening the page to it. Ours runs twice: clicked at
 * once, and with the pointer resting on the start button first (the element then preloads what a
 * start needs).
 */
import type { Browser } from 'playwright-core';
import type { NetworkProfile } from './network.js';
import type { ColdVisitTimes } from './page/cold-visit.js';

/** How long the pointer rests on the start button before the click, in milliseconds: a visitor's hesitation. */
export const POINTER_REST_MS = 500;

export type ColdVisitKind = 'ours' | 'oursPointerRested' | 'official';

/** One visit, in milliseconds. */
export interface ColdVisit {
  clickToFirstFrameMs: number;
  openToFirstFrameMs: number;
}

export type ColdVisitFigures = Record<ColdVisitKind, ColdVisit[]>;

const PAGES: Record<ColdVisitKind, { path: string; button: string }> = {
  ours: { path: 'cold-ours.html', button: 'streaming-avatar button[part=start]' },
  oursPointerRested: { path: 'cold-ours.html', button: 'streaming-avatar button[part=start]' },
  official: { path: 'cold-official.html', button: '#start' },
};

export async function measureColdVisits(
  browser: Browser,
  pageUrl: string,
  apiUrl: string,
  profile: NetworkProfile,
  visits: number,
  progress: (line: string) => void,
): Promise<ColdVisitFigures> {
  const figures: ColdVisitFigures = { ours: [], oursPointerRested: [], official: [] };
  const kinds = Object.keys(PAGES) as ColdVisitKind[];
  for (let index = 0; index < visits; index++) {
    // Rotate which goes first, so drift in the machine's load touches each alike.
    const order = kinds.map((_, offset) => kinds[(index + offset) % kinds.length]!);
    for (const kind of order)
      figures[kind].push(await visit(browser, new URL(PAGES[kind].path, pageUrl), apiUrl, profile, kind));
    progress(`cold visit round ${index + 1}/${visits} done`);
  }
  return figures;
}

async function visit(
  browser: Browser,
  url: URL,
  apiUrl: string,
  profile: NetworkProfile,
  kind: ColdVisitKind,
): Promise<ColdVisit> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    await devtools.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 2 * profile.oneWayLatencyMs,
      downloadThroughput: profile.downKbps === undefined ? -1 : (profile.downKbps * 1000) / 8,
      uploadThroughput: -1,
    });
    url.searchParams.set('api', apiUrl);
    await page.goto(url.href, { waitUntil: 'commit' });
    const button = page.locator(PAGES[kind].button);
    await button.waitFor({ state: 'visible', timeout: 60_000 });
    // The official page's button is in its HTML: it works once the page's script has run.
    await page.waitForFunction(() => window.coldVisit !== undefined, undefined, { timeout: 60_000 });
    if (kind === 'oursPointerRested') {
      await button.hover();
      await page.waitForTimeout(POINTER_REST_MS);
      await button.click();
    } else {
      // No pointer movement first: a tap, or a click that gives the page no head start.
      await button.dispatchEvent('click');
    }
    await page.waitForFunction(() => window.coldVisit.firstFrameAt !== undefined, undefined, {
      timeout: 60_000,
    });
    const times: ColdVisitTimes = await page.evaluate(() => ({ ...window.coldVisit }));
    await page.evaluate(() => window.stopColdVisit());
    return {
      clickToFirstFrameMs: times.firstFrameAt! - times.clickAt!,
      openToFirstFrameMs: times.firstFrameAt!,
    };
  } finally {
    await context.close();
  }
}
