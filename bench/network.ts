/**
 * Network profiles: what stands between a page and HeyGen's API and LiveKit. Shopify's toxiproxy
 * sits in front of the emulator's HTTP API and livekit-server's signalling port and delays (and
 * for `mobile` throttles) every connection through it; the emulator's latency control adds the
 * time HeyGen's servers take to create and start a session. WebRTC media flows over UDP straight
 * to livekit-server: no profile delays or throttles it.
 */
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from '../emulator/src/index.js';
import { emulatorControl } from '../test/support/processes.js';
import { startProxiedEmulator } from '../test/support/proxied-emulator.js';
import type { Toxic } from '../test/support/toxiproxy.js';

export type NetworkProfileName = 'local' | 'remote' | 'mobile';

export interface NetworkProfile {
  /** Milliseconds added in each direction to every request and to signalling (0: loopback). */
  oneWayLatencyMs: number;
  /** Download cap in kilobits per second on each connection from the API and signalling, if any. */
  downKbps?: number;
  /**
   * Milliseconds the emulator works on each call of an endpoint before it answers, beyond the
   * network: assumptions, as HeyGen publishes no server timings.
   */
  serverWorkMs: Record<string, number>;
}

/**
 * HeyGen-like server work: `streaming.new` 600 ms (it reserves an avatar worker), `streaming.start`
 * 400 ms (the avatar joins the room). Assumed, not measured: HeyGen's docs give no timings.
 */
const HEYGEN_SERVER_WORK_MS = { '/v1/streaming.new': 600, '/v1/streaming.start': 400 };

export const NETWORK_PROFILES: Record<NetworkProfileName, NetworkProfile> = {
  local: { oneWayLatencyMs: 0, serverWorkMs: {} },
  remote: { oneWayLatencyMs: 60, serverWorkMs: HEYGEN_SERVER_WORK_MS },
  mobile: { oneWayLatencyMs: 150, downKbps: 4_000, serverWorkMs: HEYGEN_SERVER_WORK_MS },
};

export function isNetworkProfileName(name: string): name is NetworkProfileName {
  return Object.hasOwn(NETWORK_PROFILES, name);
}

/** The emulator behind a profile's network. */
export interface ProfiledEmulator {
  emulator: RunningEmulator;
  /** The API base URL clients use: through the proxy unless the profile is `local`. */
  apiUrl: string;
  /** Stops the emulator and the proxy. */
  stop(): Promise<void>;
}

/** Starts the emulator (with its control endpoints) behind `profile`'s network. */
export async function startProfiledEmulator(
  profile: NetworkProfile,
  options: StartEmulatorOptions = {},
): Promise<ProfiledEmulator> {
  if (
    profile.oneWayLatencyMs === 0 &&
    profile.downKbps === undefined &&
    !Object.keys(profile.serverWorkMs).length
  ) {
    const emulator = await startEmulator(options);
    return { emulator, apiUrl: emulator.apiUrl, stop: () => emulator.stop() };
  }
  const proxied = await startProxiedEmulator(options);
  try {
    const toxics: Toxic[] = [
      ...(['upstream', 'downstream'] as const).map(
        (stream): Toxic => ({ type: 'latency', stream, attributes: { latency: profile.oneWayLatencyMs } }),
      ),
      ...(profile.downKbps === undefined
        ? []
        : [{ type: 'bandwidth', stream: 'downstream', attributes: { rate: profile.downKbps / 8 } } as const]),
    ];
    for (const proxy of ['api', 'signal'])
      for (const toxic of toxics) await proxied.toxiproxy.addToxic(proxy, toxic);
    for (const [endpoint, ms] of Object.entries(profile.serverWorkMs))
      await emulatorControl(proxied.emulator.apiUrl, 'latency', { endpoint, ms });
    return proxied;
  } catch (error) {
    await proxied.stop();
    throw error;
  }
}
