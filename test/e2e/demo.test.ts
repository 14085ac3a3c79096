import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { creditsForSession } from '../../src/credits/rate-plans.js';
import { buildPackage } from '../support/build.js';
import { installProbes, launchChromium, type RunningDemo, screenshotPath, startDemo } from './harness.js';

let demo: RunningDemo;
let browser: Browser;

/** The package as `npm pack` makes it, extracted: the drop-in page is served its files. */
let packed: string;

beforeAll(async () => {
  // The package's build (types, modules, the drop-in file in dist/cdn/), then the package itself.
  buildPackage();
  packed = mkdtempSync(join(tmpdir(), 'package-'));
  const [tarball] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packed], {
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  execFileSync('tar', ['xzf', join(packed, tarball!.filename), '-C', packed]);
  [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
}, 300_000);

// A failed test must not leave a session running into the next one's figures.
afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close();
  await demo?.stopAllSessions();
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function openDemo(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(demo.pageUrl);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  await installProbes(page);
  return page;
}

async function startAvatar(page: Page): Promise<void> {
  await page.click('#start');
  await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'connected', null, {
    timeout: 30_000,
  });
}

const probe = (page: Page) => page.evaluate(() => window.probe!);

/** Loudest sample (RMS, 0–1) between two page times in milliseconds. */
const loudest = (page: Page, from: number, to: number) =>
  page.evaluate(
    ([start, end]) =>
      Math.max(
        0,
        ...window
          .probe!.loudness.filter((entry) => entry.at >= start! && entry.at <= end!)
          .map((entry) => entry.rms),
      ),
    [from, to],
  );

const pageNow = (page: Page) => page.evaluate(() => performance.now());

/**
 * Waits until the avatar's audio has been quiet (RMS < 0.005) for `holdMs` milliseconds after page
 * time `from`, however long the machine takes; resolves with how many milliseconds after `from`
 * the quiet began.
 */
async function silenceAfter(page: Page, from: number, holdMs = 1000): Promise<number> {
  const quietSince = await page.waitForFunction(
    ([start, hold]) => {
      const heard = window.probe!.loudness.filter((entry) => entry.at >= start!);
      const lastLoud = heard.findLast((entry) => entry.rms >= 0.005);
      const since = lastLoud?.at ?? start!;
      const latest = heard.at(-1)?.at ?? start!;
      return latest - since >= hold! ? since : undefined;
    },
    [from, holdMs],
    { timeout: 30_000 },
  );
  return ((await quietSince.jsonValue()) as number) - from;
}

/**
 * Waits until the avatar's keyed canvas shows the backdrop transparent and the face opaque;
 * resolves with its width and whether its drawing moved to the keying worker.
 */
async function keyedCanvas(page: Page): Promise<{ width: number; movedToWorker: boolean }> {
  const keyed = await page.waitForFunction(
    () => {
      const canvas = document.querySelector('streaming-avatar')!.shadowRoot!.querySelector('canvas');
      if (!canvas || canvas.width === 0) return undefined;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext('2d')!;
      context.drawImage(canvas, 0, 0);
      const at = (x: number, y: number) => context.getImageData(x, y, 1, 1).data[3];
      const alpha = {
        corner: at(10, 10),
        face: at(canvas.width / 2, canvas.height / 2),
        width: canvas.width,
      };
      if (alpha.corner !== 0 || alpha.face !== 255) return undefined;
      // Asked only once keyed: a canvas whose drawing moved to a worker refuses a context.
      let movedToWorker = false;
      try {
        canvas.getContext('2d');
      } catch {
        movedToWorker = true;
      }
      return { ...alpha, movedToWorker };
    },
    null,
    { timeout: 20_000 },
  );
  return (await keyed.jsonValue()) as { width: number; movedToWorker: boolean };
}

