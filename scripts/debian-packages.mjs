/**
 * Debian packages the project's own commands need (Chromium and redis-server for the tests, the
 * speech recogniser for voice chat): the missing ones are installed when running as root on
 * Debian, else the command says what to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The recogniser the emulator hears users with, and its US English model. */
export const RECOGNISER_PACKAGES = [
  {
    path: process.env.POCKETSPHINX_PATH ?? '/usr/bin/pocketsphinx_continuous',
    pkg: 'pocketsphinx',
    why: 'the emulator’s speech recogniser (voice chat)',
    override: 'POCKETSPHINX_PATH',
  },
  {
    path: '/usr/share/pocketsphinx/model/en-us/en-us',
    pkg: 'pocketsphinx-en-us',
    why: 'the recogniser’s US English model',
    override: 'POCKETSPHINX_PATH',
  },
];

/**
 * Installs the packages of `needs` whose file is missing (as root on Debian).
 * @returns The needs still missing afterwards (none once installed), each with advice in words.
 */
export function ensureDebianPackages(needs) {
  const missing = needs.filter((need) => !existsSync(need.path));
  if (missing.length === 0) return [];
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  // A file the user pointed at with the override is theirs: installing the package would not bring it.
  if (!canInstall || missing.some((need) => process.env[need.override] !== undefined)) {
    return missing.map((need) => ({
      ...need,
      advice:
        `${need.pkg} is missing at ${need.path}; ${need.why} need it. Install it ` +
        `(Debian/Ubuntu: sudo apt-get install ${need.pkg}) or point ${need.override} at it.`,
    }));
  }
  const packages = missing.map((need) => need.pkg);
  console.log(
    `Installing Debian packages ${packages.join(', ')} (${missing.map((need) => need.why).join('; ')})…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
  return [];
}
