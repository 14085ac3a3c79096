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
  const end = text.trimEnd().length;
  const pieces: string[] = [];
  let start = skipWhitespace(text, 0);
  while (start < end) {
    if (end - start <= maxChars) {
      pieces.push(text.slice(start, end));
      break;
    }
    // Each cut looks at the next 2 × maxChars characters only, so time grows linearly with the
    // text: boundaries past maxChars matter only where whitespace alone follows the limit.
    const window = text.slice(start, Math.min(text.length, start + 2 * maxChars));
    const boundaries = boundaryFinder(window, start + window.length === text.length, options.locale);
    const cut =
      boundaries.lastFitting('sentence', maxChars) ??
      boundaries.lastFitting('word', maxChars) ??
      boundaries.lastFitting('grapheme', maxChars) ??
      codePointCut(window, maxChars);
    pieces.push(window.slice(0, cut).trimEnd());
    start = skipWhitespace(text, start + cut);
  }
  return pieces;
}

type Granularity = 'sentence' | 'word' | 'grapheme';

/**
 * Boundaries in `window`, which starts at a cut (a boundary of the whole text); its own end is a
 * boundary only when it is the end of the text.
 */
function boundaryFinder(window: string, endsText: boolean, locale: string | undefined) {
  const cache = new Map<Granularity, number[]>();
  const offsets = (granularity: Granularity): number[] => {
    let found = cache.get(granularity);
    if (!found) {
      const segmenter = new Intl.Segmenter(locale, { granularity });
      found = [...segmenter.segment(window)].map((segment) => segment.index).slice(1);
      if (endsText) found.push(window.length);
      cache.set(granularity, found);
    }
    return found;
  };
  return {
    /** The last boundary whose piece, less trailing whitespace, fits in `maxChars`. */
    lastFitting(granularity: Granularity, maxChars: number): number | undefined {
      const list = offsets(granularity);
      // Boundaries up to maxChars always fit; a later one fits only by trailing whitespace.
      let index = upperBound(list, maxChars) - 1;
      for (let probe = index + 1; probe < list.length; probe++) {
        if (window.slice(0, list[probe]!).trimEnd().length > maxChars) break;
        index = probe;
      }
      // The window never starts with whitespace, so any boundary after 0 gives a non-empty piece.
      const candidate = list[index];
      return candidate !== undefined && candidate > 0 ? candidate : undefined;
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

function codePointCut(window: string, maxChars: number): number {
  const code = window.charCodeAt(maxChars - 1);
  return code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
}

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && /\s/.test(text[index]!)) index++;
  return index;
}
