import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { measureBundles } from '../../bench/bundle-size.js';

const { sizeBudget } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  sizeBudget: { beforeStartBytes: number; beforeStartAvatarOnlyBytes: number; coreAndElementsBytes: number };
};

describe('bundle size budget (package.json sizeBudget, minified + gzipped)', () => {
  it('keeps what a page downloads before start() (livekit-client excluded), with all three elements and with <streaming-avatar> alone, and the whole toolkit within budget', async () => {
    const sizes = await measureBundles();
    expect(sizes.beforeStart, 'bytes before start()').toBeLessThanOrEqual(sizeBudget.beforeStartBytes);
    expect(sizes.beforeStartAvatarOnly, 'bytes before start(), <streaming-avatar> alone').toBeLessThanOrEqual(
      sizeBudget.beforeStartAvatarOnlyBytes,
    );
    expect(sizes.coreAndElements, 'bytes of core + elements').toBeLessThanOrEqual(
      sizeBudget.coreAndElementsBytes,
    );
  });
});
