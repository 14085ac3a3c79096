/**
 * The emulator's REST side under load: 100 sessions open in `--no-media` mode, then `keep_alive`
 * for all of them from 100 concurrent connections for `seconds` seconds (autocannon, which costs
 * the measuring process far less than a client per request would), and the emulator's CPU per
 * request read from /proc.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startEmulator } from '../emulator/src/index.js';
import { StreamingApiClient } from '../src/api/client.js';

export interface RestLoadFigures {
  /**
   * `keep_alive` latency in milliseconds over the run. autocannon's histogram has no p95 bucket;
   * p97.5 bounds it from above, so the p95 target is checked against p97.5.
   */
  latencyMs: { median: number; p97_5: number; p99: number };
  /** Answered `keep_alive` requests per second. */
  requestsPerSecond: number;
  /** Emulator CPU time per request, in milliseconds. */
  cpuMsPerRequest: number;
  /** Answers other than 200 (should be 0). */
  errors: number;
}

const SESSIONS = 100;
const CLOCK_TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export async function measureRestLoad(
  seconds = 10,
  log: (line: string) => void = () => undefined,
): Promise<RestLoadFigures> {
  const emulator = await startEmulator({ media: false });
  try {
    const admin = new StreamingApiClient({
      credentials: { apiKey: 'emulator-api-key' },
      baseUrl: emulator.apiUrl,
    });
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { session_id: id } = await admin.newSession({});
      await admin.startSession(id);
      ids.push(id);
    }
    let next = 0;
    const cpuBefore = cpuSeconds(emulator.pid);
    const result = await autocannon({
      url: `${emulator.apiUrl}/v1/streaming.keep_alive`,
      connections: SESSIONS,
      duration: seconds,
      method: 'POST',
      headers: { 'x-api-key': 'emulator-api-key', 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ session_id: ids[next++ % SESSIONS] }),
          }),
        },
      ],
    });
    const cpu = cpuSeconds(emulator.pid) - cpuBefore;
    await Promise.all(ids.map((id) => admin.stopSession(id)));
    const answered = result.requests.total;
    log(`rest load: ${answered} keep-alives in ${seconds} s across ${SESSIONS} --no-media sessions`);
    return {
      latencyMs: { median: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
      requestsPerSecond: answered / seconds,
      cpuMsPerRequest: (cpu * 1000) / answered,
      errors: result.non2xx + result.errors,
    };
  } finally {
    await emulator.stop();
  }
}
