/**
 * The bench's stand-in for a hosted model (issue targets): the first token after 300 ms, then 30
 * tokens a second, 120 tokens, a word and its space each. Runs in the page (the streamed-answer
 * row) and behind the bench's chat-completions endpoint (LiveAvatar FULL's voice turn).
 */
export const FIRST_TOKEN_MS = 300;
export const TOKEN_MS = 1000 / 30;
export const ANSWER_TOKENS = 120;

const SENTENCES = [
  'Thanks for asking about our opening hours.',
  'We open at nine in the morning on weekdays and at ten on Saturdays.',
  'On Sundays the shop stays closed, but the online store takes orders all day.',
  'If you need help outside these hours, leave a message and we will call you back.',
];
const WORDS = SENTENCES.join(' ').split(' ');
const TOKENS = Array.from({ length: ANSWER_TOKENS }, (_, index) => `${WORDS[index % WORDS.length]} `);

/** Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The answer, token by token, at the model's pace; stops when `signal` aborts. */
export async function* simulatedModel(signal?: AbortSignal): AsyncGenerator<string> {
  await pause(FIRST_TOKEN_MS, signal);
  for (const [index, token] of TOKENS.entries()) {
    if (index > 0) await pause(TOKEN_MS, signal);
    yield token;
  }
}
