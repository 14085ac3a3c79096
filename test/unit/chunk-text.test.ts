import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkText } from '../../src/tasks/chunk-text.js';

const graphemes = (text: string) => [
  ...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
];

/** Checks that the pieces are the text, in order, less only whitespace at the cut points. */
function expectFaithful(text: string, pieces: string[]) {
  let at = 0;
  for (const piece of pieces) {
    const found = text.indexOf(piece, at);
    expect(found).toBeGreaterThanOrEqual(at);
    expect(text.slice(at, found).trim()).toBe('');
    at = found + piece.length;
  }
  expect(text.slice(at).trim()).toBe('');
}

/** Checks that no cut falls inside a grapheme cluster. */
function expectWholeGraphemes(text: string, pieces: string[]) {
  const boundaries = new Set(graphemes(text).map((segment) => segment.index));
  boundaries.add(text.length);
  let at = 0;
  for (const piece of pieces) {
    const start = text.indexOf(piece, at);
    expect(boundaries.has(start)).toBe(true);
    expect(boundaries.has(start + piece.length)).toBe(true);
    at = start + piece.length;
  }
}

describe('chunkText', () => {
  it('keeps text within the limit as one piece', () => {
    expect(chunkText('  Hello there.  ')).toEqual(['Hello there.']);
  });

  it('gives no pieces for empty or whitespace-only text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\t ')).toEqual([]);
  });

  it('cuts at the last sentence boundary that fits', () => {
    const text = 'One two three. Four five six. Seven eight nine.';
    expect(chunkText(text, { maxChars: 30 })).toEqual(['One two three. Four five six.', 'Seven eight nine.']);
  });

  it('falls back to word boundaries inside a long sentence', () => {
    expect(chunkText('alpha beta gamma delta epsilon', { maxChars: 12 })).toEqual([
      'alpha beta',
      'gamma delta',
      'epsilon',
    ]);
  });

  it('splits a 2,500-character text into at most 1,000-character pieces on sentence ends', () => {
    const sentence = 'The quick brown fox jumps over the lazy dog again and again. ';
    const text = sentence.repeat(42).trim();
    const pieces = chunkText(text);
    expect(text.length).toBeGreaterThan(2500);
    expect(pieces.length).toBe(3);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(1000);
      expect(piece.endsWith('.')).toBe(true);
    }
    expectFaithful(text, pieces);
  });

  it('chunks a megabyte of text, every piece on a sentence end (it once ran out of memory)', () => {
    const sentence = 'Opening hours are nine to five on weekdays, and ten to two on Saturdays! ';
    const text = sentence.repeat(Math.ceil(1_000_000 / sentence.length)).trim();
    const pieces = chunkText(text);
    expect(pieces.length).toBeGreaterThan(1000);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(1000);
      expect(piece.endsWith('!')).toBe(true);
    }
    expect(pieces.join(' ')).toBe(text);
  });

  it('cuts Chinese and Japanese text without spaces between sentences or words', () => {
    const text = '今日はいい天気ですね。散歩に行きましょう。我们明天去公园吧。';
    const pieces = chunkText(text, { maxChars: 12 });
    expect(pieces).toEqual(['今日はいい天気ですね。', '散歩に行きましょう。', '我们明天去公园吧。']);
  });

  it('never splits an emoji sequence', () => {
    const family = '👨‍👩‍👧‍👦';
    const pieces = chunkText(family.repeat(5), { maxChars: 12 });
    expect(pieces).toEqual(Array(5).fill(family));
  });

  it('rejects a limit too small to hold a surrogate pair', () => {
    expect(() => chunkText('abc', { maxChars: 1 })).toThrow(RangeError);
    expect(() => chunkText('abc', { maxChars: 2.5 })).toThrow(/whole number/);
  });

  it('keeps its invariants for any text and limit', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .array(
          fc.constantFrom('Hi. ', 'word ', '👍🏽', 'é', 'e\u0301', '。', '\n', '  ', '你好', 'ภาษาไทย', '🇫🇷'),
          {
            maxLength: 120,
          },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 16, max: 300 }), (input, maxChars) => {
        const pieces = chunkText(input, { maxChars });
        for (const piece of pieces) {
          expect(piece.length).toBeGreaterThan(0);
          expect(piece.length).toBeLessThanOrEqual(maxChars);
          expect(piece.trim()).toBe(piece);
        }
        if (input.trim() === '') expect(pieces).toEqual([]);
        expectFaithful(input, pieces);
        expectWholeGraphemes(input, pieces);
      }),
      { numRuns: 400 },
    );
  });
});
