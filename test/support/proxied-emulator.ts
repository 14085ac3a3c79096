/**
 * The emulator (with its control endpoints) behind toxiproxy: the proxy `api` in front of its
 * HTTP API and `signal` in front of livekit-server's signalling port, which the sessions hand to
 * clients. WebRTC media flows over UDP straight to livekit-server, past the proxy.
 */
import getPort from 'get-port';
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from '../../emulator/src/index.js';
import { startToxiproxy, type Toxiproxy } from './toxiproxy.js';

export interface ProxiedEmulator {
  emulator: RunningEmulator;
  /** The proxies `api` and `signal`: links to cut, slow or throttle. */
  toxiproxy: Toxiproxy;
  /** The API base URL through the proxy. */
  apiUrl: string;
  /** Stops the emulator and the proxy. */
  stop(): Promise<void>;
}

/**
 * Starts toxiproxy, then the emulator (with `options`, its control endpoints on) behind it, on
 * free 127.0.0.1 ports. @throws what starting either throws; the proxy is stopped first.
 */
export async function startProxiedEmulator(options: StartEmulatorOptions = {}): Promise<ProxiedEmulator> {
  const toxiproxy = await startToxiproxy();
  try {
    const [apiPort, livekitPort] = [
      await getPort({ host: '127.0.0.1' }),
      await getPort({ host: '127.0.0.1' }),
    ];
    const signalPort = await toxiproxy.proxy('signal', livekitPort);
    const proxiedApiPort = await toxiproxy.proxy('api', apiPort);
    const emulator = await startEmulator({
      ...options,
      port: apiPort,
      livekitPort,
      livekitClientUrl: `ws://127.0.0.1:${signalPort}`,
      faults: true,
    });
    return {
      emulator,
      toxiproxy,
      apiUrl: `http://127.0.0.1:${proxiedApiPort}`,
      stop: async () => {
        await emulator.stop();
        await toxiproxy.stop();
      },
    };
  } catch (error) {
    await toxiproxy.stop();
    throw error;
  }
}
