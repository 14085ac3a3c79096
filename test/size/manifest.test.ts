/**
 * The committed custom elements manifest is what the analyzer makes of the elements now: a change
 * to an element's API that was not regenerated (`npm run manifest`) fails here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('custom-elements.json', () => {
  it('is up to date with the elements, with every event typed and named', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'manifest-'));
    // The analyzer reads --outdir relative to the working directory, even an absolute one.
    execFileSync('npx', ['cem', 'analyze', '--outdir', relative(process.cwd(), outdir)], { stdio: 'ignore' });
    const fresh = JSON.parse(readFileSync(join(outdir, 'custom-elements.json'), 'utf8'));
    const committed = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
    expect(committed, 'run npm run manifest and commit custom-elements.json').toEqual(fresh);
    const avatar = committed.modules
      .flatMap((module: { declarations?: { tagName?: string }[] }) => module.declarations ?? [])
      .find((declaration: { tagName?: string }) => declaration.tagName === 'streaming-avatar');
    for (const event of avatar.events) {
      expect(event.name).toMatch(/^avatar-[a-z-]+$/);
      expect(event.type.text).toMatch(/^Avatar\w+Event$/);
    }
  }, 60_000);
});
