/**
 * `npm start`: the emulator (with its livekit-server and the avatar) and the demo's Vite dev server
 * together. Prints the page URL; Ctrl-C stops both. `--faults` enables the emulator's control
 * endpoints, `--quiet` hides its request log. The speech recogniser voice chat needs is installed
 * first when it is missing (as root on Debian, as `npm test` does); elsewhere the demo runs
 * without voice input and says what to install, here and on the page.
 */
import { createServer } from 'vite';
import { startEmulator } from '../emulator/src/index.js';
import { ensureDebianPackages, RECOGNISER_PACKAGES } from '../scripts/debian-packages.mjs';

const quiet = process.argv.includes('--quiet');

const recogniserMissing = ensureDebianPackages(RECOGNISER_PACKAGES);
if (recogniserMissing.length > 0) {
  console.warn('Voice chat will not hear you: the emulator’s speech recogniser is not installed.');
  for (const need of recogniserMissing) console.warn(`  ${need.advice}`);
  console.warn('The rest of the demo works; restart npm start once it is installed.\n');
}

console.log('Starting the emulator (livekit-server and the avatar)…');
const emulator = await startEmulator({
  faults: process.argv.includes('--faults'),
  ...(quiet ? {} : { onLog: (line: string) => console.log(`emulator  ${line}`) }),
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
console.log(`Kiosk page: ${url}kiosk.html (?start-on=voice, ?provider=liveavatar)`);
console.log(`Drop-in page: ${url}plain.html (after npm run build)`);
console.log('Press Ctrl-C to stop.\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping the demo and the emulator…');
  await Promise.allSettled([vite.close(), emulator.stop()]);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
