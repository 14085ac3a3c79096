import { execFileSync } from 'node:child_process';

/** Set by `npm test` once its build step has built `dist/`, so the suites after it need not build again. */
export const BUILT_ENV = 'STREAMING_AVATAR_KIT_BUILT';

/**
 * Builds the package (`npm run build`: modules, types, the drop-in file, the framework types),
 * unless `npm test` has just done so; a suite run on its own builds for itself.
 */
export function buildPackage(): void {
  if (process.env[BUILT_ENV] === '1') return;
  // Piped, so a failed build's output is in the error.
  execFileSync('npm', ['run', 'build', '--silent'], { encoding: 'utf8' });
}
