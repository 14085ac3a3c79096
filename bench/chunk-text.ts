/**
 * How `chunkText` time grows with the text: prose of 1 KB to 1 MB (whole sentences of mixed
 * length), best of 5 runs each. Linear growth shows as a steady time per kilobyte.
 */
import { chunkText } from '../src/tasks/chunk-text.js';

export interface ChunkTextFigures {
  /** Characters in, milliseconds taken (best of 5), and milliseconds per 1,000 characters. */
  rows: { characters: number; ms: number; msPerThousand: number; pieces: number }[];
}

const SENTENCES = [
  'The avatar greets every visitor at the door.',
  'Opening hours are nine to five on weekdays, and ten to two on Saturdays!',
  'Would you like to hear about today’s specials?',
  'A longer sentence, with commas, clauses and a number or two (42, 1,000), so the splitter has real work to do at each boundary.',
];

function prose(characters: number): string {
  let text = '';
  for (let i = 0; text.length < characters; i++) text += `${SENTENCES[i % SENTENCES.length]} `;
  return text.slice(0, characters);
}

export function measureChunkText(sizes = [1_000, 10_000, 100_000, 1_000_000]): ChunkTextFigures {
  chunkText(prose(10_000)); // warm up the JIT
  return {
    rows: sizes.map((characters) => {
      const text = prose(characters);
      let best = Number.POSITIVE_INFINITY;
      let pieces = 0;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        pieces = chunkText(text).length;
        best = Math.min(best, performance.now() - started);
      }
      return { characters, ms: best, msPerThousand: (best * 1000) / characters, pieces };
    }),
  };
}
