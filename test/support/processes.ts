import { type ChildProcess, spawn } from 'node:child_process';

/** A child process started by {@link spawnUntilReady}, with what its ready lines captured. */
export interface ReadyProcess {
  child: ChildProcess;
  /** The first capture group of each pattern, by name. */
  found: Record<string, string>;
  /** Everything it printed so far. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point (through tsx) and resolves once every pattern has matched its
 * output; rejects with that output when it exits first or takes longer than `timeoutMs`.
 */
export function spawnUntilReady(
  entry: string,
  args: string[],
  patterns: Record<string, RegExp>,
  timeoutMs = 240_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReadyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const output: string[] = [];
  const found: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} did not get ready:\n${output.join('')}`)),
      timeoutMs,
    );
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = output.join('');
      for (const [name, pattern] of Object.entries(patterns)) {
        const match = text.match(pattern)?.[1];
        if (match !== undefined) found[name] = match;
      }
      if (Object.keys(found).length === Object.keys(patterns).length) {
        clearTimeout(timer);
        resolve({ child, found, output, stop: () => stopChild(child) });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}):\n${output.join('')}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Calls an emulator control endpoint (`/_emulator/…`): POST with a body, GET without. */
export async function emulatorControl(apiUrl: string, path: string, body?: object): Promise<unknown> {
  const response = await fetch(`${apiUrl}/_emulator/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return response.json();
}
