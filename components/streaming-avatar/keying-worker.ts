/**
 * The keying worker: keys each video frame of a track onto an `OffscreenCanvas` off the page's
 * main thread. It is started from a Blob of its source text, so it works the same from this
 * package's modules, from any bundler's output and from the drop-in file, with no worker file to
 * host or resolve.
 */
import {
  type KeyDraw,
  type KeyTuning,
  prepareKeyShader,
  type Rgb,
  type SamplingContext,
  sampleBackdrop,
} from './keying.js';

/** What the page sends the keying worker. */
export type KeyingRequest =
  | {
      type: 'start';
      /** The canvas to draw on, sent with the first start only (a canvas moves to a worker once). */
      canvas?: OffscreenCanvas | undefined;
      /** The video frames, from a `MediaStreamTrackProcessor` on the track. */
      frames: ReadableStream<VideoFrame>;
      tuning: KeyTuning;
      contextAttributes: WebGLContextAttributes;
      keyColor: Rgb | undefined;
      /** While no backdrop is found, the border is sampled on every this-many-th frame. */
      sampleEvery: number;
    }
  | { type: 'keyColor'; keyColor: Rgb | undefined }
  | { type: 'stop' }
  | { type: 'stats' };

/** What the keying worker answers. */
export type KeyingReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  /** Frames keyed so far, and the worker's milliseconds spent keying them. */
  | { type: 'stats'; frames: number; workMs: number };

/** The worker's global scope, as far as the keying worker uses it. */
interface KeyingScope {
  postMessage(message: KeyingReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<KeyingRequest>) => void): void;
}

/** The worker's body. Self-contained like the keying functions it is handed. */
function runKeyingWorker(
  scope: KeyingScope,
  prepare: typeof prepareKeyShader,
  sample: typeof sampleBackdrop,
): void {
  let canvas: OffscreenCanvas | undefined;
  let draw: KeyDraw | undefined;
  let sampler: SamplingContext | undefined;
  let keyColor: Rgb | undefined;
  let sampleEvery = 1;
  let framesUnkeyed = 0;
  let reader: ReadableStreamDefaultReader<VideoFrame> | undefined;
  let frames = 0;
  let workMs = 0;

  const keyFrame = (frame: VideoFrame) => {
    if (!canvas || !draw) return;
    if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
      canvas.width = frame.displayWidth;
      canvas.height = frame.displayHeight;
    }
    if (!keyColor && framesUnkeyed++ % sampleEvery === 0) {
      sampler ??= new OffscreenCanvas(32, 32).getContext('2d', { willReadFrequently: true })!;
      keyColor = sample(frame, sampler);
    }
    // Until a frame shows the backdrop, there is nothing to key against: show nothing yet.
    if (keyColor) draw(frame, keyColor);
  };

  const read = async (frameReader: ReadableStreamDefaultReader<VideoFrame>) => {
    for (;;) {
      const next = await frameReader.read().catch(() => ({ done: true, value: undefined }) as const);
      if (next.done) return;
      const started = performance.now();
      try {
        keyFrame(next.value);
      } finally {
        next.value.close();
      }
      workMs += performance.now() - started;
      frames += 1;
    }
  };

  scope.addEventListener('message', ({ data: request }) => {
    if (request.type === 'start') {
      void reader?.cancel();
      if (request.canvas) {
        canvas = request.canvas;
        const gl = canvas.getContext('webgl2', request.contextAttributes);
        if (!gl) {
          scope.postMessage({ type: 'failed', message: 'WebGL is not available on an OffscreenCanvas here' });
          return;
        }
        draw = prepare(gl, request.tuning);
      }
      keyColor = request.keyColor;
      sampleEvery = request.sampleEvery;
      framesUnkeyed = 0;
      reader = request.frames.getReader();
      void read(reader);
    } else if (request.type === 'keyColor') {
      keyColor = request.keyColor;
      framesUnkeyed = 0;
    } else if (request.type === 'stop') {
      void reader?.cancel();
      reader = undefined;
    } else {
      scope.postMessage({ type: 'stats', frames, workMs });
    }
  });
  scope.postMessage({ type: 'ready' });
}

let workerUrl: string | undefined;

/** A `blob:` URL of the keying worker's source, made once per page. */
export function keyingWorkerUrl(): string {
  workerUrl ??= URL.createObjectURL(
    new Blob([`(${runKeyingWorker})(self, ${prepareKeyShader}, ${sampleBackdrop});`], {
      type: 'text/javascript',
    }),
  );
  return workerUrl;
}