describe('the demo, end to end', () => {
  it('connects through every phase, shows 25 fps video and speaks with sound, then silence', async () => {
    const page = await openDemo();
    await startAvatar(page);
    const started = await probe(page);
    expect(started.states.slice(0, 3)).toEqual(['loading', 'connecting', 'connected']);
    expect(started.phases).toEqual(['token', 'new', 'start', 'room', 'media']);
    await page.waitForFunction(() => window.probe!.frames >= 50, null, {
      timeout: 20_000,
    });
    expect((await probe(page)).size).toEqual({ width: 640, height: 360 });
    // LiveKit grades the avatar's connection, and the receiver measures its video.
    const connection = await page.waitForFunction(
      () => {
        const stats = document.querySelector('streaming-avatar')!.avatar.connectionQuality;
        // Measured by this receiver, and graded by LiveKit (its first grade can take a few seconds).
        return stats?.framesPerSecond !== undefined && stats.quality !== 'unknown' ? stats : undefined;
      },
      null,
      { timeout: 20_000 },
    );
    const measured = (await connection.jsonValue()) as {
      quality: string;
      framesPerSecond: number;
      packetLossFraction: number;
    };
    expect(['excellent', 'good']).toContain(measured.quality);
    expect(measured.framesPerSecond).toBeGreaterThan(15);
    expect(measured.packetLossFraction).toBeLessThan(0.05);
    expect(await page.getAttribute('streaming-avatar', 'connection-quality')).toBe(measured.quality);

    const before = await pageNow(page);
    await page.fill('#text', 'Hello there. I can hear myself speak.');
    const done = page.evaluate(() => {
      const avatar = document.querySelector('streaming-avatar')!;
      return avatar.speak('Hello there. I can hear myself speak.').done.then(() => performance.now());
    });
    const endedAt = await done;
    expect(await loudest(page, before, endedAt)).toBeGreaterThan(0.02);
    // The audio ends with the utterance (allowing for the jitter buffer) and stays ended.
    expect(await silenceAfter(page, endedAt)).toBeLessThan(1000);
    await page.screenshot({ path: screenshotPath('demo-connected') });

    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'closed');
    expect(await demo.activeSessions()).toEqual([]);
    await page.close();
  }, 90_000);

  it('speaks a 2,500-character text as at least 3 tasks, in order, and captions it word for word', async () => {
    const page = await openDemo();
    // Speed the voice up (rate 3) so the test takes under a minute.
    await page.evaluate(() => {
      document.querySelector('streaming-avatar')!.sessionOptions = { voice: { rate: 3 } };
    });
    await startAvatar(page);
    const sentence = 'Every piece must arrive in order, whole and clear. ';
    const text = sentence.repeat(Math.ceil(2500 / sentence.length)).trim();
    const result = await page.evaluate(async (long) => {
      const avatar = document.querySelector('streaming-avatar')!;
      const utterance = avatar.speak(long);
      await utterance.done;
      const captions = document.querySelector('avatar-captions')!;
      return {
        pieces: utterance.pieces.length,
        tasks: utterance.taskIds.length,
        spoken: utterance.spokenText,
        captions: captions.transcript.map((cue) => cue.text).join(' '),
        status: utterance.status,
      };
    }, text);
    expect(text.length).toBeGreaterThanOrEqual(2500);
    expect(result.pieces).toBeGreaterThanOrEqual(3);
    expect(result.tasks).toBe(result.pieces);
    expect(result.status).toBe('ended');
    expect(normalize(result.spoken)).toBe(normalize(text));
    expect(normalize(result.captions)).toBe(normalize(text));
    await page.close();
  }, 120_000);

  it('speaks a streamed answer as it arrives: the avatar starts before the stream ends, every word once, in order', async () => {
    const page = await openDemo();
    await page.evaluate(() => {
      document.querySelector('streaming-avatar')!.sessionOptions = { voice: { rate: 3 } };
    });
    await startAvatar(page);
    const sentence = 'A model streams its answer a few letters at a time, about thirty tokens a second. ';
    const text = sentence.repeat(8).trim();
    const result = await page.evaluate(async (answer) => {
      const avatar = document.querySelector('streaming-avatar')!;
      let streamEndedAt = 0;
      let speakingStartedAt = 0;
      avatar.addEventListener('avatar-speaking-start', () => (speakingStartedAt ||= performance.now()), {
        once: true,
      });
      async function* tokens() {
        for (let at = 0; at < answer.length; at += 4) {
          await new Promise((resolve) => setTimeout(resolve, 33));
          yield answer.slice(at, at + 4);
        }
        streamEndedAt = performance.now();
      }
      const utterance = avatar.speak(tokens());
      await utterance.done;
      return {
        streamEndedAt,
        speakingStartedAt,
        pieces: utterance.pieces,
        spoken: utterance.spokenText,
        status: utterance.status,
        timings: utterance.timings,
      };
    }, text);
    expect(result.status).toBe('ended');
    expect(result.speakingStartedAt).toBeGreaterThan(0);
    expect(result.speakingStartedAt).toBeLessThan(result.streamEndedAt);
    expect(result.pieces[0]).toBe(sentence.trim());
    expect(normalize(result.pieces.join(' '))).toBe(normalize(text));
    expect(normalize(result.spoken)).toBe(normalize(text));
    expect(result.timings.startedMs).toBeGreaterThan(result.timings.firstSentMs!);
    await page.close();
  }, 120_000);

  it('interrupt silences the avatar at once and settles the utterance as interrupted', async () => {
    const page = await openDemo();
    await startAvatar(page);
    await page.fill('#text', 'This is a long story that nobody will hear to the end. '.repeat(8));
    await page.click('#speak');
    await page.waitForFunction(() => {
      const { loudness } = window.probe!;
      return loudness.slice(-5).some((entry) => entry.rms > 0.02);
    });
    const outcome = await page.evaluate(async () => {
      const avatar = document.querySelector('streaming-avatar')!;
      const [utterance] = avatar.avatar.utterances;
      const settled = utterance!.done.then(
        () => 'ended',
        (error: { code: string }) => error.code,
      );
      const cutAt = performance.now();
      await avatar.interrupt();
      const code = await settled;
      return { code, settledMs: performance.now() - cutAt, cutAt, queued: avatar.avatar.utterances.length };
    });
    expect(outcome.code).toBe('interrupted');
    expect(outcome.settledMs).toBeLessThan(300);
    expect(outcome.queued).toBe(0);
    // Uncut, the story would go on for half a minute; the time to silence itself is a bench figure.
    expect(await silenceAfter(page, outcome.cutAt, 1500)).toBeLessThan(1000);
    await page.click('#stop');
    await page.close();
  }, 60_000);

  it('removes the green backdrop in a worker: background pixels transparent, the face opaque', async () => {
    const page = await openDemo();
    await startAvatar(page);
    await page.check('#chroma');
    expect(await keyedCanvas(page)).toMatchObject({ width: 640, movedToWorker: true });
    await page.screenshot({ path: screenshotPath('demo-chroma-key') });
    await page.click('#stop');
    await page.close();
  }, 60_000);

  it('bills what the meter shows: creditsForSession of the duration, as the emulator ledger', async () => {
    const page = await openDemo();
    const ledgerBefore = await usedCredits();
    await startAvatar(page);
    await page.waitForTimeout(33_000);
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'closed');
    await page.waitForTimeout(1100);
    const meter = await page.evaluate(() => {
      const session = document.querySelector('streaming-avatar')!.avatar;
      const figure = document
        .querySelector('avatar-credit-meter')!
        .shadowRoot!.querySelector('[data-figure="credits"]')!;
      return { seconds: (session.endedAt! - session.startedAt!) / 1000, shown: Number(figure.textContent) };
    });
    const billed = (await usedCredits()) - ledgerBefore;
    expect(meter.seconds).toBeGreaterThan(30);
    expect(meter.shown).toBeCloseTo(creditsForSession(meter.seconds), 3);
    // To the second: the emulator's clock and the page's differ by the request's flight time.
    expect(Math.abs(billed - creditsForSession(meter.seconds))).toBeLessThanOrEqual(0.2 / 60 + 1e-9);
    await page.close();
  }, 90_000);

  it('leaves no session billing when the page is closed while connected', async () => {
    const page = await openDemo();
    await startAvatar(page);
    expect((await demo.activeSessions()).length).toBe(1);
    await page.close({ runBeforeUnload: true });
    const deadline = Date.now() + 2000;
    while ((await demo.activeSessions()).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await demo.activeSessions()).toEqual([]);
  }, 60_000);

  it('serves the drop-in page the packed package’s file: one script, one tag, a talking avatar', async () => {
    const shipped = join(packed, 'package/dist/cdn');
    expect(existsSync(join(shipped, 'streaming-avatar-kit.js'))).toBe(true);
    expect(existsSync(join(packed, 'package/dist/src/index.d.ts'))).toBe(true);
    // Source maps carry their sources: the TypeScript files themselves are not shipped.
    const map = JSON.parse(readFileSync(join(packed, 'package/dist/src/index.js.map'), 'utf8'));
    expect(map.sourcesContent?.[0]).toContain('export');
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const served: string[] = [];
    // The page's /cdn/ files come out of the tarball, not the working tree.
    await page.route('**/cdn/*.js', (route) => {
      const name = basename(new URL(route.request().url()).pathname);
      served.push(name);
      return route.fulfill({ path: join(shipped, name), contentType: 'text/javascript' });
    });
    await page.goto(new URL('plain.html', demo.pageUrl).toString());
    await page.waitForFunction(
      () => document.querySelector('streaming-avatar')?.state === 'connected',
      null,
      {
        timeout: 30_000,
      },
    );
    await page.evaluate(
      () => document.querySelector('streaming-avatar')!.speak('Hello from the plain page.').done,
    );
    const caption = await page.evaluate(
      () => document.querySelector('avatar-captions')!.transcript.at(-1)?.text,
    );
    expect(caption?.trim()).toBe('Hello from the plain page.');
    // The entry file, and the chunks it loads on the first start (livekit-client among them).
    expect(served[0]).toBe('streaming-avatar-kit.js');
    expect(served.some((name) => name.startsWith('livekit-client'))).toBe(true);
    // The minified file's keying worker, made from its own source text, keys the video.
    await page.evaluate(() => {
      document.querySelector('streaming-avatar')!.background = 'chroma-key';
    });
    expect(await keyedCanvas(page)).toMatchObject({ width: 640, movedToWorker: true });
    expect(served.some((name) => name.startsWith('chroma-key'))).toBe(true);
    await page.screenshot({ path: screenshotPath('plain-page') });
    await page.evaluate(() => document.querySelector('streaming-avatar')!.stop());
    await page.close();
  }, 120_000);

  async function usedCredits(): Promise<number> {
    const rows = (await demo.control('ledger')) as { api_key: string; used_credits: number }[];
    return rows.find((row) => row.api_key === 'emulator-api-key')!.used_credits;
  }
});

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

