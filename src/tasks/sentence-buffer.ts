import { MAX_REPEAT_TEXT_CHARS } from '../limits.js';
import { chunkText } from './chunk-text.js';

/**
 * What ends a boundary that the sentence rules (`Intl.Segmenter`) take for a sentence's end but
 * that usually is not one: an ellipsis, an initial ("J.", "U.S."), a title ("Dr.") or "e.g.".
 */
const NOT_AN_END = /(?:\.\.\.|…|(?:^|[\s.(])(?:\p{Lu}|Mrs?|Ms|Dr|Prof|St|Jr|Sr|vs|e\.g|i\.e)\.)\s*$/u;

/**
 * A word that starts right after a letter or mark is in a script written without spaces (Chinese,
 * Japanese, Thai), whose words the word rules find.
 */
const LETTER = /[\p{L}\p{M}]/u;

/**
 * Text that arrives in chunks (a model's tokens), given out in pieces to speak as its sentences
 * complete. A sentence is complete once text follows its end; until then (a "3." may become
 * "3.5") it waits. {@link release} lets an unfinished clause go after a wait, and {@link end}
 * everything once the text is whole. The sentence and word rules are the runtime's locale's.
 */
export class SentenceBuffer {
  /** Received and not yet taken. */
  #text = '';
  /** How much of `text` may be given out: whole sentences, or a clause released. */
  #ready = 0;

  /** Whether text is held back: a sentence not yet complete. */
  get holding(): boolean {
    return this.#text.slice(this.#ready).trim() !== '';
  }

  /** Adds a chunk; the sentences it completes become ready. */
  append(chunk: string): void {
    this.#text += chunk;
    const rest = this.#text.slice(this.#ready);
    let complete = 0;
    for (const { index } of new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(rest)) {
      if (index > 0 && !NOT_AN_END.test(rest.slice(0, index))) complete = index;
    }
    this.#ready += complete;
    // A clause too long for one piece goes at once.
    if (this.#text.length - this.#ready > MAX_REPEAT_TEXT_CHARS) this.release();
  }

  /**
   * Lets the held text go up to its last space (the word after it may still be growing: "3." may
   * become "3.5"), in scripts written without spaces up to the start of its last word, or all of
   * it when it holds more than 1,000 characters without either.
   */
  release(): void {
    const rest = this.#text.slice(this.#ready);
    let cut = rest.search(/\s\S*$/) + 1;
    for (const { index, isWordLike } of new Intl.Segmenter(undefined, { granularity: 'word' }).segment(
      rest,
    )) {
      if (isWordLike && index > cut && LETTER.test(rest[index - 1]!)) cut = index;
    }
    this.#ready += cut > 0 || rest.length <= MAX_REPEAT_TEXT_CHARS ? cut : rest.length;
  }

  /** The text is whole: everything becomes ready. */
  end(): void {
    this.#ready = this.#text.length;
  }

  /**
   * The next piece: the ready text up to 1,000 characters (seed 000), cut as `chunkText` cuts;
   * undefined when nothing is ready.
   */
  take(): string | undefined {
    const [piece] = chunkText(this.#text.slice(0, this.#ready));
    if (piece === undefined) return undefined;
    const used = this.#text.indexOf(piece) + piece.length;
    this.#text = this.#text.slice(used);
    this.#ready -= used;
    return piece;
  }
}
