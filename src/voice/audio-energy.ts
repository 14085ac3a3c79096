import { readAudioLevel } from './audio-level.js';
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
  const stop = readAudioLevel(media.getAudioTracks(), POLL_MS, (rms) => {
    if (rms < LOUD_RMS) return;
    stop();
    onLoud();
  });
  return stop;
};
