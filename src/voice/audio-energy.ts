import type { AudioEnergyWatcher } from './voice-chat.js';

/** RMS (0–1) above which the avatar's audio counts as heard: the end-to-end tests' threshold of speech. */
const LOUD_RMS = 0.02;
/** How often the level is read, in milliseconds. */
const POLL_MS = 10;

/**
 * Calls `onLoud` once the audio of `media` first gets loud, read through Web Audio every 10 ms at
 * this receiver: the moment a person would hear the avatar answer.
 */
export const watchAudioEnergy: AudioEnergyWatcher = (media, onLoud) => {
  const context = new AudioContext();
  void context.resume().catch(() => undefined);
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new MediaStream(media.getAudioTracks())).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const stop = () => {
    clearInterval(timer);
    void context.close().catch(() => undefined);
  };
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    if (Math.sqrt(sum / samples.length) < LOUD_RMS) return;
    stop();
    onLoud();
  }, POLL_MS);
  return stop;
};
