/**
 * A file for Chromium's fake microphone (`--use-file-for-fake-audio-capture`): a sentence spoken by
 * eSpeak NG, inside silence, which Chromium plays in a loop.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../emulator/src/speech.js';

/**
 * Writes a 16-bit mono WAV: `leadSeconds` of silence, `sentence`, then silence, `totalSeconds`
 * long in all. The lead gives the browser's echo canceller and gain control time to settle, as a
 * person pausing before speaking does.
 * @returns The file's path.
 */
export async function spokenWav(
  sentence: string,
  leadSeconds: number,
  totalSeconds: number,
): Promise<string> {
  const speech = await synthesize(sentence, 0.85);
  const samples = new Int16Array(speech.sampleRate * totalSeconds);
  samples.set(speech.samples, speech.sampleRate * leadSeconds);
  return writeWav(samples, speech.sampleRate);
}

/** Writes `seconds` of silence as a WAV file (a microphone in a quiet room). @returns Its path. */
export function silentWav(seconds: number): string {
  const sampleRate = 16_000;
  return writeWav(new Int16Array(sampleRate * seconds), sampleRate);
}

function writeWav(samples: Int16Array, sampleRate: number): string {
  const header = Buffer.alloc(44);
  const bytes = samples.length * 2;
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(bytes, 40);
  const path = join(mkdtempSync(join(tmpdir(), 'microphone-')), 'microphone.wav');
  writeFileSync(path, Buffer.concat([header, Buffer.from(samples.buffer)]));
  return path;
}

/** Chromium flags that make `wavPath` the microphone, granted without a prompt. */
export function fakeMicrophoneFlags(wavPath: string): string[] {
  return [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${wavPath}`,
  ];
}
