import { MAX_REPEAT_TEXT_CHARS } from '../limits.js';

/** Options of {@link chunkText}. */
export interface ChunkTextOptions {
  /**
   * Most UTF-16 code units per piece (default 1,000: the repeat task limit, seed 000). Counting
   * code units is safe whether the server counts code units or code points.
   */
  maxChars?: number;
  /** BCP 47 locale for the sentence and word rules (default: the runtime's). */
  locale?: string;
}

/**
 * Splits text into pieces of at most `maxChars` UTF-16 code units, to send as consecutive repeat
 * tasks. Cuts at the last sentence boundary that fits, else the last word boundary, else the last
 * grapheme cluster boundary (`Intl.Segmenter`), so emoji sequences, combining marks and surrogate
 * pairs stay whole and languages without spaces (Chinese, Japanese, Thai) are cut between words.
 * Only a single grapheme cluster longer than `maxChars` (thousands of stacked marks) is cut
 * between code points.
 *
 * The pieces, in order, are the text less the whitespace at the cut points; none is empty, and
 * whitespace-only text gives `[]`.
 * @throws {RangeError} when `maxChars` is not a whole number of at least 2.
 */
export function chunkText(text: string, options: ChunkTextOptions = {}): string[] {
  const maxChars = options.maxChars ?? MAX_REPEAT_TEXT_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    throw new RangeError(`chunkText: maxChars must be a whole number of at least 2, got ${maxChars}.`);
  }
  const boundaries = boundaryFinder(text, options.locale);
  const pieces: string[] = [];
  let start = skipWhitespace(text, 0);
  while (start < text.length) {
    const rest = text.slice(start).trimEnd();
    if (rest.length <= maxChars) {
      if (rest !== '') pieces.push(rest);
      break;
    }
    const end =
      boundaries.lastFitting('sentence', text, start, maxChars) ??
      boundaries.lastFitting('word', text, start, maxChars) ??
      boundaries.lastFitting('grapheme', text, start, maxChars) ??
      codePointCut(text, start, maxChars);
    pieces.push(text.slice(start, end).trimEnd());
    start = skipWhitespace(text, end);
  }
  return pieces;
}

type Granularity = 'sentence' | 'word' | 'grapheme';

function boundaryFinder(text: string, locale: string | undefined) {
  const cache = new Map<Granularity, number[]>();
  const offsets = (granularity: Granularity): number[] => {
    let found = cache.get(granularity);
    if (!found) {
      const segmenter = new Intl.Segmenter(locale, { granularity });
      found = [...segmenter.segment(text)].map((segment) => segment.index).slice(1);
      found.push(text.length);
      cache.set(granularity, found);
    }
    return found;
  };
  return {
    /** The last boundary after `start` whose piece, less trailing whitespace, fits in `maxChars`. */
    lastFitting(
      granularity: Granularity,
      source: string,
      start: number,
      maxChars: number,
    ): number | undefined {
      const list = offsets(granularity);
      // Boundaries up to start + maxChars always fit; a later one fits only by trailing whitespace.
      let index = upperBound(list, start + maxChars) - 1;
      for (let probe = index + 1; probe < list.length; probe++) {
        const candidate = list[probe]!;
        if (source.slice(start, candidate).trimEnd().length > maxChars) break;
        index = probe;
      }
      // start is never whitespace, so any boundary after it gives a non-empty piece.
      const candidate = list[index];
      return candidate !== undefined && candidate > start ? candidate : undefined;
    },
  };
}

function upperBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function codePointCut(text: string, start: number, maxChars: number): number {
  const end = start + maxChars;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && /\s/.test(text[index]!)) index++;
  return index;
}
