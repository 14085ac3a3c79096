/** The audio level (RMS, 0–1) above which the avatar is heard. */
export const LOUD = 0.02;

/** Polls the loudness of a stream's audio every 10 ms. */
export function listen(stream: MediaStream) {
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const level = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    return Math.sqrt(sum / samples.length);
  };
  const until = (check: (rms: number) => boolean, from: number, timeoutMs = 20_000) =>
    new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if (check(level())) {
          clearInterval(timer);
          resolve(performance.now() - from);
        } else if (performance.now() - from > timeoutMs) {
          clearInterval(timer);
          reject(new Error('audio level never changed'));
        }
      }, 10);
    });
  return { level, until, close: () => context.close() };
}
