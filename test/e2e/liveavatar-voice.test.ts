/**
 * LiveAvatar FULL voice chat end to end: Chromium's fake microphone says a sentence (eSpeak NG)
 * into the demo switched to LiveAvatar; the emulator's agent hears it through livekit-server,
 * sends `user.speak_started` / `user.transcription` / `user.speak_ended` on `agent-response`, and
 * answers. The same public API as HeyGen's voice chat; the transcript shows both sides.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMicrophoneFlags, spokenWav } from '../support/fake-microphone.js';
import { launchChromium, type RunningDemo, startDemo } from './harness.js';

const SENTENCE = 'What are your opening hours on Saturday?';
const CONTENT_WORDS = ['what', 'opening', 'hours', 'saturday'];

declare global {
  interface Window {
    /** The conversation states the LiveAvatar voice test's page went through. */
    states?: string[];
  }
}

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  const wav = await spokenWav(SENTENCE, 4, 20);
  [demo, browser] = await Promise.all([startDemo(), launchChromium(fakeMicrophoneFlags(wav))]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/** The demo on LiveAvatar FULL, its answers from the provider's model or the demo's own. */
async function openLiveAvatarDemo(answersFrom: 'platform' | 'own'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(demo.pageUrl);
  await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
  await page.selectOption('#provider-picker', 'liveavatar');
  await page.selectOption('#brain-picker', answersFrom);
  return page;
}

/** Starts the session and, once connected, voice chat. */
async function startTalking(page: Page): Promise<void> {
  await page.click('#start');
  await page.waitForFunction(() => document.querySelector('streaming-avatar')?.state === 'connected', null, {
    timeout: 30_000,
  });
  await page.click('#talk');
}

describe('LiveAvatar FULL voice chat, end to end', () => {
  it('hears the user, captions both sides, and answers', async () => {
    const page = await openLiveAvatarDemo('platform');
    await page.evaluate(() => {
      const states: string[] = [];
      window.states = states;
      document
        .querySelector('streaming-avatar')!
        .addEventListener('avatar-conversation-state-change', (event) => states.push(event.state));
    });
    await startTalking(page);
    // An answer, and the sentence's words among what the user said. On a loaded machine a gap in
    // the received audio can split the sentence into two turns, and the fake microphone repeats
    // it every 20 s: the words may come over more than one turn.
    await page
      .waitForFunction(
        (words) => {
          const transcript = document.querySelector('streaming-avatar')!.avatar.transcript;
          const said = transcript
            .filter((turn) => turn.role === 'user')
            .map((turn) => turn.text.toLowerCase())
            .join(' ')
            .split(/\s+/);
          const answered = transcript.some((turn) => turn.role === 'avatar' && /You said/.test(turn.text));
          return answered && words.filter((word) => said.includes(word)).length >= 2;
        },
        CONTENT_WORDS,
        { timeout: 60_000 },
      )
      .catch(() => undefined);
    const { transcript, states } = await page.evaluate(() => ({
      transcript: document.querySelector('streaming-avatar')!.avatar.transcript.map(({ role, text }) => ({
        role,
        text,
      })),
      states: window.states!,
    }));
    expect(transcript[0]!.role).toBe('user');
    expect(transcript.some((turn) => turn.role === 'avatar' && /You said/.test(turn.text))).toBe(true);
    // pocketsphinx through the browser's audio processing hears about half the words (voice.test.ts).
    const userWords = transcript.filter((turn) => turn.role === 'user').map((turn) => turn.text);
    const heard = userWords.join(' ').toLowerCase().split(/\s+/);
    const recognised = CONTENT_WORDS.filter((word) => heard.includes(word));
    expect(recognised.length, `heard ${JSON.stringify(userWords)}`).toBeGreaterThanOrEqual(2);
    expect(states.slice(0, 3)).toEqual(['listening', 'user_speaking', 'thinking']);
    expect(states).toContain('avatar_speaking');
    await page.click('#stop');
    await page.close();
  }, 120_000);

  it('answers from the page’s own model: the model’s streamed words are the avatar’s turn', async () => {
    const page = await openLiveAvatarDemo('own');
    await startTalking(page);
    // demo/faq-model.ts has no FAQ entry for opening hours: it answers with its introduction.
    const answer = await page.waitForFunction(
      () =>
        document
          .querySelector('streaming-avatar')!
          .avatar.transcript.find(
            (turn) => turn.role === 'avatar' && turn.endedAt !== undefined && /own model/.test(turn.text),
          )?.text,
      null,
      { timeout: 60_000 },
    );
    const text = (await answer.jsonValue()) as string;
    expect(text.replace(/[^\w\s]/g, '').toLowerCase()).toContain('i am the demos own model');
    await page.click('#stop');
    await page.close();
  }, 120_000);
});
