import { StreamingApiClient } from '../../src/api/client.js';
import { emulatorControl, spawnUntilReady } from '../support/processes.js';

/** A running emulator process with clients for its default keys. */
export interface RunningEmulator {
  apiUrl: string;
  livekitUrl: string | undefined;
  /** The emulator's process id. */
  pid: number;
  /** Whether the process has exited (it never should while in use). */
  exited(): boolean;
  /** A client with the API-tier key. */
  admin: StreamingApiClient;
  /** A fresh session-token client (one token, one session). */
  sessionClient(apiKey?: string): Promise<StreamingApiClient>;
  control(path: string, body?: object): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts `emulator/main.ts` on free ports, as `npm run emulator` would, and waits for its ready lines. */
export async function startEmulatorProcess(flags: string[] = []): Promise<RunningEmulator> {
  const media = !flags.includes('--no-media');
  const ready = await spawnUntilReady(
    'emulator/main.ts',
    ['--port', '0', '--livekit-port', '0', '--faults', ...flags],
    media ? { api: /^API: (\S+)/m, livekit: /^LiveKit: (\S+)/m } : { api: /^API: (\S+)/m },
  );
  const apiUrl = ready.found.api!;
  return {
    apiUrl,
    pid: ready.child.pid!,
    exited: () => ready.child.exitCode !== null || ready.child.signalCode !== null,
    livekitUrl: ready.found.livekit,
    admin: new StreamingApiClient({ credentials: { apiKey: 'emulator-api-key' }, baseUrl: apiUrl }),
    async sessionClient(apiKey = 'emulator-api-key') {
      const keyClient = new StreamingApiClient({ credentials: { apiKey }, baseUrl: apiUrl });
      const sessionToken = await keyClient.createSessionToken();
      return new StreamingApiClient({
        credentials: { sessionToken },
        baseUrl: apiUrl,
        retry: { maxRetries: 0 },
      });
    },
    control: (path, body) => emulatorControl(apiUrl, path, body),
    stop: ready.stop,
  };
}