describe('the demo on a machine without the speech recogniser', () => {
  let deaf: RunningDemo;

  beforeAll(async () => {
    deaf = await startDemo({ ...process.env, POCKETSPHINX_PATH: '/nonexistent/pocketsphinx_continuous' });
  }, 300_000);

  afterAll(() => deaf?.stop());

  it('npm start says what to install, and the page says voice input is off beside Talk', async () => {
    expect(deaf.output.join('')).toContain('Voice chat will not hear you');
    const page = await browser.newPage();
    const answered = page.waitForResponse((response) => response.url().endsWith('/_emulator/voice-input'));
    await page.goto(deaf.pageUrl);
    expect(await (await answered).json()).toMatchObject({ available: false });
    const notice = page.locator('#voice-input-off');
    await notice.waitFor({ state: 'visible' });
    expect(await notice.textContent()).toMatch(/^Voice input is off: .*apt-get install pocketsphinx/);
    await page.screenshot({ path: screenshotPath('demo-voice-input-off') });
    await page.close();
  });

  it('the demo with the recogniser shows no such notice', async () => {
    const page = await browser.newPage();
    const answered = page.waitForResponse((response) => response.url().endsWith('/_emulator/voice-input'));
    await page.goto(demo.pageUrl);
    expect(await (await answered).json()).toEqual({ available: true });
    expect(await page.locator('#voice-input-off').isHidden()).toBe(true);
    await page.close();
  });
});
