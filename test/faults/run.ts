/**
 * `npm run test:faults`: the fault matrix. Runs every scenario group and ends with one table and
 * the line "N passed, M failed" (a scenario passes when it leaks nothing and leaves nothing
 * pending or unhandled). Exits non-zero when any scenario failed.
 * `npm run test:faults -- browser` runs only the groups whose name contains "browser" (any case).
 */
import { browserGroup } from './browser.js';
import { emulatorGroup } from './emulator.js';
import { fakesGroup } from './fakes.js';
import { hostileGroup } from './hostile.js';
import { runMatrix } from './matrix.js';
import { networkGroup } from './network.js';
import { renewalGroup } from './renewal.js';

const only = process.argv[2]?.toLowerCase();
const groups = [fakesGroup, emulatorGroup, renewalGroup, hostileGroup, browserGroup, networkGroup].filter(
  (group) => only === undefined || group.name.toLowerCase().includes(only),
);
const { passed, failed } = await runMatrix(groups);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
