import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { avatarBackend } from './demo/backend.js';

export default defineConfig({
  root: 'demo',
  envDir: '..',
  plugins: [avatarBackend()],
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  build: {
    // `npm run build`: the drop-in bundle that demo/plain.html loads with one script tag.
    outDir: resolve(import.meta.dirname, 'dist/bundle'),
    emptyOutDir: true,
    lib: {
      entry: resolve(import.meta.dirname, 'components/index.ts'),
      formats: ['es'],
      fileName: 'streaming-avatar-kit',
    },
  },
  test: {
    root: '.',
    include: ['test/unit/**/*.test.ts', 'test/emulator/**/*.test.ts'],
    environment: 'node',
    // The emulator suites talk to real processes (livekit-server, speech synthesis).
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
