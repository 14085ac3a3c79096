/**
 * The emulated avatar's ears: the user's microphone audio (16 kHz mono, from the LiveKit room)
 * goes through an energy voice-activity detector, which times the turn (`user_start`,
 * `user_stop`), and into an offline recogniser, Debian's `pocketsphinx` with its US English model,
 * which gives the turn's words. Push-to-talk gates the audio: only what is said while the key is
 * held counts, and releasing it ends the turn at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Samples per second the detector and the recogniser take. */
export const VOICE_SAMPLE_RATE = 16_000;
/** One detector frame: 10 ms. */
const FRAME_SAMPLES = VOICE_SAMPLE_RATE / 100;
/** RMS of a voiced frame (of 32,768): about −40 dBFS, well above a quiet room after noise suppression. */
const VOICED_RMS = 330;
/**
 * Voiced frames in a row that start a turn (50 ms), and silent ones that end it (1 s: a shorter
 * pause split sentences on a loaded machine, where received audio has gaps).
 */
const START_FRAMES = 5;
const END_FRAMES = 100;
/** Silence fed to the recogniser after a turn, so it finalises at once (pocketsphinx waits for a pause). */
const FLUSH_SAMPLES = VOICE_SAMPLE_RATE;
/** How long a finished turn waits for the recogniser's words before it counts as unheard, in milliseconds. */
const TRANSCRIPT_TIMEOUT_MS = 5000;
/**
 * When the recogniser already gave words during the turn's trailing silence, how long to wait for
 * more before the turn's transcript is final, in milliseconds.
 */
const MORE_WORDS_GRACE_MS = 300;

/** The recogniser binary (Debian `pocketsphinx`; the model is `pocketsphinx-en-us`). */
export const POCKETSPHINX_PATH = process.env.POCKETSPHINX_PATH ?? '/usr/bin/pocketsphinx_continuous';

/** Where Debian's `pocketsphinx-en-us` puts the acoustic model the recogniser loads by default. */
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';

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
  'apt-get install pocketsphinx pocketsphinx-en-us (npm test installs them when run as root).';

/** What a listener hears of the user. */
export interface VoiceInputHandlers {
  /** The user started speaking (the detector heard 50 ms of voice). */
  speechStarted(): void;
  /** The user stopped speaking (1 s of silence, or push-to-talk released). */
  speechEnded(): void;
  /** The recogniser's words for the turn that just ended ('' when it heard none). */
  transcript(text: string): void;
}

/** One user's microphone, turned into turns and words. */
export class VoiceInput {
  private readonly recogniser: ChildProcess;
  private voicedRun = 0;
  private silentRun = 0;
  private speaking = false;
  private pushToTalk = false;
  private talkKeyDown = false;
  private pending: { words: string[]; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  private buffer = new Int16Array(0);
  private closed = false;

  constructor(private readonly handlers: VoiceInputHandlers) {
    // Node's stdio "pipes" are sockets, which the recogniser cannot open as a file: `cat` hands it a
    // real pipe. `stdbuf -oL`: its stdout is a pipe too, which C buffers in blocks; each line must
    // come at once. The path goes in as "$0", never through the shell's parser.
    this.recogniser = spawn(
      'sh',
      ['-c', 'cat | exec stdbuf -oL "$0" -infile /dev/stdin -logfn /dev/null', POCKETSPHINX_PATH],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.recogniser.stdin?.on('error', () => undefined);
    const lines = createInterface({ input: this.recogniser.stdout! });
    lines.on('line', (line) => this.heard(line.trim()));
  }

  /** Feeds microphone audio: 16 kHz mono samples, any number at a time. */
  push(samples: Int16Array): void {
    if (this.closed) return;
    const joined = new Int16Array(this.buffer.length + samples.length);
    joined.set(this.buffer);
    joined.set(samples, this.buffer.length);
    let offset = 0;
    for (; offset + FRAME_SAMPLES <= joined.length; offset += FRAME_SAMPLES) {
      this.frame(joined.subarray(offset, offset + FRAME_SAMPLES));
    }
    this.buffer = joined.slice(offset);
  }

  /** `push_to_talk:start` / `push_to_talk:stop`: from the first one on, only held-key audio counts. */
  setTalkKey(down: boolean): void {
    this.pushToTalk = true;
    this.talkKeyDown = down;
    if (down && !this.speaking) this.begin();
    if (!down && this.speaking) this.finish();
  }

  close(): void {
    this.closed = true;
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.recogniser.stdin?.end();
    this.recogniser.kill();
  }

  private frame(frame: Int16Array): void {
    if (this.pushToTalk) {
      if (this.talkKeyDown) this.write(frame);
      return;
    }
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const voiced = Math.sqrt(energy / frame.length) >= VOICED_RMS;
    this.voicedRun = voiced ? this.voicedRun + 1 : 0;
    this.silentRun = voiced ? 0 : this.silentRun + 1;
    this.write(frame);
    if (!this.speaking && this.voicedRun >= START_FRAMES) this.begin();
    else if (this.speaking && this.silentRun >= END_FRAMES) this.finish();
  }

  private begin(): void {
    this.speaking = true;
    this.settlePending();
    this.pending = { words: [], timer: undefined };
    this.handlers.speechStarted();
  }

  private finish(): void {
    this.speaking = false;
    this.handlers.speechEnded();
    this.write(new Int16Array(FLUSH_SAMPLES));
    const pending = this.pending;
    if (!pending) return;
    const waitMs = pending.words.length > 0 ? MORE_WORDS_GRACE_MS : TRANSCRIPT_TIMEOUT_MS;
    pending.timer = setTimeout(() => this.settlePending(), waitMs);
  }

  /** A line of the recogniser: the words of one stretch of speech it segmented. */
  private heard(line: string): void {
    const pending = this.pending;
    if (!pending || line === '') return;
    pending.words.push(line);
    // Once the turn is over, its words are complete with this line.
    if (!this.speaking) this.settlePending();
  }

  private settlePending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (pending.timer) clearTimeout(pending.timer);
    this.handlers.transcript(pending.words.join(' '));
  }

  private write(samples: Int16Array): void {
    this.recogniser.stdin?.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  }
}
