/**
 * LiveAvatar FULL end to end: the demo switched to LiveAvatar in Chromium, against the emulator's
 * LiveAvatar API and the real livekit-server. The avatar joins with its agent, speaks a long text
 * in order through `agent-control`, answers a question, is interrupted, and every way out —
 * including stop while still connecting, which the official SDK cannot — leaves nothing billing;
 * the meter agrees with the emulator's ledger.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AVATAR_ID } from '../../emulator/src/index.js';
import { createLiveAvatarTokenHandler, toNodeListener } from '../../src/server/index.js';
import { installProbes, launchChromium, type RunningDemo, screenshotPath, startDemo } from './harness.js';

let demo: RunningDemo;
let browser: Browser;
let tokenServer: Server;
/** A token endpoint of the test's own whose sessions speak at triple speed, so long texts end soon. */
let fastTokenUrl: string;

const API_KEY = 'emulator-liveavatar-key';

async function liveAvatar(path: string, init: { method?: string; body?: object } = {}) {
  const response = await fetch(`${demo.emulatorUrl}/liveavatar${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return (await response.json()) as { data: Record<string, unknown> };
}

const activeSessions = async () =>
  ((await liveAvatar('/v1/sessions?type=active')).data.results as { id: string }[]).map((entry) => entry.id);

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
  const handler = createLiveAvatarTokenHandler({
    apiKey: API_KEY,
    baseUrl: `${demo.emulatorUrl}/liveavatar`,
    allowAnonymous: true,
    warn: () => undefined,
    allowedOrigins: [new URL(demo.pageUrl).origin],
    tokensPerMinute: 100,
    session: { avatarId: SANDBOX_AVATAR_ID, avatarPersona: { voiceSettings: { speed: 3 } } },
  });
  tokenServer = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  fastTokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
}, 300_000);

afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close();
  for (const id of await activeSessions())
    await liveAvatar('/v1/sessions/stop', { method: 'POST', body: { session_id: id } });
});

afterAll(async () => {
  tokenServer?.close();
  await browser?.close();
  await demo?.stop();
});

/** The demo, switched to LiveAvatar FULL (optionally with the test's fast token endpoint). */
async function openLiveAvatarDemo(tokenUrl?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(demo.pageUrl);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  await page.selectOption('#provider-picker', 'liveavatar');
  if (tokenUrl)
    await page.evaluate((url) => (document.querySelector('streaming-avatar')!.tokenUrl = url), tokenUrl);
  await installProbes(page);
  return page;
}

async function startAvatar(page: Page): Promise<void> {
  await page.click('#start');
  await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'connected', null, {
    timeout: 30_000,
  });
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

describe('LiveAvatar FULL, end to end', () => {
  it('joins the avatar and its agent, shows video, speaks with sound, and stops leaving nothing billing', async () => {
    const page = await openLiveAvatarDemo();
    await startAvatar(page);
    const sessionId = await page.evaluate(() => document.querySelector('streaming-avatar')!.avatar.sessionId);
    expect(await activeSessions()).toEqual([sessionId]);
    await page.fill('#text', 'Hello from LiveAvatar.');
    await page.click('#speak');
    await page.waitForFunction(
      () => {
        const probe = window.probe!;
        return probe.frames > 25 && probe.loudness.some((entry) => entry.rms > 0.02);
      },
      null,
      { timeout: 20_000 },
    );
    await page.screenshot({ path: screenshotPath('demo-liveavatar') });
    await page.waitForFunction(
      () => document.querySelector('streaming-avatar')!.avatar.utterances.length === 0,
      null,
      { timeout: 20_000 },
    );
    const transcript = (await liveAvatar(`/v1/sessions/${sessionId}/transcript`)).data;
    expect(transcript).toMatchObject({
      session_active: true,
      transcript_data: [expect.objectContaining({ role: 'avatar', transcript: 'Hello from LiveAvatar.' })],
    });
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'closed');
    expect(await activeSessions()).toEqual([]);
    const ended = await liveAvatar(`/v1/sessions/${sessionId}`);
    expect(ended.data.end_reason).toBe('USER_CLOSED');
  }, 90_000);

  it('speaks 2,500 characters as pieces, in order, settled by their source_event_id', async () => {
    const page = await openLiveAvatarDemo(fastTokenUrl);
    await startAvatar(page);
    const sentence = 'Every piece must arrive in order, whole and clear. ';
    const text = sentence.repeat(Math.ceil(2500 / sentence.length)).trim();
    const result = await page.evaluate(async (long) => {
      const utterance = document.querySelector('streaming-avatar')!.speak(long);
      await utterance.done;
      return { pieces: utterance.pieces.length, spoken: utterance.spokenText, status: utterance.status };
    }, text);
    expect(result.pieces).toBeGreaterThanOrEqual(3);
    expect(result.status).toBe('ended');
    expect(normalize(result.spoken)).toBe(normalize(text));
  }, 150_000);

  it('answers a question (talk) and is interrupted at once', async () => {
    const page = await openLiveAvatarDemo();
    await startAvatar(page);
    const answer = await page.evaluate(async () => {
      const utterance = document.querySelector('streaming-avatar')!.speak('What time do you open?', {
        taskType: 'talk',
      });
      return new Promise<string>((resolve) => {
        const avatar = document.querySelector('streaming-avatar')!;
        const started = () => {
          avatar.removeEventListener('avatar-speaking-start', started);
          setTimeout(() => {
            void avatar.interrupt();
            utterance.done.then(
              () => resolve(`ended: ${utterance.spokenText}`),
              (error: { code: string }) => resolve(`${error.code}: ${utterance.spokenText}`),
            );
          }, 1500);
        };
        avatar.addEventListener('avatar-speaking-start', started);
      });
    });
    // The emulator's answer begins "This is the streaming avatar emulator. You said: …"; cut after
    // 1.5 s, only its first words were spoken.
    expect(answer).toMatch(/^interrupted: This is the/i);
    expect(answer).not.toMatch(/You said/);
  }, 60_000);

  it('stop while connecting leaves no session active (the official SDK cannot)', async () => {
    const page = await openLiveAvatarDemo();
    await page.evaluate(async () => {
      const avatar = document.querySelector('streaming-avatar')!;
      const started = avatar.start().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const onPhase = (phase: string) => {
          if (phase === 'room') {
            avatar.avatar.off('phase', onPhase);
            resolve();
          }
        };
        avatar.avatar.on('phase', onPhase);
      });
      await avatar.stop();
      await started;
    });
    expect(await page.evaluate(() => document.querySelector('streaming-avatar')!.state)).toBe('closed');
    expect(await activeSessions()).toEqual([]);
  }, 60_000);

  it('bills what the meter shows: 2 credits a begun minute, as the emulator ledger', async () => {
    const page = await openLiveAvatarDemo();
    const before = Number((await liveAvatar('/v1/users/credits')).data.credits_left);
    await startAvatar(page);
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'closed');
    // The meter's next tick shows the final figure.
    await page.waitForTimeout(1100);
    const meterCredits = await page.evaluate(() =>
      Number(
        document.querySelector('avatar-credit-meter')!.shadowRoot!.querySelector('[data-figure="credits"]')!
          .textContent,
      ),
    );
    const after = Number((await liveAvatar('/v1/users/credits')).data.credits_left);
    expect(meterCredits).toBe(2);
    expect(before - after).toBe(2);
  }, 60_000);
});

describe('LiveAvatar LITE, end to end', () => {
  async function openLite(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(demo.pageUrl);
    await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
    await page.selectOption('#provider-picker', 'liveavatar-lite');
    await installProbes(page);
    await startAvatar(page);
    return page;
  }

  it('says the audio the page sends: the mouth and the sound follow it, and the speech settles', async () => {
    const page = await openLite();
    const before = await page.evaluate(() => performance.now());
    const outcome = await page.evaluate(async () => {
      const avatar = document.querySelector('streaming-avatar')!;
      const events: string[] = [];
      avatar.avatar.on('avatarEvent', (event) => events.push(event.type));
      const response = await fetch('/api/speech?text=The%20page%20brings%20its%20own%20voice.');
      await avatar.speakAudio(await response.arrayBuffer(), {
        sampleRate: Number(response.headers.get('x-sample-rate')),
      });
      return events;
    });
    expect(outcome).toEqual(['avatar_start_talking', 'avatar_stop_talking']);
    const loud = await page.evaluate(
      (from) => window.probe!.loudness.filter((entry) => entry.at > from && entry.rms > 0.02).length,
      before,
    );
    // 20 ms samples: about a second and more of speech heard.
    expect(loud).toBeGreaterThan(40);
    await page.screenshot({ path: screenshotPath('demo-liveavatar-lite') });
  }, 90_000);

  it('interrupt cuts the audio, and text is refused with a configuration error', async () => {
    const page = await openLite();
    const outcome = await page.evaluate(async () => {
      const avatar = document.querySelector('streaming-avatar')!;
      const response = await fetch(
        `/api/speech?text=${encodeURIComponent('A long story nobody hears. '.repeat(6))}`,
      );
      const speaking = avatar
        .speakAudio(await response.arrayBuffer(), {
          sampleRate: Number(response.headers.get('x-sample-rate')),
        })
        .then(
          () => 'ended',
          (error: { code: string }) => error.code,
        );
      await new Promise<void>((resolve) =>
        avatar.avatar.on('avatarEvent', (event) => event.type === 'avatar_start_talking' && resolve()),
      );
      await avatar.interrupt();
      const text = await avatar.speak('Text, please.').done.then(
        () => 'ended',
        (error: { code: string }) => error.code,
      );
      return { audio: await speaking, text };
    });
    expect(outcome).toEqual({ audio: 'interrupted', text: 'configuration' });
  }, 90_000);

  it('bills what the meter shows: 1 credit a begun minute in LITE, as the emulator ledger', async () => {
    const before = Number((await liveAvatar('/v1/users/credits')).data.credits_left);
    const page = await openLite();
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'closed');
    // The meter's next tick shows the final figure.
    await page.waitForTimeout(1100);
    const shown = await page.evaluate(() =>
      Number(
        document.querySelector('avatar-credit-meter')!.shadowRoot!.querySelector('[data-figure="credits"]')!
          .textContent,
      ),
    );
    const after = Number((await liveAvatar('/v1/users/credits')).data.credits_left);
    expect(shown).toBe(1);
    expect(before - after).toBe(1);
  }, 60_000);
});
