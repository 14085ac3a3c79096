import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/emulator/**/*.test.ts'],
    environment: 'node',
    // The emulator suites talk to real processes (livekit-server, speech synthesis).
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
