/**
 * The emulator as its users get it: `npm pack` of the workspace package, extracted, its `bin` run
 * and its `startEmulator` imported from the compiled files — not from this repository's sources.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as EmulatorPackage from '../../emulator/src/index.js';

let extracted: string;
let files: string[];

beforeAll(() => {
  // Inside this repository's node_modules, so the extracted package resolves its dependencies.
  const cache = resolve('node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'emulator-package-'));
  const [tarball] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: 'emulator',
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  files = tarball!.files.map((file) => file.path).sort();
  execFileSync('tar', ['xzf', join(dir, tarball!.filename), '-C', dir]);
  extracted = join(dir, 'package');
}, 120_000);

afterAll(() => rmSync(resolve(extracted, '..'), { recursive: true, force: true }));

describe('the streaming-avatar-emulator package', () => {
  it('ships compiled JavaScript with types, its README and its GPL licence, and no TypeScript sources', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/cli.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/speech.js',
      ]),
    );
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(extracted, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('GPL-3.0-or-later');
    expect(manifest.bin['streaming-avatar-emulator']).toBe('./dist/cli.js');
    expect(readFileSync(join(extracted, 'LICENSE'), 'utf8')).toContain('GNU GENERAL PUBLIC LICENSE');
  });

  it('runs its bin: --help prints the usage', () => {
    const help = execFileSync(process.execPath, [join(extracted, 'dist/cli.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(help).toMatch(/^Usage: streaming-avatar-emulator/);
    expect(help).toContain('--liveavatar-keys FILE');
  });

  it('starts from its compiled startEmulator, serves both APIs with the given keys, and stops', async () => {
    const { startEmulator }: typeof EmulatorPackage = await import(join(extracted, 'dist/index.js'));
    const emulator = await startEmulator({
      media: false,
      keys: { 'package-key': { tier: 'api', credits: 5 } },
      liveAvatarKeys: { 'package-liveavatar-key': 7 },
    });
    try {
      expect(emulator.livekitUrl).toBeUndefined();
      const token = await fetch(`${emulator.apiUrl}/v1/streaming.create_token`, {
        method: 'POST',
        headers: { 'x-api-key': 'package-key', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(token.status).toBe(200);
      const unknown = await fetch(`${emulator.apiUrl}/v1/streaming.create_token`, {
        method: 'POST',
        headers: { 'x-api-key': 'emulator-api-key', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unknown.status).toBe(401);
      const credits = await fetch(`${emulator.liveAvatarUrl}/v1/users/credits`, {
        headers: { 'x-api-key': 'package-liveavatar-key' },
      });
      expect(await credits.json()).toMatchObject({ data: { credits_left: '7.00' } });
    } finally {
      await emulator.stop();
    }
    expect(emulator.running()).toBe(false);
  }, 60_000);

  it('is not imported by the toolkit (the toolkit stays MIT)', () => {
    const sources = ['src', 'components'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((path) => path.endsWith('.ts'))
        .map((path) => readFileSync(join(dir, path), 'utf8')),
    );
    expect(sources.length).toBeGreaterThan(20);
    for (const source of sources) expect(source).not.toMatch(/from ['"][^'"]*emulator/);
  });
});
