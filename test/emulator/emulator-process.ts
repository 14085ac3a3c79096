import {
  type RunningEmulator as Emulator,
  type StartEmulatorOptions,
  startEmulator,
} from '../../emulator/src/index.js';
import { StreamingApiClient } from '../../src/api/client.js';
import { emulatorControl } from '../support/processes.js';

/** A running emulator with clients for its keys. */
export interface RunningEmulator extends Emulator {
  /** A client with the API-tier key. */
  admin: StreamingApiClient;
  /** A fresh session-token client (one token, one session). */
  sessionClient(apiKey?: string): Promise<StreamingApiClient>;
  control(path: string, body?: object): Promise<unknown>;
}

/**
 * Starts the emulator as its users do (`startEmulator`, the package's own API) with the control
 * endpoints on, and adds the clients the tests call it with.
 */
export async function startEmulatorProcess(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ faults: true, ...options });
  const { apiUrl } = emulator;
  return {
    ...emulator,
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
  };
}
