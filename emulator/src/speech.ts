/**
 * Real synthesized speech for the emulated avatar: eSpeak NG compiled to WebAssembly (the
 * `espeak-ng` package), so it runs offline and gives the same samples for the same text.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Mono 16-bit PCM and the moments each word starts, so captions can follow the audio. */
export interface Speech {
  samples: Int16Array;
  /** Samples per second. */
  sampleRate: number;
  /** The text split into pieces (a word with its trailing space) and each one's start in samples. */
  words: { text: string; startSample: number }[];
  /** Length in milliseconds. */
  durationMs: number;
}

/** eSpeak NG's default speed in words per minute; the voice `rate` (default 1) scales it. */
const BASE_WORDS_PER_MINUTE = 175;

/**
 * eSpeak NG runs in a worker thread: one sentence takes 100–200 ms of CPU, which on the emulator's
 * main thread would stall every session's video frames (a real avatar's video never waits for its
 * speech). The worker compiles the 18 MB module once. Its code is plain JavaScript, given as text,
 * so it runs the same from the TypeScript sources and from the built package.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const ready = (async () => {
  const { default: ESpeakNg } = await import(pathToFileURL(workerData.modulePath).href);
  return { ESpeakNg, wasm: await WebAssembly.compile(readFileSync(workerData.wasmPath)) };
})();
parentPort.on('message', async ({ id, args }) => {
  try {
    const { ESpeakNg, wasm } = await ready;
    const espeak = await ESpeakNg({
      arguments: args,
      print: () => undefined,
      printErr: () => undefined,
      instantiateWasm: (imports, done) => {
        WebAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm));
        return {};
      },
    });
    const wav = espeak.FS.readFile('/speech.wav');
    parentPort.postMessage({ id, wav }, [wav.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
`;

let espeakWorker: Worker | undefined;
let nextRequest = 0;
const requests = new Map<number, { resolve: (wav: Uint8Array) => void; reject: (error: Error) => void }>();

/** Runs eSpeak NG with `args` in the worker; resolves with the WAV file it wrote. */
function runEspeak(args: string[]): Promise<Uint8Array> {
  if (!espeakWorker) {
    const require = createRequire(import.meta.url);
    espeakWorker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: require.resolve('espeak-ng'),
        wasmPath: require.resolve('espeak-ng/dist/espeak-ng.wasm'),
      },
    });
    espeakWorker.on('message', ({ id, wav, error }: { id: number; wav?: Uint8Array; error?: string }) => {
      const request = requests.get(id);
      requests.delete(id);
      // An idle worker never keeps the process alive.
      if (requests.size === 0) espeakWorker?.unref();
      if (wav) request?.resolve(wav);
      else request?.reject(new Error(`eSpeak NG failed: ${error}`));
    });
    espeakWorker.on('error', (error: Error) => {
      espeakWorker = undefined;
      for (const request of requests.values()) request.reject(error);
      requests.clear();
    });
  }
  const worker = espeakWorker;
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    requests.set(id, { resolve, reject });
    worker.ref();
    worker.postMessage({ id, args });
  });
}

/** Synthesizes `text` at `rate` × normal speed (contract doc: `voice.rate`, 0.5–1.5 sensible). */
export async function synthesize(text: string, rate = 1, voice = 'en-us'): Promise<Speech> {
  const speed = Math.round(BASE_WORDS_PER_MINUTE * Math.min(3, Math.max(0.3, rate)));
  const wav = await runEspeak(['-v', voice, '-s', String(speed), '-w', '/speech.wav', '--', text]);
  const { samples, sampleRate } = readWav(wav);
  return {
    samples,
    sampleRate,
    words: timeWords(text, samples),
    durationMs: (samples.length / sampleRate) * 1000,
  };
}

function readWav(wav: Uint8Array): { samples: Int16Array; sampleRate: number } {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const sampleRate = view.getUint32(24, true);
  let offset = 12;
  while (offset + 8 <= wav.byteLength) {
    const id = String.fromCharCode(...wav.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      const length = Math.min(size, wav.byteLength - offset - 8) >> 1;
      // A copy that owns its buffer: rtc-node ignores a typed array's byteOffset.
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i++) samples[i] = view.getInt16(offset + 8 + i * 2, true);
      return { samples, sampleRate };
    }
    offset += 8 + size;
  }
  throw new Error('eSpeak NG produced no audio data.');
}

/**
 * Spreads the words over the voiced part of the audio by their length in characters; eSpeak's
 * WAV output has no word marks, and this keeps captions within a word or two of the sound.
 */
function timeWords(text: string, samples: Int16Array): Speech['words'] {
  const pieces = text.match(/\S+\s*/g) ?? [];
  const first = firstLoud(samples, 1);
  const last = firstLoud(samples, -1);
  const span = Math.max(1, last - first);
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0) || 1;
  let before = 0;
  const leading = text.match(/^\s*/)?.[0] ?? '';
  return pieces.map((piece, index) => {
    const startSample = Math.round(first + (span * before) / total);
    before += piece.length;
    return { text: index === 0 ? leading + piece : piece, startSample };
  });
}

function firstLoud(samples: Int16Array, direction: 1 | -1): number {
  const threshold = 500;
  if (direction === 1) {
    for (let i = 0; i < samples.length; i++) if (Math.abs(samples[i]!) > threshold) return i;
    return 0;
  }
  for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]!) > threshold) return i;
  return samples.length;
}
