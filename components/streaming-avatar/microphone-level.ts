/**
 * The live level of a microphone track (0–1, RMS), read through Web Audio about ten times a
 * second, for the element's input meter.
 */
export class MicrophoneLevel {
  readonly #context = new AudioContext();
  readonly #timer: ReturnType<typeof setInterval>;

  /** @param onLevel Called with each reading, 0 (silence) to 1 (full scale). */
  constructor(track: MediaStreamTrack, onLevel: (level: number) => void) {
    const analyser = this.#context.createAnalyser();
    analyser.fftSize = 512;
    this.#context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    void this.#context.resume().catch(() => undefined);
    const samples = new Float32Array(analyser.fftSize);
    this.#timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      // Speech sits around 0.05–0.3 RMS: scale so a normal voice fills most of the meter.
      onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
    }, 100);
  }

  stop(): void {
    clearInterval(this.#timer);
    void this.#context.close().catch(() => undefined);
  }
}
