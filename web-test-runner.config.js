import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { chromiumFlags, chromiumPath } from './test/support/chromium.js';

/**
 * eventemitter3's ESM entry imports its CommonJS build, which browsers cannot load as it is; Vite
 * converts it when bundling, and this does the same for the test server.
 */
const eventemitter3AsEsm = {
  name: 'eventemitter3-as-esm',
  transform(context) {
    if (!context.path.endsWith('/node_modules/eventemitter3/index.js')) return undefined;
    return { body: `const module = { exports: {} };\n${context.body}\nexport default module.exports;\n` };
  },
};

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  hostname: '127.0.0.1',
  plugins: [eventemitter3AsEsm, esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    chromeLauncher({
      // Web Audio runs without a click (the level meter's test); the unmute test stubs play() itself.
      launchOptions: {
        executablePath: chromiumPath,
        headless: true,
        args: [...chromiumFlags, '--autoplay-policy=no-user-gesture-required'],
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
};
