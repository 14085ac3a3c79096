/**
 * Shopify's toxiproxy, a TCP proxy whose links can be cut, slowed or throttled over its HTTP API:
 * the network between a page and the emulator. Built with `go install` into the emulator's tools
 * folder the first time (as livekit-server is), or taken from PATH.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import getPort from 'get-port';

export const TOXIPROXY_VERSION = 'v2.12.0';
const TOOLS_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'streaming-avatar-emulator');

/** A running toxiproxy and its proxies. */
export interface Toxiproxy {
  /**
   * Proxies a free 127.0.0.1 port to `upstreamPort`.
   * @returns The port the proxy listens on.
   */
  proxy(name: string, upstreamPort: number): Promise<number>;
  /** Cuts the link (open connections are closed, new ones refused) or restores it. */
  setEnabled(name: string, enabled: boolean): Promise<void>;
  /** Adds a toxic to every connection of the proxy `name`, in one direction. */
  addToxic(name: string, toxic: Toxic): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A toxic, in toxiproxy's terms: `latency` delays each chunk of data by `latency` ms;
 * `bandwidth` caps each connection at `rate` KB/s. `downstream` is from the upstream server to
 * the client (the page), `upstream` the other way.
 */
export type Toxic = { stream: 'upstream' | 'downstream' } & (
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  | { type: 'bandwidth'; attributes: { rate: number } }
);

export async function startToxiproxy(): Promise<Toxiproxy> {
  const binary = findOrBuildToxiproxy();
  const apiPort = await getPort({ host: '127.0.0.1' });
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(apiPort)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const api = `http://127.0.0.1:${apiPort}`;
  await waitUntilServing(api, child);
  const call = async (path: string, body: object) => {
    const response = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`toxiproxy ${path}: HTTP ${response.status} ${await response.text()}`);
  };
  return {
    async proxy(name, upstreamPort) {
      const port = await getPort({ host: '127.0.0.1' });
      await call('/proxies', {
        name,
        listen: `127.0.0.1:${port}`,
        upstream: `127.0.0.1:${upstreamPort}`,
        enabled: true,
      });
      return port;
    },
    setEnabled: (name, enabled) => call(`/proxies/${name}`, { enabled }),
    addToxic: (name, toxic) =>
      call(`/proxies/${name}/toxics`, { ...toxic, name: `${toxic.type}-${toxic.stream}`, toxicity: 1 }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitUntilServing(api: string, child: ChildProcess): Promise<void> {
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`toxiproxy exited (${child.exitCode}):\n${errors}`);
    const answered = await fetch(`${api}/version`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`toxiproxy did not answer within 20 s:\n${errors}`);
}

function findOrBuildToxiproxy(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'toxiproxy-server'))) return join(dir, 'toxiproxy-server');
  }
  const local = join(TOOLS_DIR, `toxiproxy-server-${TOXIPROXY_VERSION}`);
  if (existsSync(local)) return local;
  console.log(`toxiproxy-server not found: building ${TOXIPROXY_VERSION} with go install…`);
  const build = join(TOOLS_DIR, 'toxiproxy-build');
  mkdirSync(build, { recursive: true });
  execFileSync('go', ['install', `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: build },
  });
  renameSync(join(build, 'server'), local);
  return local;
}
