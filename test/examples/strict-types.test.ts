/**
 * The shipped types under the strictest consumer: the packed tarball installed in a fresh app
 * whose tsconfig is `strict` with `skipLibCheck: false` (libraries and strict monorepos check
 * every declaration file they load), one project per entry as an app of that framework has it.
 * Each entry must type-check, its element's props must not be `any`, and a misspelt `quality`
 * must be an error.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../support/build.js';

const run = promisify(execFile);

/** One app per entry: its file, checked alone (a React app never loads the Vue entry). */
const APPS: Record<string, { file: string; source: string }> = {
  jsx: {
    file: 'jsx.tsx',
    source: `import type { JSX } from 'react';
import type {} from 'streaming-avatar-kit/jsx';

type IsAny<T> = 0 extends 1 & T ? true : false;
export const propsAreTyped: IsAny<JSX.IntrinsicElements['streaming-avatar']> = false;
export const page = <streaming-avatar token-url="/api/avatar-token" quality="low" />;
// @ts-expect-error: not a quality
export const typo = <streaming-avatar token-url="/api/avatar-token" quality="mediumm" />;
`,
  },
  react: {
    file: 'react.tsx',
    source: `import type { ComponentProps } from 'react';
import { StreamingAvatar } from 'streaming-avatar-kit/react';

type IsAny<T> = 0 extends 1 & T ? true : false;
export const propsAreTyped: IsAny<ComponentProps<typeof StreamingAvatar>> = false;
export const page = <StreamingAvatar tokenUrl="/api/avatar-token" quality="low" onAvatarReady={(event) => event.type} />;
// @ts-expect-error: not a quality
export const typo = <StreamingAvatar tokenUrl="/api/avatar-token" quality="mediumm" />;
`,
  },
  vue: {
    file: 'vue.ts',
    source: `import type { GlobalComponents } from 'vue';
import type {} from 'streaming-avatar-kit/vue';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Props = InstanceType<GlobalComponents['streaming-avatar']>['$props'];
export const propsAreTyped: IsAny<Props> = false;
export const props: Props = { tokenUrl: '/api/avatar-token', quality: 'low' };
// @ts-expect-error: not a quality
export const typo: Props = { quality: 'mediumm' };
`,
  },
  svelte: {
    file: 'svelte.ts',
    source: `import type { SvelteHTMLElements } from 'svelte/elements';
import type {} from 'streaming-avatar-kit/svelte';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Props = SvelteHTMLElements['streaming-avatar'];
export const propsAreTyped: IsAny<Props> = false;
export const props: Props = { 'token-url': '/api/avatar-token', quality: 'low' };
// @ts-expect-error: not a quality
export const typo: Props = { quality: 'mediumm' };
`,
  },
};

let app: string;

beforeAll(() => {
  buildPackage();
  // Inside this repository's node_modules, so the installed package finds its dependencies (lit,
  // livekit-client, …) and the frameworks' own types as an app's node_modules would hold them.
  const cache = resolve('node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  app = mkdtempSync(join(cache, 'strict-types-'));
  const [tarball] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string }[];
  mkdirSync(join(app, 'node_modules'));
  execFileSync('tar', ['xzf', join(app, tarball!.filename), '-C', join(app, 'node_modules')]);
  execFileSync('mv', [join(app, 'node_modules/package'), join(app, 'node_modules/streaming-avatar-kit')]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'strict-consumer', private: true, type: 'module' }),
  );
  for (const { file, source } of Object.values(APPS)) {
    writeFileSync(join(app, file), source);
    writeFileSync(
      join(app, `tsconfig.${file}.json`),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable'],
          module: 'esnext',
          moduleResolution: 'bundler',
          jsx: 'react-jsx',
          types: [],
        },
        files: [file],
      }),
    );
  }
}, 300_000);

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('the packed types under skipLibCheck: false', () => {
  it.each(Object.entries(APPS))(
    'streaming-avatar-kit/%s type-checks, its props typed',
    async (_entry, { file }) => {
      const tsc = resolve('node_modules/.bin/tsc');
      const checked = await run(tsc, ['-p', `tsconfig.${file}.json`], { cwd: app }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(checked).toBe('');
    },
    120_000,
  );
});
