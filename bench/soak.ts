/**
 * `npm run bench -- --soak MINUTES`: an always-on avatar for MINUTES minutes on 60-second sessions
 * (the emulator's cap), renewed 20 s before each end, voice chat listening and a sentence spoken
 * every 15 s. Per renewal: the largest gap between presented frames across the handoff (target:
 * median ≤ 100 ms, worst ≤ 200 ms; issue 21), the darkest frame, the overlap, and the same gap
 * away from handoffs (the machine's baseline, sampled once a minute); once a minute after
 * a forced garbage collection: the JS heap, event listeners, DOM nodes and pending timers (flat);
 * at the end: the meter's credits against the emulator's ledger, and sessions left active (zero).
 */
import { fakeMicrophoneFlags, silentWav } from '../test/support/fake-microphone.js';
import { openBenchBrowser } from './bench-browser.js';
import type { SoakSample } from './page/soak.js';

/** Each session's cap in seconds, and how long before it each is renewed. */
export const SOAK_SESSION_SECONDS = 60;
const RENEW_BEFORE_END_SECONDS = 20;

/** One minute's sample. */
export interface SoakRow {
  minute: number;
  renewals: number;
  heapBytes: number;
  listeners: number;
  nodes: number;
  timers: number;
}

export interface SoakFigures {
  rows: SoakRow[];
  last: SoakSample;
  /** Credits the emulator's ledger charged, and the page's meter showed, for the whole run. */
  ledgerCredits: number;
  meterCredits: number;
  /** Sessions still active at the emulator after the stop. */
  leftActive: number;
}

export async function measureSoak(
  avatarId: string,
  minutes: number,
  progress: (line: string) => void,
): Promise<SoakFigures> {
  const { emulator, page, devtools, metrics, close } = await openBenchBrowser(
    {
      keys: { 'emulator-api-key': { tier: 'api', credits: 10_000 } },
      sessionDurationSeconds: SOAK_SESSION_SECONDS,
      faults: true,
    },
    fakeMicrophoneFlags(silentWav(30)),
  );
  const control = async (path: string) =>
    (await (await fetch(`${emulator.apiUrl}/_emulator/${path}`)).json()) as unknown;
  const usedCredits = async () =>
    ((await control('ledger')) as { api_key: string; used_credits: number }[]).find(
      (row) => row.api_key === 'emulator-api-key',
    )!.used_credits;
  try {
    const ledgerBefore = await usedCredits();
    await page.evaluate(([base, avatar, before]) => window.bench.soakStart(base, avatar, before), [
      emulator.apiUrl,
      avatarId,
      RENEW_BEFORE_END_SECONDS,
    ] as const);
    const rows: SoakRow[] = [];
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      await devtools.send('HeapProfiler.collectGarbage');
      const measured = await metrics();
      const sample = await page.evaluate(() => window.bench.soakSample());
      const row: SoakRow = {
        minute,
        renewals: sample.renewals.length,
        heapBytes: measured.get('JSHeapUsedSize') ?? Number.NaN,
        listeners: measured.get('JSEventListeners') ?? Number.NaN,
        nodes: measured.get('Nodes') ?? Number.NaN,
        timers: sample.timers,
      };
      rows.push(row);
      progress(
        `soak minute ${minute}/${minutes}: ${row.renewals} renewals, heap ${(row.heapBytes / 1e6).toFixed(1)} MB, ` +
          `${row.listeners} listeners, ${row.nodes} nodes, ${row.timers} timers, ${sample.state}`,
      );
    }
    const last = await page.evaluate(() => window.bench.soakSample());
    const meterCredits = await page.evaluate(() => window.bench.soakStop());
    // The ledger charges a session once the stop is confirmed: the page's stop resolved after it.
    const ledgerCredits = (await usedCredits()) - ledgerBefore;
    const sessions = (await control('sessions')) as { active: unknown[] };
    return { rows, last, ledgerCredits, meterCredits, leftActive: sessions.active.length };
  } finally {
    await close();
  }
}
