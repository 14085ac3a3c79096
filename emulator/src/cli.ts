#!/usr/bin/env node
/**
 * `streaming-avatar-emulator`: a local HeyGen Streaming API (and LiveAvatar's API) with a real
 * LiveKit server and a talking avatar. Run with --help for the flags.
 */
import './rtc-log-level.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_KEYS, DEFAULT_LIVEAVATAR_KEYS, type KeyConfig } from './accounts.js';
import { serveEmulator } from './emulator.js';
import { RECOGNISER_ADVICE, recogniserAvailable } from './recogniser.js';
import { exitOnStop } from './shutdown.js';

const HELP = `Usage: streaming-avatar-emulator [options]

A local, offline HeyGen Streaming API, and LiveAvatar's API beside it (under /liveavatar): the
same endpoints, envelopes and error codes, a real livekit-server and an avatar that speaks
(eSpeak NG) on a chroma-green background, and hears (pocketsphinx) in voice chat.

Options:
  --port N                API port on 127.0.0.1 (default 8787; 0 picks a free port)
  --livekit-port N        livekit-server port (default 7880; 0 picks a free port)
  --livekit-client-url U  the LiveKit URL given to clients (a proxy in front of livekit-server)
  --no-media              no LiveKit room or avatar media: REST, sessions and ledger only (load tests)
  --faults                enable the /_emulator/ control endpoints (fault injection, ledger, sessions)
  --rate-limit N          answer 429 with Retry-After past N requests per second per key (default off)
  --session-duration N    cap sessions at N seconds (default: the key tier's; trial 600)
  --time-scale N          run HeyGen sessions' idle timeout, duration limit and billing N times
                          faster than real time (default 1; for tests)
  --keys FILE             JSON {"<api key>": {"tier": "trial"|"api", "credits": N}} (default below)
  --liveavatar-keys FILE  JSON {"<LiveAvatar api key>": <credits>} (default below)
  --allow-origin ORIGIN   also serve pages of ORIGIN (repeatable; default: 127.0.0.1 and localhost only)
  --quiet                 print only the ready lines
  --help                  this text

Default keys: ${Object.entries(DEFAULT_KEYS)
  .map(([key, config]) => `${key} (${config.tier}, ${config.credits} credits)`)
  .join(', ')}
LiveAvatar key: ${Object.entries(DEFAULT_LIVEAVATAR_KEYS)
  .map(([key, credits]) => `${key} (${credits} credits)`)
  .join(', ')}

When ready it prints one line per URL:
  API: http://127.0.0.1:8787
  LiveKit: ws://127.0.0.1:7880
  LiveAvatar API: http://127.0.0.1:8787/liveavatar
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    'livekit-port': { type: 'string', default: '7880' },
    'livekit-client-url': { type: 'string' },
    'no-media': { type: 'boolean', default: false },
    faults: { type: 'boolean', default: false },
    'rate-limit': { type: 'string' },
    'session-duration': { type: 'string' },
    'time-scale': { type: 'string' },
    keys: { type: 'string' },
    'liveavatar-keys': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const quiet = values.quiet;
const log = (line: string) => {
  if (!quiet) console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
};

const emulator = await serveEmulator({
  port: whole(values.port, '--port'),
  livekitPort: whole(values['livekit-port'], '--livekit-port'),
  media: !values['no-media'],
  ...(values['livekit-client-url'] === undefined ? {} : { livekitClientUrl: values['livekit-client-url'] }),
  faults: values.faults,
  allowedOrigins: values['allow-origin'],
  ...(values['rate-limit'] === undefined
    ? {}
    : { rateLimitPerSecond: whole(values['rate-limit'], '--rate-limit') }),
  ...(values['session-duration'] === undefined
    ? {}
    : { sessionDurationSeconds: whole(values['session-duration'], '--session-duration') }),
  ...(values['time-scale'] === undefined
    ? {}
    : { timeScale: positive(values['time-scale'], '--time-scale') }),
  ...(values.keys === undefined ? {} : { keys: jsonFile<Record<string, KeyConfig>>(values.keys, '--keys') }),
  ...(values['liveavatar-keys'] === undefined
    ? {}
    : {
        liveAvatarKeys: jsonFile<Record<string, number>>(values['liveavatar-keys'], '--liveavatar-keys'),
      }),
  log,
}).catch((error: unknown) => {
  console.error(`The emulator could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

console.log(`API: ${emulator.apiUrl}`);
if (emulator.livekitUrl) console.log(`LiveKit: ${emulator.livekitUrl}`);
console.log(`LiveAvatar API: ${emulator.liveAvatarUrl}`);
if (emulator.livekitUrl && !recogniserAvailable()) console.warn(RECOGNISER_ADVICE);

exitOnStop(() => log('stopping: closing sessions and livekit-server'), [() => emulator.close()]);

function whole(value: string | undefined, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    console.error(`${flag} takes a whole number, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return number;
}

function positive(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    console.error(`${flag} takes a number above 0, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return number;
}

function jsonFile<T>(path: string, flag: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    console.error(`${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
