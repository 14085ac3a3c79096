import { EventEmitter } from 'eventemitter3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamingAvatarError, TimeoutError } from '../../src/errors.js';
import { SentenceBuffer } from '../../src/tasks/sentence-buffer.js';
import { TaskQueue } from '../../src/tasks/task-queue.js';
import type { UtteranceEvents } from '../../src/tasks/utterance.js';
import { FakeClock, settle } from './fakes/clock.js';
import { gate } from './fakes/session-parts.js';
import { fakeServer } from './fakes/task-server.js';

/** Feeds `chunks` to a buffer one by one and ends it; returns every piece it gave out. */
function cutAll(chunks: string[], releaseAfter: (index: number) => boolean = () => false): string[] {
  const buffer = new SentenceBuffer();
  const pieces: string[] = [];
  const drain = () => {
    for (let piece = buffer.take(); piece !== undefined; piece = buffer.take()) pieces.push(piece);
  };
  chunks.forEach((chunk, index) => {
    buffer.append(chunk);
    if (releaseAfter(index)) buffer.release();
    drain();
  });
  buffer.end();
  drain();
  return pieces;
}

/** What the buffer gives out after each chunk, before the text ends. */
function readyAfterEach(chunks: string[]): (string | undefined)[] {
  const buffer = new SentenceBuffer();
  return chunks.map((chunk) => {
    buffer.append(chunk);
    return buffer.take();
  });
}

describe('SentenceBuffer', () => {
  it('gives out a sentence once text follows its end, not before', () => {
    expect(readyAfterEach(['Hello', ' there.', ' How', ' are you?'])).toEqual([
      undefined,
      undefined,
      'Hello there.',
      undefined,
    ]);
  });

  it.each([
    ['a decimal point', ['It costs 3.', '5 dollars.', ' Next']],
    ['a title', ['Dr. ', 'Smith is here.', ' Next']],
    ['"e.g."', ['Fruit, e.g. ', 'Apples are here.', ' Next']],
    ['an initial', ['Made in the U.S. ', 'Army trucks.', ' Next']],
    ['an ellipsis', ['Well... ', 'I think so.', ' Next']],
    ['an address', ['See example.', 'com/docs.html today.', ' Next']],
  ])('does not end a sentence at %s', (_, chunks) => {
    expect(readyAfterEach(chunks)).toEqual([undefined, undefined, chunks.slice(0, 2).join('')]);
  });

  it('ends sentences at CJK full stops, which have no space after them', () => {
    expect(readyAfterEach(['你好。', '我是', '机器人！好'])).toEqual([undefined, '你好。', '我是机器人！']);
  });

  it('lets an unfinished clause go on release, up to the start of its last word', () => {
    const buffer = new SentenceBuffer();
    buffer.append('It costs 3.');
    buffer.release();
    expect(buffer.take()).toBe('It costs');
    buffer.append('5 dollars');
    buffer.end();
    expect(buffer.take()).toBe('3.5 dollars');
  });

  it('lets a clause in a script written without spaces go up to the start of its last word', () => {
    const buffer = new SentenceBuffer();
    buffer.append('我是机器人');
    buffer.release();
    const piece = buffer.take();
    expect(piece && '我是机器人'.startsWith(piece) && piece.length < 5).toBe(true);
  });

  it('lets a clause of more than 1,000 characters go at once, cut at a word', () => {
    const buffer = new SentenceBuffer();
    buffer.append('word '.repeat(300));
    const piece = buffer.take();
    expect(piece?.length).toBeLessThanOrEqual(1000);
    expect(piece?.endsWith('word')).toBe(true);
  });

  it('never splits a grapheme, nor a word between spaces, and loses nothing, however the text is chunked', () => {
    const word = fc.constantFrom(
      'Hi.',
      'word',
      '3.5',
      'e.g.',
      'Dr.',
      '👍🏽',
      '👨‍👩‍👧',
      'e\u0301te\u0301',
      'Done!',
      'Really?',
      '...',
      'https://example.com/a.b',
      'x'.repeat(120),
    );
    const property = fc.property(
      fc.array(word, { minLength: 1, maxLength: 60 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      (words, cutPoints, releases) => {
        const text = words.join(' ');
        const cuts = [...new Set(cutPoints.map((point) => point % text.length))].sort((a, b) => a - b);
        const chunks = [0, ...cuts, text.length]
          .slice(1)
          .map((end, index, ends) => text.slice(index === 0 ? 0 : ends[index - 1], end));
        const pieces = cutAll(chunks, (index) => releases[index % releases.length]!);
        expect(pieces.join(' ')).toBe(text);
        const graphemes = new Set(
          [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((g) => g.index),
        );
        let at = 0;
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(1000);
          at = text.indexOf(piece, at);
          const end = at + piece.length;
          expect(graphemes.has(at)).toBe(true);
          expect(end === text.length || text[end] === ' ').toBe(true);
          at = end;
        }
      },
    );
    fc.assert(property, { numRuns: 300 });
  });
});

/** A stream of text the test writes to, recording whether it was stopped. */
function tokenSource() {
  const waiting: ((result: IteratorResult<string>) => void)[] = [];
  const chunks: IteratorResult<string>[] = [];
  let returned = 0;
  const iterator: AsyncIterator<string> = {
    next: () =>
      new Promise((resolve) => {
        const chunk = chunks.shift();
        if (chunk) resolve(chunk);
        else waiting.push(resolve);
      }),
    async return() {
      returned += 1;
      return { done: true, value: undefined };
    },
  };
  const deliver = (result: IteratorResult<string>) => {
    const resolve = waiting.shift();
    if (resolve) resolve(result);
    else chunks.push(result);
  };
  return {
    stream: { [Symbol.asyncIterator]: () => iterator },
    push: (text: string) => deliver({ done: false, value: text }),
    end: () => deliver({ done: true, value: undefined }),
    get returned() {
      return returned;
    },
  };
}

/** Plays the avatar speaking a task from start to end. */
function speakTask(queue: TaskQueue, taskId: string, text: string) {
  queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: taskId });
  queue.handleAvatarEvent({ type: 'avatar_talking_message', task_id: taskId, message: text });
  queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: taskId });
}

