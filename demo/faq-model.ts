/**
 * The demo's own "model": answers questions about this toolkit from a short FAQ, streamed the way
 * a hosted model streams (the first token after about 300 ms, then about 30 tokens a second), so
 * the page and LiveAvatar FULL can be tried with a model of your own, offline. Replace `respond`
 * with a call to your provider (see docs/server.md).
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { ChatMessage, RespondContext } from '../src/server/index.js';

const FIRST_TOKEN_MS = 300;
const TOKEN_MS = 33;

const FAQ: { keywords: string[]; answer: string }[] = [
  {
    keywords: ['bill', 'cost', 'credit', 'price', 'pay'],
    answer:
      'Sessions are billed while they run. The credit meter counts every second, and a budget stops the session before it spends more than you allow.',
  },
  {
    keywords: ['offline', 'emulator', 'test', 'free'],
    answer:
      'Everything runs against a local emulator with a real LiveKit server, so you can try the avatar offline and for free. The tests use the same emulator.',
  },
  {
    keywords: ['model', 'llm', 'brain', 'own'],
    answer:
      'This answer comes from the demo backend, not from the avatar platform. Your own model streams its words, and the avatar starts speaking after the first sentence.',
  },
  {
    keywords: ['voice', 'talk', 'microphone', 'listen'],
    answer:
      'Press Talk and speak. The avatar listens, shows what you said, and answers. Speak over it and it stops to listen again.',
  },
];

const FALLBACK =
  'I am the demo’s own model, and I know a little about this toolkit: ask me about billing, the emulator, voice chat or bringing your own model.';

/** Picks the FAQ answer whose keywords the last user message mentions most. */
export function faqAnswer(question: string): string {
  const words = question.toLowerCase();
  const scored = FAQ.map((entry) => ({
    entry,
    score: entry.keywords.filter((keyword) => words.includes(keyword)).length,
  })).sort((a, b) => b.score - a.score);
  return scored[0] && scored[0].score > 0 ? scored[0].entry.answer : FALLBACK;
}

/** `createChatCompletionsHandler`'s `respond`: the FAQ answer, a few characters per token. */
export async function* faqModel(
  messages: readonly ChatMessage[],
  { signal }: RespondContext,
): AsyncGenerator<string> {
  const question = messages.findLast((message) => message.role === 'user')?.content ?? '';
  const tokens = faqAnswer(question).match(/\S{1,4}\s*|\s+/g) ?? [];
  // Aborting `signal` (the caller went away) ends the pause, and the answer, with an AbortError.
  await pause(FIRST_TOKEN_MS, undefined, { signal });
  for (const [index, token] of tokens.entries()) {
    if (index > 0) await pause(TOKEN_MS, undefined, { signal });
    yield token;
  }
}
