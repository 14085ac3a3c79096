/**
 * Finds, builds when needed, configures and runs a loopback-only `livekit-server` for the
 * emulator. The binary is looked up on PATH, then in the user's cache
 * (`~/.cache/streaming-avatar-emulator/`); when missing and Go is present it is built there with
 * `go install` (a few minutes the first time).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import getPort from 'get-port';

/** The livekit-server release built when none is installed (v1.13.2–v1.13.5 install cleanly with Go). */
export const LIVEKIT_SERVER_VERSION = 'v1.13.5';

const TOOLS_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'streaming-avatar-emulator');

/** A running livekit-server. */
export interface LiveKitServer {
  /** WebSocket URL for clients, e.g. `ws://127.0.0.1:7880`. */
  wsUrl: string;
  /** HTTP URL for the server API. */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  stop(): Promise<void>;
}

/** Options of {@link startLiveKitServer}. Ports 0 pick free ones. */
export interface LiveKitServerOptions {
  port?: number;
  log?: (line: string) => void;
}

/** Returns the path of a livekit-server binary, building it when Go is available. @throws {Error} with install advice. */
export function findOrBuildLiveKitServer(log: (line: string) => void = console.log): string {
  const found = findLiveKitServer();
  if (found) return found;
  if (!commandExists('go')) {
    throw new Error(
      `livekit-server was not found on PATH or in ${TOOLS_DIR}. Install it with one of:\n` +
        '  brew install livekit\n' +
        '  curl -sSL https://get.livekit.io | bash\n' +
        `  go install github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION} (then put it on PATH as livekit-server)`,
    );
  }
  log(
    `livekit-server not found: building ${LIVEKIT_SERVER_VERSION} with go install (a few minutes the first time)…`,
  );
  mkdirSync(TOOLS_DIR, { recursive: true });
  execFileSync('go', ['install', `github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: TOOLS_DIR },
  });
  const target = join(TOOLS_DIR, 'livekit-server');
  renameSync(join(TOOLS_DIR, 'server'), target);
  log(`livekit-server built at ${target}`);
  return target;
}

function findLiveKitServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'livekit-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  const local = join(TOOLS_DIR, 'livekit-server');
  return existsSync(local) ? local : undefined;
}

function commandExists(command: string): boolean {
  try {
    execFileSync(command, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A participant's data channels closing as it leaves: livekit-server logs each at warn ("error
 * reading data channel … User Initiated Abort: Close called"), three at every session's stop.
 */
const ROUTINE_CLOSE_WARNING = /error reading data channel.*User Initiated Abort/;

/** Starts livekit-server on loopback with a config written for this run; resolves once it answers. */
export async function startLiveKitServer(options: LiveKitServerOptions = {}): Promise<LiveKitServer> {
  const log = options.log ?? (() => undefined);
  const binary = findOrBuildLiveKitServer(log);
  const [port, udpPort] = await Promise.all([
    options.port ? Promise.resolve(options.port) : getPort({ host: '127.0.0.1' }),
    getPort({ host: '127.0.0.1' }),
  ]);
  const apiKey = 'emulator';
  const apiSecret = 'emulator-secret-at-least-32-characters';
  const dir = mkdtempSync(join(tmpdir(), 'avatar-emulator-livekit-'));
  const configPath = join(dir, 'livekit.yaml');
  writeFileSync(
    configPath,
    [
      `port: ${port}`,
      'bind_addresses: ["127.0.0.1"]',
      `keys: { ${apiKey}: ${apiSecret} }`,
      'logging: { level: warn }',
      'rtc:',
      `  udp_port: ${udpPort}`,
      // No tcp_port: livekit-server binds ICE over TCP on every interface, with no setting to
      // narrow it; loopback UDP needs no TCP fallback.
      '  tcp_port: 0',
      '  node_ip: 127.0.0.1',
      '  use_external_ip: false',
      '  enable_loopback_candidate: true',
      '  ips: { includes: ["127.0.0.1/32"] }',
      // Any non-empty list stops the public STUN servers being offered to clients.
      '  stun_servers: ["127.0.0.1:3478"]',
      // A viewer that subscribes within LiveKit's default 500 ms of the track's first keyframe
      // request waited out the rest for its first frame (~600 ms in 2 of 14 starts measured).
      // Keyframes are cheap on loopback; starts stay steady.
      '  pli_throttle: { low_quality: 100ms, mid_quality: 100ms, high_quality: 100ms }',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Never outlive this process, however it ends (a forced exit skips the graceful stop).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  for (const output of [child.stdout, child.stderr]) {
    createInterface({ input: output! }).on('line', (line) => {
      if (!ROUTINE_CLOSE_WARNING.test(line)) log(`livekit-server: ${line}`);
    });
  }
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(httpUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl,
    apiKey,
    apiSecret,
    stop: () => stopProcess(child).finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}

async function waitUntilReady(httpUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`livekit-server exited with code ${child.exitCode} while starting.`);
    try {
      const response = await fetch(httpUrl);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`livekit-server did not answer at ${httpUrl} within 10 s.`);
}

/** SIGTERM drains participants in 5-second steps; a second signal ends it at once. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGTERM'), 200).unref();
  });
}
