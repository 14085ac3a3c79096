import { type ChildProcess, spawn } from 'node:child_process';
import { StreamingApiClient } from '../../src/api/client.js';

/** A running emulator process with clients for its default keys. */
export interface RunningEmulator {
  apiUrl: string;
  livekitUrl: string | undefined;
  /** A client with the API-tier key. */
  admin: StreamingApiClient;
  /** A fresh session-token client (one token, one session). */
  sessionClient(apiKey?: string): Promise<StreamingApiClient>;
  control(path: string, body?: object): Promise<unknown>;
  log: string[];
  stop(): Promise<void>;
}

/** Starts `emulator/main.ts` on free ports, as `npm run emulator` would, and waits for its ready lines. */
export async function startEmulatorProcess(flags: string[] = []): Promise<RunningEmulator> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/main.ts', '--port', '0', '--livekit-port', '0', '--faults', ...flags],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  const urls = await new Promise<{ api: string; livekit: string | undefined }>((resolve, reject) => {
    let api: string | undefined;
    const media = !flags.includes('--no-media');
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${log.join('\n')}`)), 120_000);
    const onLine = (line: string) => {
      log.push(line);
      api ??= line.match(/^API: (\S+)/)?.[1];
      const livekit = line.match(/^LiveKit: (\S+)/)?.[1];
      if (api && (!media || livekit)) {
        clearTimeout(timer);
        resolve({ api, livekit });
      }
    };
    let buffered = '';
    const read = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}):\n${log.join('\n')}`)));
  });
  const admin = new StreamingApiClient({ credentials: { apiKey: 'emulator-api-key' }, baseUrl: urls.api });
  return {
    apiUrl: urls.api,
    livekitUrl: urls.livekit,
    admin,
    log,
    async sessionClient(apiKey = 'emulator-api-key') {
      const keyClient = new StreamingApiClient({ credentials: { apiKey }, baseUrl: urls.api });
      const sessionToken = await keyClient.createSessionToken();
      return new StreamingApiClient({
        credentials: { sessionToken },
        baseUrl: urls.api,
        retry: { maxRetries: 0 },
      });
    },
    async control(path, body) {
      const response = await fetch(`${urls.api}/_emulator/${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return response.json();
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
