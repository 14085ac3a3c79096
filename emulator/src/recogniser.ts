/**
 * The offline speech recogniser behind the avatar's ears: one Debian `pocketsphinx` process per
 * listening avatar, reading 16 kHz mono samples and printing the words it hears, line by line.
 * Loading its model takes most of a core for about a second, so a listener that stops leaves one
 * loaded process ready for the next (a kiosk's next session starts listening while the current
 * one still plays, on the same machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** The recogniser binary (Debian `pocketsphinx`; the model is `pocketsphinx-en-us`). */
const POCKETSPHINX_PATH = process.env.POCKETSPHINX_PATH ?? '/usr/bin/pocketsphinx_continuous';

/** Where Debian's `pocketsphinx-en-us` puts the acoustic model the recogniser loads by default. */
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';

/**
 * Silent 10 ms frames after which the recogniser closes a segment and prints its words: 200 ms, a
 * pause between phrases, so words arrive while a long turn goes on (its default is 500 ms).
 */
const SEGMENT_PAUSE_FRAMES = 20;

/** Whether the recogniser and its model are installed; without them, voice input is not available. */
export function recogniserAvailable(): boolean {
  return (
    existsSync(POCKETSPHINX_PATH) &&
    (process.env.POCKETSPHINX_PATH !== undefined || existsSync(POCKETSPHINX_MODEL))
  );
}

/** What to install for voice input, said when it is missing. */
export const RECOGNISER_ADVICE =
  'Voice input is off: the avatar needs an offline recogniser to hear users. On Debian or Ubuntu: ' +
  'apt-get install pocketsphinx pocketsphinx-en-us (npm start and npm test install them when run as root).';

/** One recogniser process. Its word times count from the first sample written to it. */
export class Recogniser {
  readonly #process: ChildProcess;
  #onLine: (line: string) => void = () => undefined;
  #running = true;

  constructor() {
    // Node's stdio "pipes" are sockets, which the recogniser cannot open as a file: `cat` hands it a
    // real pipe. `stdbuf -oL`: its stdout is a pipe too, which C buffers in blocks; each line must
    // come at once. The path goes in as "$0", never through the shell's parser. `-time yes` adds
    // each segment's word times, which say how far into the audio the recogniser has got.
    // `nice`: it shares the machine with the avatars' rendering and the browser's decoding; audio
    // waits in the pipe.
    this.#process = spawn(
      'sh',
      [
        '-c',
        `cat | exec nice -n 10 stdbuf -oL "$0" -infile /dev/stdin -logfn /dev/null -time yes -vad_postspeech ${SEGMENT_PAUSE_FRAMES}`,
        POCKETSPHINX_PATH,
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.#process.stdin?.on('error', () => undefined);
    createInterface({ input: this.#process.stdout! })
      .on('line', (line) => this.#onLine(line.trim()))
      .on('close', () => {
        this.#running = false;
      });
  }

  /** Sets who hears its lines: each a segment's words, or (`-time yes`) one word with its times. */
  onLine(handler: (line: string) => void): void {
    this.#onLine = handler;
  }

  /** Whether the recogniser still runs (its output is still open: the shell before it may outlive it). */
  get running(): boolean {
    return this.#running;
  }

  /** Writes 16 kHz mono samples. */
  write(samples: Int16Array): void {
    this.#process.stdin?.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  }

  close(): void {
    this.#process.stdin?.end();
    this.#process.kill();
  }
}

let spare: Recogniser | undefined;
let keepSpare = true;

/** A recogniser for a new listener: the loaded spare when there is one still running, else a new process. */
export function takeRecogniser(): Recogniser {
  const ready = spare;
  spare = undefined;
  if (ready?.running) return ready;
  ready?.close();
  return new Recogniser();
}

/**
 * Ends a listener's recogniser and, when no spare is loaded, starts loading the next listener's:
 * a kiosk's old session stops after the handoff, so its successor's successor finds one ready.
 */
export function releaseRecogniser(recogniser: Recogniser): void {
  recogniser.close();
  if (keepSpare && !spare?.running) spare = new Recogniser();
}

/**
 * The emulator is closing: ends the loaded spare, and the listeners it closes load no other (each
 * would load a model only to be killed as the process exits).
 */
export function stopKeepingSpareRecogniser(): void {
  keepSpare = false;
  spare?.close();
  spare = undefined;
}

process.once('exit', () => spare?.close());