function setUp() {
  const clock = new FakeClock();
  const server = fakeServer();
  const queue = new TaskQueue(new EventEmitter<UtteranceEvents>(), clock);
  queue.attach(server.sender);
  return { clock, server, queue };
}

describe('TaskQueue with a streamed text', () => {
  it('sends the first sentence while the stream goes on, packs the rest, and settles one utterance', async () => {
    const { clock, server, queue } = setUp();
    const source = tokenSource();
    const utterance = queue.speak(source.stream);
    source.push('Hello');
    await clock.advance(300);
    source.push(' there.');
    await clock.advance(100);
    expect(server.tasks).toHaveLength(0);
    source.push(' How');
    await settle();
    expect(server.tasks.map((task) => task.text)).toEqual(['Hello there.']);

    for (const token of [' are', ' you?', ' I am', ' fine.', ' Bye']) source.push(token);
    await settle();
    // One piece waits at the server at most: the rest gathers until the first starts playing.
    expect(server.tasks).toHaveLength(1);
    queue.handleAvatarEvent({ type: 'avatar_start_talking', task_id: 'task-1' });
    await settle();
    expect(server.tasks.map((task) => task.text)).toEqual(['Hello there.', 'How are you? I am fine.']);
    queue.handleAvatarEvent({ type: 'avatar_talking_message', task_id: 'task-1', message: 'Hello there.' });
    queue.handleAvatarEvent({ type: 'avatar_stop_talking', task_id: 'task-1' });
    speakTask(queue, 'task-2', 'How are you? I am fine.');
    source.push(' now.');
    source.end();
    await settle();
    expect(utterance.status).toBe('speaking');
    speakTask(queue, 'task-3', 'Bye now.');
    await utterance.done;
    expect(utterance.text).toBe('Hello there. How are you? I am fine. Bye now.');
    expect(utterance.spokenText).toBe(utterance.text);
    expect(utterance.pieces).toEqual(['Hello there.', 'How are you? I am fine.', 'Bye now.']);
    expect(utterance.timings.firstTextMs).toBe(0);
    expect(utterance.timings.firstSentMs).toBe(400);
    expect(utterance.timings.startedMs).toBe(400);
  });

  it('sends an unfinished clause after 1.5 s without a sentence end', async () => {
    const { clock, server, queue } = setUp();
    const source = tokenSource();
    queue.speak(source.stream);
    source.push('A model that rambles on');
    await clock.advance(1_499);
    expect(server.tasks).toHaveLength(0);
    source.push(' and');
    await clock.advance(1);
    expect(server.tasks.map((task) => task.text)).toEqual(['A model that rambles on']);
  });

  it('a stream that ends while its last piece is being sent settles when that piece is spoken, not before', async () => {
    const clock = new FakeClock();
    const sending = gate();
    const sent: string[] = [];
    let interrupts = 0;
    const queue = new TaskQueue(new EventEmitter<UtteranceEvents>(), clock);
    queue.attach({
      async send(text) {
        sent.push(text);
        await sending.promise;
        return { taskId: 'task-1', durationMs: 1000 };
      },
      async interrupt() {
        interrupts += 1;
      },
    });
    const source = tokenSource();
    const utterance = queue.speak(source.stream);
    source.push('Words with no end yet ');
    await clock.advance(1_500); // the clause goes out; its task call is still under way
    expect(sent).toEqual(['Words with no end yet']);
    source.end();
    await settle();
    expect(utterance.status).toBe('queued');
    sending.open();
    await settle();
    speakTask(queue, 'task-1', 'Words with no end yet');
    await utterance.done;
    expect(utterance.status).toBe('ended');
    expect(interrupts).toBe(0);
  });

  it('keeps later utterances behind an open stream, in order', async () => {
    const { server, queue } = setUp();
    const source = tokenSource();
    const streamed = queue.speak(source.stream);
    const after = queue.speak('After.');
    source.push('First. Second');
    await settle();
    speakTask(queue, 'task-1', 'First.');
    await settle();
    expect(server.tasks.map((task) => task.text)).toEqual(['First.']);
    source.end();
    await settle();
    speakTask(queue, 'task-2', 'Second');
    await settle();
    speakTask(queue, 'task-3', 'After.');
    await Promise.all([streamed.done, after.done]);
    expect(server.tasks.map((task) => task.text)).toEqual(['First.', 'Second', 'After.']);
  });

  it('ends an empty stream at once', async () => {
    const { queue } = setUp();
    const source = tokenSource();
    const utterance = queue.speak(source.stream);
    source.push('  ');
    source.end();
    await utterance.done;
    expect(utterance.status).toBe('ended');
  });

  it('stops an iterator with return() on interrupt', async () => {
    const { server, queue } = setUp();
    const source = tokenSource();
    const utterance = queue.speak(source.stream);
    source.push('Hello there. And');
    await settle();
    await queue.interrupt();
    await expect(utterance.done).rejects.toMatchObject({ code: 'interrupted' });
    expect(source.returned).toBe(1);
    source.push(' more. Words.');
    await settle();
    expect(server.tasks).toHaveLength(1);
  });

  it('cancels a ReadableStream when its utterance is cancelled', async () => {
    const { queue } = setUp();
    let cancelled: unknown;
    const stream = new ReadableStream<string>({
      start: (controller) => controller.enqueue('Hello there. And'),
      cancel: (reason) => {
        cancelled = reason ?? 'cancelled';
      },
    });
    const utterance = queue.speak(stream);
    await settle();
    await queue.cancel(utterance.id);
    await expect(utterance.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(cancelled).toBeDefined();
  });

  it('aborts a producer function’s signal on interrupt', async () => {
    const { queue } = setUp();
    let signal: AbortSignal | undefined;
    const utterance = queue.speak((given) => {
      signal = given;
      return tokenSource().stream;
    });
    await settle();
    expect(signal?.aborted).toBe(false);
    await queue.interrupt();
    await expect(utterance.done).rejects.toMatchObject({ code: 'interrupted' });
    expect(signal?.aborted).toBe(true);
  });

  it('fails the utterance with speech_source when the stream throws, keeping its error, and goes on', async () => {
    const { server, queue } = setUp();
    const failure = new Error('model overloaded');
    const utterance = queue.speak(
      (async function* () {
        yield 'Hello. ';
        throw failure;
      })(),
    );
    const after = queue.speak('Next.');
    const error = await utterance.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StreamingAvatarError);
    expect(error).toMatchObject({ code: 'speech_source', cause: failure });
    expect(String((error as Error).message)).toContain('model overloaded');
    await settle();
    expect(server.tasks.at(-1)?.text).toBe('Next.');
    speakTask(queue, server.tasks.at(-1)!.taskId, 'Next.');
    await after.done;
  });

  it('fails with a TimeoutError and stops a stream silent for streamTimeoutMs', async () => {
    const { clock, queue } = setUp();
    const source = tokenSource();
    const utterance = queue.speak(source.stream, { streamTimeoutMs: 5_000 });
    source.push('Hello');
    await clock.advance(4_999);
    expect(utterance.status).toBe('queued');
    await clock.advance(1);
    const error = await utterance.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(source.returned).toBe(1);
  });

  it('refuses a streamed talk and a streamTimeoutMs that is not a positive number', () => {
    const { queue } = setUp();
    expect(() => queue.speak(tokenSource().stream, { taskType: 'talk' })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', option: 'taskType' }),
    );
    expect(() => queue.speak('Hi.', { streamTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter', option: 'streamTimeoutMs' }),
    );
  });

  it('speaks every word once, in order, however the tokens arrive and the avatar keeps pace', async () => {
    const sentence = fc
      .array(fc.constantFrom('one', 'two', '3.5', 'Dr.', 'e.g.', '👍🏽', 'naïve', '你好'), {
        minLength: 1,
        maxLength: 12,
      })
      .map((words) => `${words.join(' ')}${'.?!'[words.length % 3]}`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(sentence, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        async (sentences, tokenLengths) => {
          const { clock, server, queue } = setUp();
          const text = sentences.join(' ');
          const source = tokenSource();
          const utterance = queue.speak(source.stream);
          let spoken = 0;
          const speakWhatIsSent = () => {
            for (; spoken < server.tasks.length; spoken++) {
              const task = server.tasks[spoken]!;
              speakTask(queue, task.taskId, task.text);
            }
          };
          for (let at = 0, step = 0; at < text.length; step++) {
            const length = tokenLengths[step % tokenLengths.length]!;
            source.push(text.slice(at, at + length));
            at += length;
            await clock.advance(step % 7 === 0 ? 1_500 : 30);
            if (step % 3 === 0) speakWhatIsSent();
          }
          source.end();
          while (utterance.status !== 'ended') {
            await settle();
            speakWhatIsSent();
          }
          expect(server.tasks.map((task) => task.text).join(' ')).toBe(text);
          expect(utterance.spokenText).toBe(text);
        },
      ),
      { numRuns: 100 },
    );
  });
});
