/**
 * The docs: the API reference builds from the TSDoc and refuses an undocumented public export;
 * the guides name every part and custom property the elements have, show the user-side tests
 * exactly as they run, and are linked from the README.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const GUIDES = [
  'getting-started',
  'frameworks',
  'theming',
  'server',
  'own-model',
  'kiosk',
  'emulator',
  'errors',
  'glossary',
];

async function typedoc(args: string[] = []) {
  try {
    const { stdout, stderr } = await run('npx', ['typedoc', ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface Declaration {
  tagName?: string;
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
}

describe('docs', () => {
  it('npm run docs builds the API reference and every guide without a warning', async () => {
    const { code, output } = await typedoc();
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/warning/i);
    expect(existsSync('docs/api/index.html')).toBe(true);
    expect(readdirSync('docs/api/documents')).toHaveLength(GUIDES.length);
    const client = readFileSync('docs/api/classes/streaming-avatar-kit.StreamingApiClient.html', 'utf8');
    expect(client).toContain('listSessionHistoryPage');
  }, 120_000);

  it('fails on a public export without documentation', async () => {
    const probe = 'src/undocumented-probe.ts';
    writeFileSync(probe, 'export function undocumentedProbe(): number {\n  return 1;\n}\n');
    try {
      const { code, output } = await typedoc([
        '--entryPoints',
        probe,
        '--out',
        'node_modules/.cache/docs-probe',
      ]);
      expect(code).not.toBe(0);
      expect(output).toMatch(/undocumentedProbe.*does not have any documentation/);
    } finally {
      rmSync(probe);
    }
  }, 120_000);

  it('theming lists every part and custom property of every element', () => {
    const theming = readFileSync('docs/theming.md', 'utf8');
    const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8')) as {
      modules: { declarations?: Declaration[] }[];
    };
    const elements = manifest.modules.flatMap((module) => module.declarations ?? []).filter((d) => d.tagName);
    expect(elements).toHaveLength(3);
    for (const element of elements) {
      expect(theming).toContain(`<${element.tagName}>`);
      for (const { name } of [...(element.cssParts ?? []), ...(element.cssProperties ?? [])]) {
        expect(theming, `${element.tagName} ${name}`).toContain(`\`${name}\``);
      }
    }
    expect(existsSync('docs/images/themed-avatar.png')).toBe(true);
  });

  it('the emulator guide shows the user-side tests exactly as they run', () => {
    const guide = readFileSync('docs/emulator.md', 'utf8');
    for (const file of ['token-route.ts', 'token-route.test.ts', 'page.test.ts', 'page.html']) {
      expect(guide, file).toContain(readFileSync(`examples/testing/${file}`, 'utf8'));
    }
  });

  it('the README links every guide, and package.json says where the project lives', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const guide of GUIDES) expect(readme).toContain(`docs/${guide}.md`);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(manifest.repository.url).toMatch(/^git\+https:\/\//);
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\//);
  });
});
