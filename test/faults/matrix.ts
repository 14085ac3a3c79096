/**
 * The fault matrix: scenarios in groups, each reporting what it created and what it left behind,
 * and one table at the end. Every column but the first two must be 0.
 */

/** What one scenario left behind. */
export interface Outcome {
  /** Sessions the scenario caused to be created. */
  created: number;
  /** Of those, sessions still active once the scenario settled. */
  leftActive: number;
  /** Promises of the public API (start, stop, speak's `done`, …) still unsettled at the end. */
  pending: number;
  /** Processes under test (emulator, token endpoint) that exited. */
  exits?: number;
  /** Unhandled rejections seen outside this process (in the page). */
  remoteUnhandled?: number;
}

export interface Scenario {
  name: string;
  run(): Promise<Outcome>;
}

export interface Group {
  name: string;
  scenarios: Scenario[];
  /** Sets up what the scenarios share (an emulator, a browser); returns its teardown. */
  setUp?(): Promise<() => Promise<void>>;
}

/** Counts promises and tells which are still unsettled. */
export class PromiseTracker {
  private readonly unsettled = new Set<Promise<unknown>>();

  /** Follows `promise` (its rejection is handled here) and returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.unsettled.add(promise);
    promise.then(
      () => this.unsettled.delete(promise),
      () => this.unsettled.delete(promise),
    );
    return promise;
  }

  get pending(): number {
    return this.unsettled.size;
  }
}

/** Waits `ms` milliseconds of real time. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await pause(50);
  }
}

interface Row {
  group: string;
  scenarios: number;
  created: number;
  leftActive: number;
  unhandled: number;
  exits: number;
  pending: number;
  failures: string[];
}

function emptyRow(group: string): Row {
  return { group, scenarios: 0, created: 0, leftActive: 0, unhandled: 0, exits: 0, pending: 0, failures: [] };
}

/** Runs every group and prints the table; resolves with the counts of passed and failed scenarios. */
export async function runMatrix(groups: Group[]): Promise<{ passed: number; failed: number }> {
  let unhandled = 0;
  const countUnhandled = () => {
    unhandled += 1;
  };
  process.on('unhandledRejection', countUnhandled);
  const rows: Row[] = [];
  let passed = 0;
  let failed = 0;
  for (const group of groups) {
    const row = emptyRow(group.name);
    let tearDown: (() => Promise<void>) | undefined;
    try {
      tearDown = await group.setUp?.();
    } catch (error) {
      row.failures.push(`setup: ${String(error)}`);
      failed += group.scenarios.length;
      rows.push(row);
      continue;
    }
    for (const scenario of group.scenarios) {
      const before = unhandled;
      row.scenarios += 1;
      let outcome: Outcome | undefined;
      try {
        outcome = await scenario.run();
      } catch (error) {
        row.failures.push(`${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Give late rejections a moment to surface against the scenario that caused them.
      await pause(20);
      const localUnhandled = unhandled - before;
      const remoteUnhandled = outcome?.remoteUnhandled ?? 0;
      row.unhandled += localUnhandled + remoteUnhandled;
      if (outcome) {
        row.created += outcome.created;
        row.leftActive += outcome.leftActive;
        row.exits += outcome.exits ?? 0;
        row.pending += outcome.pending;
      }
      const clean =
        outcome !== undefined &&
        outcome.leftActive === 0 &&
        outcome.pending === 0 &&
        (outcome.exits ?? 0) === 0 &&
        localUnhandled + remoteUnhandled === 0;
      if (clean) passed += 1;
      else {
        failed += 1;
        if (outcome) row.failures.push(`${scenario.name}: ${JSON.stringify({ ...outcome, localUnhandled })}`);
      }
      console.log(`${clean ? 'ok  ' : 'FAIL'} ${group.name} / ${scenario.name}`);
    }
    await tearDown?.();
    rows.push(row);
  }
  process.off('unhandledRejection', countUnhandled);
  printTable(rows);
  return { passed, failed };
}

function printTable(rows: Row[]): void {
  const header = [
    'group',
    'scenarios tried',
    'sessions created',
    'left active',
    'unhandled rejections',
    'process exits',
    'promises pending',
  ];
  const total = emptyRow('total');
  for (const row of rows) {
    total.scenarios += row.scenarios;
    total.created += row.created;
    total.leftActive += row.leftActive;
    total.unhandled += row.unhandled;
    total.exits += row.exits;
    total.pending += row.pending;
  }
  const lines = [...rows, total].map((row) => [
    row.group,
    String(row.scenarios),
    String(row.created),
    String(row.leftActive),
    String(row.unhandled),
    String(row.exits),
    String(row.pending),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  console.log('\nFault matrix');
  console.log(format(header));
  console.log(
    `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const line of lines) console.log(format(line));
  for (const row of rows) for (const failure of row.failures) console.log(`  ${row.group}: ${failure}`);
}
