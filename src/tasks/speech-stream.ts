import { StreamingAvatarError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { withTimeout } from '../internal/timeout.js';

/** Text that arrives over time: a model's tokens, as an async iterable or a stream of strings. */
export type SpeechStream = AsyncIterable<string> | ReadableStream<string>;

/**
 * What `speak()` takes: the whole text, a {@link SpeechStream}, or a function that opens one and
 * stops its work when the signal aborts (the utterance was interrupted or cancelled).
 */
export type SpeechText = string | SpeechStream | ((signal: AbortSignal) => SpeechStream);

/** A stream that already failed or ended may refuse to stop: the utterance is settled either way. */
const alreadyOver = () => undefined;

/** How a stream is read and given up. */
export interface SpeechStreamReading {
  clock: Clock;
  /** Fail when the stream yields nothing for this many milliseconds. */
  silenceMs: number;
  /** Each chunk, in order. */
  onText: (chunk: string) => void;
  /**
   * Called once: without an error when the stream ended; with a `TimeoutError` after `silenceMs`
   * of silence, or a `speech_source` error (the stream's error as its `cause`) when it failed.
   * Not called after the returned stop function.
   */
  onEnd: (error?: StreamingAvatarError) => void;
}

/**
 * Reads `source` until it ends or fails. The returned function stops it: `cancel()` on a stream,
 * `return()` on an iterator, and an abort of the signal handed to a producer function.
 */
export function readSpeechStream(
  source: Exclude<SpeechText, string>,
  { clock, silenceMs, onText, onEnd }: SpeechStreamReading,
): () => void {
  const controller = new AbortController();
  let stopSource: () => unknown = () => undefined;
  const stop = () => {
    if (controller.signal.aborted) return;
    controller.abort();
    stopSource();
  };
  const read = async () => {
    const stream = typeof source === 'function' ? source(controller.signal) : source;
    let next: () => Promise<IteratorResult<string>>;
    if ('getReader' in stream) {
      const reader = stream.getReader();
      next = () => reader.read() as Promise<IteratorResult<string>>;
      stopSource = () => reader.cancel().catch(alreadyOver);
    } else {
      const iterator = stream[Symbol.asyncIterator]();
      next = () => iterator.next();
      stopSource = () => Promise.resolve(iterator.return?.()).catch(alreadyOver);
    }
    for (;;) {
      const result = await withTimeout(next(), silenceMs, 'The speech stream yielded nothing', clock);
      if (controller.signal.aborted || result.done) return;
      if (typeof result.value !== 'string') throw new TypeError(`it yielded a ${typeof result.value}`);
      onText(result.value);
    }
  };
  read().then(
    () => controller.signal.aborted || onEnd(),
    (error: unknown) => {
      if (controller.signal.aborted) return;
      stop();
      onEnd(
        error instanceof StreamingAvatarError
          ? error
          : new StreamingAvatarError(
              'speech_source',
              `The speech stream failed: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
      );
    },
  );
  return stop;
}
