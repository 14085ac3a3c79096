process.noDeprecation = true;

// Arrows point downward only: no import circles anywhere, and no layer imports one above it. A new
// circle, or a core module reaching into the elements, fails the build here.
import madge from 'madge';
import { describe, expect, it } from 'vitest';

type Graph = Record<string, string[]>;

async function importGraph(directory: string): Promise<{ graph: Graph; circles: string[][] }> {
  const result = await madge(directory, {
    fileExtensions: ['ts'],
    tsConfig: 'tsconfig.json',
    // A type-only import is still an arrow between two modules' meanings.
    detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
  });
  return { graph: result.obj(), circles: result.circular() };
}

/** The packages above each one: none of them may be imported from it. */
const ABOVE: Record<string, RegExp> = {
  src: /^(components|react|emulator|demo)\//,
  components: /^(react|emulator|demo)\//,
  react: /^(emulator|demo)\//,
  'emulator/src': /^(components|react|demo|src\/(?!api\/schemas))/,
};

describe('the import graph', () => {
  for (const [directory, forbidden] of Object.entries(ABOVE)) {
    it(`${directory}/ has no import circles and imports nothing above it`, async () => {
      const { graph, circles } = await importGraph(directory);
      expect(Object.keys(graph).length).toBeGreaterThan(5);
      expect(circles).toEqual([]);
      const upward = Object.entries(graph).flatMap(([from, targets]) =>
        targets
          .map((to) => `${directory}/${to}`)
          .filter((to) => forbidden.test(normalise(to)))
          .map((to) => `${from} -> ${to}`),
      );
      expect(upward).toEqual([]);
    });
  }
});

/** madge names files relative to the directory it read; `../src/x.ts` from `components` is `src/x.ts`. */
function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}
