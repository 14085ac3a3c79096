/**
 * The example apps as a new user meets them: each type-checks with its framework's own checker in
 * strict mode using only the package's shipped types, rejects a misspelt attribute value and event
 * name, builds (Vite; Next.js, which also prerenders on the server), and — served with a token
 * route from `streaming-avatar-kit/server` — starts the avatar against the emulator in Chromium
 * and is heard speaking.
 */
import { execFile, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import type { Browser } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/src/index.js';
import { createSessionTokenHandler, toNodeListener } from '../../src/server/index.js';
import { installProbes, launchChromium, screenshotPath } from '../e2e/harness.js';
import { buildPackage } from '../support/build.js';

const run = promisify(execFile);

interface Example {
  name: 'react' | 'vue' | 'svelte' | 'nextjs';
  /** Vite apps are served by `vite preview` with the toolkit's token handler; Next.js serves its own route. */
  server: 'vite' | 'next';
  /** A component with a misspelt `quality` value and event name, in the framework's syntax. */
  typo: { file: string; source: string };
}

const EXAMPLES: Example[] = [
  {
    name: 'react',
    server: 'vite',
    typo: {
      file: 'src/Typo.tsx',
      source: `import { StreamingAvatar } from 'streaming-avatar-kit/react';
export const A = () => <StreamingAvatar quality="mediumm" />;
export const B = () => <StreamingAvatar onAvatarRedy={() => undefined} />;
`,
    },
  },
  {
    name: 'vue',
    server: 'vite',
    typo: {
      file: 'src/Typo.vue',
      source: `<template>
  <streaming-avatar quality="mediumm" />
  <streaming-avatar @avatar-redy="() => undefined" />
</template>
`,
    },
  },
  {
    name: 'svelte',
    server: 'vite',
    typo: {
      file: 'src/Typo.svelte',
      // Svelte checks a component's markup against the types when its script is TypeScript.
      source: `<script lang="ts"></script>
<streaming-avatar quality="mediumm"></streaming-avatar>
<streaming-avatar onavatar-redy={() => undefined}></streaming-avatar>
`,
    },
  },
  {
    name: 'nextjs',
    server: 'next',
    typo: {
      file: 'app/typo.tsx',
      source: `'use client';
import { StreamingAvatar } from 'streaming-avatar-kit/react';
export const A = () => <StreamingAvatar quality="mediumm" />;
export const B = () => <StreamingAvatar onAvatarRedy={() => undefined} />;
`,
    },
  },
];

let emulator: RunningEmulator;
let browser: Browser;

beforeAll(async () => {
  // The examples use the package as it is built (dist/, its types generated from the manifest).
  buildPackage();
  [emulator, browser] = await Promise.all([startEmulator(), launchChromium()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** Runs an example's npm script; resolves with its exit code and everything it printed. */
async function script(example: Example, name: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('npm', ['run', name, '--silent', '-w', `examples/${example.name}`], {
      // Next.js would otherwise try to send telemetry from a machine without network access.
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves a built example; its page gets session tokens from the emulator. */
async function serve(example: Example): Promise<Served> {
  if (example.server === 'next') return serveNext();
  const server = await servePreview(example);
  return { url: server.resolvedUrls!.local[0]!, close: () => server.close() };
}

/** `next start`, its own token route pointed at the emulator. */
async function serveNext(): Promise<Served> {
  const port = await getPort({ host: '127.0.0.1' });
  const child = spawn('npx', ['next', 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: 'examples/nextjs',
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      HEYGEN_API_KEY: 'emulator-api-key',
      HEYGEN_API_BASE: emulator.apiUrl,
      AVATAR_API_BASE: emulator.apiUrl,
      ALLOW_ANONYMOUS_AVATAR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`next start exited (${code}):\n${output}`)));
    child.stdout.on('data', () => /Ready/.test(output) && resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `vite preview` of a built app, with `/api/avatar-token` answered by the toolkit's token handler. */
function servePreview(example: Example): Promise<PreviewServer> {
  const tokens = toNodeListener(
    createSessionTokenHandler({
      apiKey: 'emulator-api-key',
      baseUrl: emulator.apiUrl,
      allowAnonymous: true,
      tokensPerMinute: 60,
    }),
  );
  return preview({
    root: join('examples', example.name),
    logLevel: 'silent',
    preview: { host: '127.0.0.1', port: 0 },
    plugins: [
      {
        name: 'token-route',
        configurePreviewServer(server) {
          server.middlewares.use('/api/avatar-token', (request, response) => void tokens(request, response));
        },
      },
    ],
  });
}

describe.each(EXAMPLES)('examples/$name', (example) => {
  it('type-checks in strict mode with the shipped types alone', async () => {
    const { code, output } = await script(example, 'check');
    expect(code, output).toBe(0);
  }, 120_000);

  it('rejects a misspelt attribute value and a misspelt event name', async () => {
    const path = join('examples', example.name, example.typo.file);
    writeFileSync(path, example.typo.source);
    try {
      const { code, output } = await script(example, 'check');
      expect(code).not.toBe(0);
      expect(output).toContain('"mediumm"');
      expect(output).toMatch(/redy/i);
    } finally {
      rmSync(path);
    }
  }, 120_000);

  it('builds, starts the avatar against the emulator and is heard speaking', async () => {
    const built = await script(example, 'build', { VITE_AVATAR_API_BASE: emulator.apiUrl });
    expect(built.code, built.output).toBe(0);
    const server = await serve(example);
    const page = await browser.newPage();
    try {
      if (example.server === 'next') {
        // Rendered on the server (nothing there touches window), then brought to life in the browser.
        expect(await (await fetch(server.url)).text()).toContain('<streaming-avatar id="avatar"');
      }
      await page.goto(server.url);
      await page.waitForFunction(() => customElements.get('streaming-avatar') !== undefined);
      await installProbes(page);
      await page.locator('streaming-avatar [part="start"]').click();
      await page.locator('#state').filter({ hasText: 'connected' }).waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'Speak' }).click();
      await page.locator('#spoken').filter({ hasText: '1' }).waitFor({ timeout: 60_000 });
      const loudest = await page.evaluate(() => Math.max(0, ...window.probe!.loudness.map((s) => s.rms)));
      expect(loudest).toBeGreaterThan(0.01);
      await page.screenshot({ path: screenshotPath(`example-${example.name}`) });
      await page.evaluate(() => document.querySelector('streaming-avatar')!.stop());
    } finally {
      await page.close();
      await server.close();
    }
  }, 180_000);
});
