/**
 * The emulated avatar's ears: the user's microphone audio (16 kHz mono, from the LiveKit room)
 * goes through an energy voice-activity detector, which times the turn (`user_start`,
 * `user_stop`), and into an offline recogniser, Debian's `pocketsphinx` with its US English model,
 * which gives the turn's words. Push-to-talk gates the audio: only what is said while the key is
 * held counts, and releasing it ends the turn at once.
 */
import { type Recogniser, releaseRecogniser, takeRecogniser } from './recogniser.js';

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
/**
 * How long a finished turn waits for the recogniser to catch up before its transcript is settled
 * with the words heard so far, in milliseconds.
 */
const TRANSCRIPT_TIMEOUT_MS = 5000;
/**
 * The recogniser may end a segment a little before the detector's last voiced frame (it trims a
 * fading tail): a segment ending this close to the turn's end covers the turn, in samples (100 ms).
 */
const SEGMENT_END_TOLERANCE = VOICE_SAMPLE_RATE / 10;
/** A timed line of the recogniser (`-time yes`): a word, its start and end in seconds, its probability. */
const TIMED_WORD = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) \S+$/;

/** What a listener hears of the user. */
export interface VoiceInputHandlers {
  /** The user started speaking (the detector heard 50 ms of voice). */
  speechStarted(): void;
  /** The user stopped speaking (1 s of silence, or push-to-talk released). */
  speechEnded(): void;
  /**
   * More of the turn's words, as soon as the recogniser has them: it segments speech at its own
   * pauses (200 ms), so a long turn gives words while the user is still speaking.
   */
  words(text: string): void;
  /** The turn that just ended is transcribed: all its words ('' when it heard none). */
  transcript(text: string): void;
}

/** One user's microphone, turned into turns and words. */
export class VoiceInput {
  readonly #recogniser: Recogniser;
  #voicedRun = 0;
  #silentRun = 0;
  #speaking = false;
  #pushToTalk = false;
  #talkKeyDown = false;
  /** Samples written to the recogniser so far: its word times count from the first of them. */
  #samplesWritten = 0;
  /** Where the last voiced frame ended, in samples written. */
  #lastVoicedSample = 0;
  /** Up to where the recogniser has closed its segments, in samples written. */
  #recognisedUpTo = 0;
  #pending:
    | {
        words: string[];
        speechEndSample: number | undefined;
        timer: ReturnType<typeof setTimeout> | undefined;
      }
    | undefined;
  #buffer = new Int16Array(0);
  #closed = false;

  constructor(private readonly handlers: VoiceInputHandlers) {
    this.#recogniser = takeRecogniser();
    this.#recogniser.onLine((line) => this.#recogniserLine(line));
  }

  /** Feeds microphone audio: 16 kHz mono samples, any number at a time. */
  push(samples: Int16Array): void {
    if (this.#closed) return;
    const joined = new Int16Array(this.#buffer.length + samples.length);
    joined.set(this.#buffer);
    joined.set(samples, this.#buffer.length);
    let offset = 0;
    for (; offset + FRAME_SAMPLES <= joined.length; offset += FRAME_SAMPLES) {
      this.#frame(joined.subarray(offset, offset + FRAME_SAMPLES));
    }
    this.#buffer = joined.slice(offset);
  }

  /** `push_to_talk:start` / `push_to_talk:stop`: from the first one on, only held-key audio counts. */
  setTalkKey(down: boolean): void {
    this.#pushToTalk = true;
    this.#talkKeyDown = down;
    if (down && !this.#speaking) this.#begin();
    if (!down && this.#speaking) {
      this.#lastVoicedSample = this.#samplesWritten;
      this.#finish();
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#pending?.timer) clearTimeout(this.#pending.timer);
    releaseRecogniser(this.#recogniser);
  }

  #frame(frame: Int16Array): void {
    if (this.#pushToTalk) {
      if (this.#talkKeyDown) this.#write(frame);
      return;
    }
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const voiced = Math.sqrt(energy / frame.length) >= VOICED_RMS;
    this.#voicedRun = voiced ? this.#voicedRun + 1 : 0;
    this.#silentRun = voiced ? 0 : this.#silentRun + 1;
    this.#write(frame);
    if (voiced) this.#lastVoicedSample = this.#samplesWritten;
    if (!this.#speaking && this.#voicedRun >= START_FRAMES) this.#begin();
    else if (this.#speaking && this.#silentRun >= END_FRAMES) this.#finish();
  }

  #begin(): void {
    this.#speaking = true;
    this.#settlePending();
    this.#pending = { words: [], speechEndSample: undefined, timer: undefined };
    this.handlers.speechStarted();
  }

  #finish(): void {
    this.#speaking = false;
    this.handlers.speechEnded();
    this.#write(new Int16Array(FLUSH_SAMPLES));
    const pending = this.#pending;
    if (!pending) return;
    pending.speechEndSample = this.#lastVoicedSample;
    pending.timer = setTimeout(() => this.#settlePending(), TRANSCRIPT_TIMEOUT_MS);
    this.#settleIfRecognised();
  }

  /**
   * A line of the recogniser: a segment's words, then (`-time yes`) one timed line per word,
   * the last (`</s>`) saying where the segment ended.
   */
  #recogniserLine(line: string): void {
    const timed = TIMED_WORD.exec(line);
    if (timed) {
      if (timed[1] === '</s>') {
        this.#recognisedUpTo = Math.round(Number(timed[3]) * VOICE_SAMPLE_RATE);
        this.#settleIfRecognised();
      }
      return;
    }
    const pending = this.#pending;
    if (!pending || line === '') return;
    pending.words.push(line);
    this.handlers.words(line);
  }

  /** Settles the finished turn once the recogniser has closed a segment reaching its end. */
  #settleIfRecognised(): void {
    const end = this.#pending?.speechEndSample;
    if (end !== undefined && this.#recognisedUpTo + SEGMENT_END_TOLERANCE >= end) this.#settlePending();
  }

  #settlePending(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    if (pending.timer) clearTimeout(pending.timer);
    this.handlers.transcript(pending.words.join(' '));
  }

  #write(samples: Int16Array): void {
    this.#samplesWritten += samples.length;
    this.#recogniser.write(samples);
  }
}
