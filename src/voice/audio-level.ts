/** The level of audio at this page, read through Web Audio. */

/** A context the browser already closed, or will not resume: there is nothing left to do with it. */
const nothingToDo = () => undefined;

/**
 * Reads the level (RMS, 0–1) of `tracks` every `intervalMs` milliseconds and calls `onLevel` with
 * each reading.
 * @returns Stops reading and closes the audio context.
 */
export function readAudioLevel(
  tracks: MediaStreamTrack[],
  intervalMs: number,
  onLevel: (rms: number) => void,
): () => void {
  const context = new AudioContext();
  void context.resume().catch(nothingToDo);
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new MediaStream(tracks)).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    onLevel(Math.sqrt(sum / samples.length));
  }, intervalMs);
  return () => {
    clearInterval(timer);
    void context.close().catch(nothingToDo);
  };
}
