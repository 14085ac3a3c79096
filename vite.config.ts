import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { avatarBackend } from './demo/backend.js';

export default defineConfig({
  root: 'demo',
  envDir: '..',
  plugins: [avatarBackend()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    // The pages use base-url="/heygen": the dev server forwards it to the emulator (npm start sets the URL).
    proxy: process.env.AVATAR_EMULATOR_URL
      ? {
          '/heygen': {
            target: process.env.AVATAR_EMULATOR_URL,
            // The voice-chat socket (/v1/ws/streaming.chat) goes through here too.
            ws: true,
            rewrite: (path) => path.replace(/^\/heygen/, ''),
          },
          // LiveAvatar's API, which the emulator serves under the same path.
          '/liveavatar': { target: process.env.AVATAR_EMULATOR_URL },
        }
      : {},
  },
  build: {
    // `npm run build`: the drop-in file for a plain page, shipped in the package (dist/cdn/):
    // core and elements minified in one module; livekit-client and the session machinery in the
    // chunks beside it, loaded on the first start.
    outDir: resolve(import.meta.dirname, 'dist/cdn'),
    emptyOutDir: true,
    copyPublicDir: false,
    minify: true,
    // Library builds keep whitespace by default; a page's drop-in file has no use for it.
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: {
        'streaming-avatar-kit': resolve(import.meta.dirname, 'components/index.ts'),
        // `<script type="module" src="…/dist/cdn/translations/de.js">` after the main file.
        'translations/de': resolve(import.meta.dirname, 'components/translations/de.ts'),
      },
      formats: ['es'],
    },
  },
  test: {
    root: '.',
    include: [
      'test/unit/**/*.test.ts',
      'test/size/**/*.test.ts',
      'test/server/**/*.test.ts',
      'test/emulator/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/examples/**/*.test.ts',
      'examples/testing/**/*.test.ts',
      'test/docs/**/*.test.ts',
    ],
    environment: 'node',
    // The user-side tests in examples/testing import the packages by name, as users do.
    alias: {
      'streaming-avatar-emulator': resolve(import.meta.dirname, 'emulator/src/index.ts'),
      'streaming-avatar-kit/server': resolve(import.meta.dirname, 'src/server/index.ts'),
    },
    // The emulator and end-to-end suites talk to real processes (livekit-server, speech, Chromium)
    // and measure timing; on a 2-core machine they run one file at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
