/**
 * The always-on kiosk page in Chromium, on both providers, against the emulator with every
 * session capped at 20 seconds: ten renewals in a row while the avatar speaks a long text and
 * voice chat listens (a quiet microphone). At the receiver, across every handoff: no black frame
 * and no frozen picture (the gap targets, 100 ms median and 200 ms worst, are the soak bench's:
 * a loaded machine delays every frame); every utterance spoken once, in order, in one continuous
 * transcript; voice chat still listening; the meter equal to the emulator's ledger; and nothing
 * left billing.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KioskRenewal } from '../../demo/frame-gaps.js';
import { fakeMicrophoneFlags, silentWav } from '../support/fake-microphone.js';
import { launchChromium, type RunningDemo, screenshotPath, startDemo } from './harness.js';

let demo: RunningDemo;
let browser: Browser;

const SESSION_LIMIT_SECONDS = 20;
const RENEWALS = 10;

/**
 * The long text: one short sentence an utterance (about 2 s each), spoken back to back across
 * several renewals. Short, so that with 20-second sessions the switch comes at a pause in speech
 * (the one being spoken and the next, already at the server, end first) and never at the last
 * moment, where a cut piece is said again.
 */
const SENTENCES = Array.from({ length: 24 }, (_, index) => `Sentence ${index + 1} of the long text.`);

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchChromium(fakeMicrophoneFlags(silentWav(30)))]);
  await demo.control('session-limit', { seconds: SESSION_LIMIT_SECONDS });
}, 300_000);

afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close();
  await demo.stopAllSessions();
});

afterAll(async () => {
  await demo?.control('reset');
  await browser?.close();
  await demo?.stop();
});

async function liveAvatarCreditsLeft(): Promise<number> {
  const response = await fetch(`${demo.emulatorUrl}/liveavatar/v1/users/credits`, {
    headers: { 'x-api-key': 'emulator-liveavatar-key' },
  });
  return Number(((await response.json()) as { data: { credits_left: number } }).data.credits_left);
}

async function heygenCreditsUsed(): Promise<number> {
  const rows = (await demo.control('ledger')) as { api_key: string; used_credits: number }[];
  return rows.find((row) => row.api_key === 'emulator-api-key')!.used_credits;
}

async function activeSessions(provider: string): Promise<number> {
  if (provider === 'heygen') return (await demo.activeSessions()).length;
  const response = await fetch(`${demo.emulatorUrl}/liveavatar/v1/sessions?type=active`, {
    headers: { 'x-api-key': 'emulator-liveavatar-key' },
  });
  return ((await response.json()) as { data: { results: unknown[] } }).data.results.length;
}

/** The kiosk page, renewing 10 s before each session's end, started with a tap. */
async function openKiosk(provider: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 960, height: 540 } });
  await page.goto(`${demo.pageUrl}kiosk.html${provider === 'liveavatar' ? '?provider=liveavatar' : ''}`);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  await page.evaluate(() => {
    const avatar = document.querySelector('streaming-avatar')!;
    avatar.renewBeforeEnd = 10;
    // The visitor stays (no inactivity end) but says nothing.
    avatar.endAfterInactivity = undefined;
  });
  await page.mouse.click(480, 270);
  await page.waitForFunction(
    () => document.querySelector('streaming-avatar')!.conversationState === 'listening',
    null,
    { timeout: 60_000 },
  );
  return page;
}

describe('the kiosk renews its sessions without a visible break', () => {
  for (const provider of ['heygen', 'liveavatar']) {
    it(`${provider}: ten renewals while the avatar speaks a long text and voice chat listens`, async () => {
      const ledgerBefore = provider === 'heygen' ? await heygenCreditsUsed() : await liveAvatarCreditsLeft();
      const page = await openKiosk(provider);
      await page.evaluate((sentences) => {
        const avatar = document.querySelector('streaming-avatar')!;
        const outcomes: string[] = [];
        (window as unknown as { outcomes: string[] }).outcomes = outcomes;
        for (const sentence of sentences) {
          avatar.speak(sentence).done.then(
            () => outcomes.push('ended'),
            (error: { code: string }) => outcomes.push(error.code),
          );
        }
      }, SENTENCES);
      await page.waitForFunction((count) => window.kioskRenewals.length >= count, RENEWALS, {
        timeout: RENEWALS * SESSION_LIMIT_SECONDS * 1000 + 60_000,
        polling: 1000,
      });
      await page.screenshot({ path: screenshotPath(`kiosk-renewed-${provider}`) });
      const seen = await page.evaluate(() => {
        const element = document.querySelector('streaming-avatar')!;
        return {
          renewals: window.kioskRenewals,
          outcomes: (window as unknown as { outcomes: string[] }).outcomes,
          transcript: element.avatar.transcript.map(({ role, text }) => ({ role, text })),
          conversationState: element.conversationState,
          microphone: element.avatar.microphone?.readyState,
          state: element.state,
        };
      });
      const renewals: KioskRenewal[] = seen.renewals.slice(0, RENEWALS);
      const gaps = renewals.map((renewal) => renewal.largestGapMs).sort((a, b) => a - b);
      const median = gaps[Math.floor(gaps.length / 2)]!;
      console.log(
        `${provider}: ${renewals.length} renewals; largest gap per handoff (ms) ${gaps.map(Math.round).join(', ')}; ` +
          `darkest frame luma ${Math.min(...renewals.map((renewal) => renewal.darkestLuma)).toFixed(0)}; ` +
          `overlap (s) ${renewals.map((renewal) => renewal.overlapSeconds.toFixed(1)).join(', ')}`,
      );
      // Generous: on a loaded machine every frame is late (this test beside the 60-minute soak saw
      // 11 frames in a handoff's 2.5 s and gaps to 767 ms). A picture left on the old session when
      // it stopped would freeze for good, or go blank: that is what these catch.
      expect(median).toBeLessThan(1000);
      expect(gaps.at(-1)).toBeLessThan(1500);
      for (const renewal of renewals) {
        expect(renewal.frames).toBeGreaterThan(2);
        // The avatar's stage is lit; a black frame has a mean luma near 0.
        expect(renewal.darkestLuma).toBeGreaterThan(20);
        expect(renewal.overlapSeconds).toBeGreaterThan(0);
      }
      expect(new Set(renewals.map((renewal) => renewal.sessionId)).size).toBe(RENEWALS);
      expect(seen.state).toBe('connected');
      expect(seen.outcomes).toEqual(SENTENCES.map(() => 'ended'));
      // Every sentence once, in order, after the greeting: one continuous transcript.
      const spoken = seen.transcript.filter((turn) => turn.role === 'avatar').map((turn) => turn.text);
      expect(words(spoken.join(' '))).toEqual(
        words(['Hello! I am listening. Ask me anything.', ...SENTENCES].join(' ')),
      );
      expect(seen.conversationState).toBe('listening');
      expect(seen.microphone).toBe('live');

      await page.evaluate(() => document.querySelector('streaming-avatar')!.stop());
      await page.waitForTimeout(1100);
      const meterCredits = await page.evaluate(() =>
        Number(
          document.querySelector('avatar-credit-meter')!.shadowRoot!.querySelector('[data-figure="credits"]')!
            .textContent,
        ),
      );
      const billed =
        provider === 'heygen'
          ? (await heygenCreditsUsed()) - ledgerBefore
          : ledgerBefore - (await liveAvatarCreditsLeft());
      expect(meterCredits).toBeCloseTo(billed, 2);
      expect(await activeSessions(provider)).toBe(0);
    }, 600_000);
  }
});
