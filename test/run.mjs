#!/usr/bin/env node
// `npm test`: typecheck, lint, then every test suite; ends with one line "N passed, M failed"
// summing every runner. Exits non-zero when any step fails.
import { spawn } from 'node:child_process';
import { ensureDebianPackages, RECOGNISER_PACKAGES } from '../scripts/debian-packages.mjs';
import { chromiumPath } from './support/chromium.js';

// The browser suites use Debian's Chromium, the Redis store tests Debian's redis-server, the
// emulator's voice chat the recogniser; as root on Debian the missing ones are installed.
const missingPackages = ensureDebianPackages([
  { path: chromiumPath, pkg: 'chromium', why: 'the browser tests', override: 'CHROMIUM_PATH' },
  {
    path: process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server',
    pkg: 'redis-server',
    why: 'the server helper’s Redis store tests',
    override: 'REDIS_SERVER_PATH',
  },
  ...RECOGNISER_PACKAGES,
]);
if (missingPackages.length > 0) {
  for (const need of missingPackages) console.error(need.advice);
  process.exit(1);
}

/** Each runner's closing counts, read from its own summary line. */
const counters = {
  vitest: (output) => {
    const line = output.match(/Tests\s+(.*\(\d+\))/)?.[1] ?? '';
    return { passed: count(line, /(\d+) passed/), failed: count(line, /(\d+) failed/) };
  },
  /** web-test-runner and the fault matrix both end with "N passed, M failed". */
  wtr: (output) => {
    const all = [...output.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
    return { passed: Number(all?.[1] ?? 0), failed: Number(all?.[2] ?? 0) };
  },
};

const steps = [
  { name: 'typecheck', command: ['tsc', '--noEmit', '-p', '.'] },
  { name: 'lint', command: ['biome', 'check', '.'] },
  // What the package ships (dist/: modules, types, the drop-in file, the framework types): the
  // example apps and the user-side tests load it as users do.
  { name: 'build', command: ['npm', 'run', 'build', '--silent'] },
  { name: 'unit', command: ['vitest', 'run'], counter: counters.vitest },
  { name: 'browser', command: ['web-test-runner'], counter: counters.wtr },
  { name: 'faults', command: ['tsx', 'test/faults/run.ts'], counter: counters.wtr },
];

let passed = 0;
let failed = 0;
const failedSteps = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.command.join(' ')}`);
  const { code, output } = await run(step.command);
  if (step.counter) {
    const counts = step.counter(stripAnsi(output));
    passed += counts.passed;
    failed += counts.failed;
    // A runner that died before counting still counts as a failure.
    if (code !== 0 && counts.failed === 0) failed += 1;
  }
  if (code !== 0) failedSteps.push(step.name);
  // The suites that use dist/ skip their own build after this one (test/support/build.ts).
  if (step.name === 'build' && code === 0) process.env.STREAMING_AVATAR_KIT_BUILT = '1';
}

if (failedSteps.length > 0) console.log(`\nFailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 ? 1 : 0);

function run([command, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PATH: `${process.cwd()}/node_modules/.bin:${process.env.PATH}`,
        FORCE_COLOR: '0',
      },
    });
    let output = '';
    const collect = (stream, sink) =>
      stream.on('data', (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    child.on('error', (error) => resolve({ code: 1, output: String(error) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function count(text, pattern) {
  return Number(text.match(pattern)?.[1] ?? 0);
}

function stripAnsi(text) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
