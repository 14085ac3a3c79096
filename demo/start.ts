/**
 * `npm start`: the emulator (with its livekit-server) and the demo's Vite dev server together.
 * Prints the page URL; Ctrl-C stops both. `--faults` enables the emulator's control endpoints,
 * `--quiet` hides its request log.
 */
import '../emulator/rtc-log-level.js';
import { createServer } from 'vite';
import { startEmulator } from '../emulator/emulator.js';
import { exitOnStop } from '../emulator/shutdown.js';

const quiet = process.argv.includes('--quiet');
const log = (line: string) => {
  if (!quiet) console.log(`emulator  ${line}`);
};

console.log('Starting the emulator (livekit-server and the avatar)…');
const emulator = await startEmulator({
  port: 0,
  livekitPort: 0,
  faults: process.argv.includes('--faults'),
  log,
});
process.env.AVATAR_EMULATOR_URL = emulator.apiUrl;
process.env.AVATAR_API_KEY ??= 'emulator-api-key';
process.env.LIVEAVATAR_API_KEY ??= 'emulator-liveavatar-key';

const vite = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname });
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
console.log(`\nEmulator API: ${emulator.apiUrl}`);
console.log(`Emulator LiveAvatar API: ${emulator.liveAvatarUrl}`);
console.log(`Demo: ${url}`);
console.log(`Drop-in page: ${url}plain.html (after npm run build)`);
console.log('Press Ctrl-C to stop.\n');

exitOnStop(
  () => console.log('\nStopping the demo and the emulator…'),
  [() => vite.close(), () => emulator.close()],
);
