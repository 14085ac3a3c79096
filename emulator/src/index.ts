/**
 * Start the emulator from a test or a script: `startEmulator()` runs the CLI in a child process on
 * free 127.0.0.1 ports, waits for its ready lines and returns its URLs and a `stop()`. The media
 * work (livekit-server, the avatar's frames and speech) runs in that process, off the caller's
 * event loop, and the native LiveKit module never loads into the caller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyConfig } from './accounts.js';

export { DEFAULT_KEYS, DEFAULT_LIVEAVATAR_KEYS, type KeyConfig, type Tier } from './accounts.js';
export { SANDBOX_AVATAR_ID } from './contract.js';

export interface StartEmulatorOptions {
  /** API port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** livekit-server port; 0 (the default) picks a free one. */
  livekitPort?: number;
  /**
   * The LiveKit URL the APIs give clients (`streaming.new`'s `url`, LiveAvatar's `livekit_url`),
   * when a proxy stands in front of livekit-server's port (default: livekit-server's own URL).
   */
  livekitClientUrl?: string;
  /** A real LiveKit room and a talking avatar (default true); false serves REST, sessions and credits only. */
  media?: boolean;
  /** The `/_emulator/` control endpoints: fault injection, the ledger, the sessions (default false). */
  faults?: boolean;
  /** Requests per second per key before a 429 with `Retry-After` (default: no limit). */
  rateLimitPerSecond?: number;
  /** Session length cap in seconds, overriding the key tier's (trial keys: 600 s). */
  sessionDurationSeconds?: number;
  /**
   * How many times faster than real time HeyGen sessions' clocks run (default 1): their idle
   * timeout, duration limit and billed time. At 10, a 30-second idle timeout ends a session after
   * 3 real seconds, billed as 30 seconds. For tests of timeouts without waiting them out.
   */
  timeScale?: number;
  /** HeyGen API keys with their tier and starting credits (default {@link DEFAULT_KEYS}). */
  keys?: Record<string, KeyConfig>;
  /** LiveAvatar API keys with their starting credits (default {@link DEFAULT_LIVEAVATAR_KEYS}). */
  liveAvatarKeys?: Record<string, number>;
  /**
   * Origins (`https://app.example`) whose pages may call the emulator besides loopback ones
   * (`http://127.0.0.1:*`, `http://localhost:*`, the default and only set). Requests whose
   * `Host` is not loopback are always refused.
   */
  allowedOrigins?: readonly string[];
  /** Receives the emulator's request log, one line at a time; without it the emulator runs quiet. */
  onLog?: (line: string) => void;
  /**
   * How long to wait for the ready lines, in milliseconds (default 240,000: the first run on a
   * machine without livekit-server builds it with Go).
   */
  readyTimeoutMs?: number;
}

export interface RunningEmulator {
  /** The HeyGen Streaming API's base URL, e.g. `http://127.0.0.1:8787`. */
  apiUrl: string;
  /** LiveAvatar's API base URL, e.g. `http://127.0.0.1:8787/liveavatar`. */
  liveAvatarUrl: string;
  /** livekit-server's WebSocket URL; undefined when `media` is false. */
  livekitUrl: string | undefined;
  /** The emulator process's id. */
  pid: number;
  /** Whether the emulator process is still running (it only stops on `stop()`, or when it fails). */
  running(): boolean;
  /** Closes every session, stops livekit-server and ends the process; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The emulator did not print its ready lines: it exited, or took longer than `readyTimeoutMs`. */
export class EmulatorStartError extends Error {
  override name = 'EmulatorStartError';
  constructor(
    message: string,
    /** Everything the emulator printed before it failed. */
    readonly output: string,
  ) {
    super(`${message}\n${output}`);
  }
}

const READY = {
  api: /^API: (\S+)$/m,
  livekit: /^LiveKit: (\S+)$/m,
  liveAvatar: /^LiveAvatar API: (\S+)$/m,
};

/**
 * Starts the emulator in a child process and resolves once it serves requests.
 * @throws {EmulatorStartError} when it exits before it is ready or is not ready within `readyTimeoutMs`.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const media = options.media !== false;
  const config = mkdtempSync(join(tmpdir(), 'avatar-emulator-'));
  const args = [
    ...['--port', String(options.port ?? 0), '--livekit-port', String(options.livekitPort ?? 0)],
    ...(media ? [] : ['--no-media']),
    ...(options.livekitClientUrl ? ['--livekit-client-url', options.livekitClientUrl] : []),
    ...(options.faults ? ['--faults'] : []),
    ...(options.onLog ? [] : ['--quiet']),
    ...(options.rateLimitPerSecond === undefined ? [] : ['--rate-limit', String(options.rateLimitPerSecond)]),
    ...(options.sessionDurationSeconds === undefined
      ? []
      : ['--session-duration', String(options.sessionDurationSeconds)]),
    ...(options.timeScale === undefined ? [] : ['--time-scale', String(options.timeScale)]),
    ...(options.allowedOrigins ?? []).flatMap((origin) => ['--allow-origin', origin]),
    ...jsonFileFlag('--keys', join(config, 'keys.json'), options.keys),
    ...jsonFileFlag('--liveavatar-keys', join(config, 'liveavatar-keys.json'), options.liveAvatarKeys),
  ];
  const child = spawn(process.execPath, [...cliEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const found = await untilReady(child, media, options);
    return {
      apiUrl: found.api,
      liveAvatarUrl: found.liveAvatar,
      livekitUrl: found.livekit,
      pid: child.pid ?? 0,
      running: () => child.exitCode === null && child.signalCode === null,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

/**
 * The CLI's command line after `node`: the compiled `cli.js` in the package; this repository's
 * own tests run the TypeScript source through tsx (one of the repository's dev dependencies).
 */
function cliEntry(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const cli = fileURLToPath(new URL(fromSource ? './cli.ts' : './cli.js', import.meta.url));
  return fromSource ? ['--import', 'tsx', cli] : [cli];
}

function jsonFileFlag(flag: string, path: string, value: object | undefined): string[] {
  if (value === undefined) return [];
  writeFileSync(path, JSON.stringify(value));
  return [flag, path];
}

function untilReady(
  child: ChildProcess,
  media: boolean,
  options: StartEmulatorOptions,
): Promise<{ api: string; liveAvatar: string; livekit: string | undefined }> {
  const timeoutMs = options.readyTimeoutMs ?? 240_000;
  let output = '';
  let pending = '';
  let ready = false;
  // Read for as long as the process runs (a full pipe would stall it); kept only until ready.
  const forward = (chunk: Buffer) => {
    if (!ready) output += chunk;
    if (!ready || !options.onLog) return;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLog(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new EmulatorStartError(`The emulator was not ready within ${timeoutMs} ms.`, output)),
      timeoutMs,
    );
    const check = () => {
      const api = output.match(READY.api)?.[1];
      const liveAvatar = output.match(READY.liveAvatar)?.[1];
      const livekit = output.match(READY.livekit)?.[1];
      if (!api || !liveAvatar || (media && !livekit)) return;
      ready = true;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', exited);
      resolve({ api, liveAvatar, livekit });
    };
    const exited = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new EmulatorStartError(`The emulator exited (${signal ?? code}) before it was ready.`, output));
    };
    child.stdout?.on('data', check);
    child.once('exit', exited);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
