/**
 * Removes a solid background from the avatar's video onto a transparent canvas. Where the browser
 * can (a `MediaStreamTrackProcessor` on the page, `OffscreenCanvas` with WebGL 2 and workers), a
 * worker keys every frame and the page's main thread does nothing per frame; otherwise the page
 * keys each presented frame itself, with WebGL, or with canvas 2D and the same formula.
 */

import {
  type ChromaKeyOptions,
  KEY_CONTEXT_ATTRIBUTES,
  type KeyDraw,
  type KeyTuning,
  keyTuning,
  prepareKeyShader,
  type Rgb,
  sampleBackdrop,
} from './keying.js';
import { type KeyingReply, type KeyingRequest, keyingWorkerUrl } from './keying-worker.js';

export type { ChromaKeyOptions, Rgb } from './keying.js';

/** A `<video>`, with the per-frame callbacks where the browser has them (feature-detected). */
export type FrameCallbackVideo = HTMLVideoElement & {
  /** Calls back once the next frame is presented. */
  requestVideoFrameCallback?: (callback: () => void) => number;
  /** Cancels a pending frame callback. */
  cancelVideoFrameCallback?: (handle: number) => void;
};

/** How many frames a renderer has keyed, and the milliseconds its keying took in all. */
export interface ChromaKeyStats {
  frames: number;
  /** Milliseconds spent keying, on the thread that keys (the worker's, or the page's). */
  workMs: number;
}

/** A chroma key drawing a video onto a canvas, whichever thread it runs on. */
export interface ChromaKey {
  /** `worker` when a worker keys the frames, `webgl` or `2d` when the page's main thread does. */
  readonly mode: 'worker' | 'webgl' | '2d';
  /** Sets the colour to remove; `undefined` samples it again from the next frames' border. */
  setKeyColor(color: Rgb | undefined): void;
  /** Starts keying the video's current track, or keeps keying it if it already is. */
  start(): void;
  /** Stops keying; the canvas keeps the last frame. */
  stop(): void;
  /** Stops keying for good and frees the worker, if any. */
  close(): void;
  /** Frames keyed so far and the time it took. */
  stats(): Promise<ChromaKeyStats>;
}

/** While no backdrop is found, the border is sampled on every this-many-th frame (not on every one). */
const BACKDROP_SAMPLE_EVERY = 5;
/** Side of the square the frame is shrunk to for sampling its border, in pixels. */
const SAMPLE_SIZE = 32;

/**
 * The best chroma key this browser runs: {@link WorkerChromaKeyRenderer} where the worker's APIs
 * exist, {@link ChromaKeyRenderer} otherwise. Used by `<streaming-avatar background="chroma-key">`.
 */
export function createChromaKey(
  video: FrameCallbackVideo,
  canvas: HTMLCanvasElement,
  options: ChromaKeyOptions = {},
): ChromaKey {
  return WorkerChromaKeyRenderer.supported()
    ? new WorkerChromaKeyRenderer(video, canvas, options)
    : new ChromaKeyRenderer(video, canvas, options);
}

/**
 * Keys `video` onto `canvas` on the page's main thread, once per presented frame while started:
 * a WebGL shader where WebGL exists, canvas 2D with the same formula otherwise.
 */
export class ChromaKeyRenderer implements ChromaKey {
  /** `webgl` when the GPU path runs, `2d` for the fallback. */
  readonly mode: 'webgl' | '2d';
  readonly #drawWebGl: KeyDraw | undefined;
  readonly #context2d: CanvasRenderingContext2D | null;
  readonly #tuning: KeyTuning;
  #keyColor: Rgb | undefined;
  /** A 32×32 canvas the border is sampled on, made once. */
  #sampler: CanvasRenderingContext2D | undefined;
  /** Frames drawn while no backdrop was found; sampling runs on every 5th of them. */
  #framesUnkeyed = 0;
  #handle: number | undefined;
  #running = false;
  readonly #counted: ChromaKeyStats = { frames: 0, workMs: 0 };

  constructor(
    private readonly video: FrameCallbackVideo,
    private readonly canvas: HTMLCanvasElement,
    options: ChromaKeyOptions = {},
  ) {
    this.#tuning = keyTuning(options);
    this.#keyColor = options.keyColor;
    const gl = canvas.getContext('webgl', { ...KEY_CONTEXT_ATTRIBUTES, preserveDrawingBuffer: true });
    this.#drawWebGl = gl ? prepareKeyShader(gl, this.#tuning) : undefined;
    this.#context2d = gl ? null : canvas.getContext('2d', { willReadFrequently: true });
    this.mode = gl ? 'webgl' : '2d';
  }

  setKeyColor(color: Rgb | undefined): void {
    this.#keyColor = color;
    this.#framesUnkeyed = 0;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#handle === undefined) return;
    if (this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.#handle);
    else cancelAnimationFrame(this.#handle);
    this.#handle = undefined;
  }

  close(): void {
    this.stop();
  }

  async stats(): Promise<ChromaKeyStats> {
    return { ...this.#counted };
  }

  #schedule(): void {
    const next = () => {
      if (!this.#running) return;
      const started = performance.now();
      this.#draw();
      this.#counted.workMs += performance.now() - started;
      this.#counted.frames += 1;
      this.#schedule();
    };
    this.#handle = this.video.requestVideoFrameCallback
      ? this.video.requestVideoFrameCallback(next)
      : requestAnimationFrame(next);
  }

  #draw(): void {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (width === 0 || height === 0) return;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    if (!this.#keyColor && this.#framesUnkeyed++ % BACKDROP_SAMPLE_EVERY === 0) {
      this.#sampler ??= samplingContext();
      this.#keyColor = sampleBackdrop(this.video, this.#sampler);
    }
    // Until a frame shows the backdrop, there is nothing to key against: show nothing yet.
    if (!this.#keyColor) return;
    if (this.#drawWebGl) this.#drawWebGl(this.video, this.#keyColor);
    else if (this.#context2d) this.#draw2d(this.#context2d, width, height, this.#keyColor);
  }

  #draw2d(context: CanvasRenderingContext2D, width: number, height: number, key: Rgb): void {
    context.drawImage(this.video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const data = image.data;
    const [keyCb, keyCr] = chroma(key[0] / 255, key[1] / 255, key[2] / 255);
    const { similarity, smoothness, spill } = this.#tuning;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i]! / 255;
      const g = data[i + 1]! / 255;
      const b = data[i + 2]! / 255;
      const [cb, cr] = chroma(r, g, b);
      const base = Math.hypot(cb - keyCb, cr - keyCr) - similarity;
      const alpha = clamp01(base / smoothness) ** 1.5;
      const keep = clamp01(base / spill) ** 1.5;
      const grey = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      data[i] = (grey + (r - grey) * keep) * 255;
      data[i + 1] = (grey + (g - grey) * keep) * 255;
      data[i + 2] = (grey + (b - grey) * keep) * 255;
      data[i + 3] = alpha * 255;
    }
    context.putImageData(image, 0, 0);
  }
}

function chroma(r: number, g: number, b: number): [number, number] {
  return [r * -0.169 + g * -0.331 + b * 0.5 + 0.5, r * 0.5 + g * -0.419 + b * -0.081 + 0.5];
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function samplingContext(): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = SAMPLE_SIZE;
  canvas.height = SAMPLE_SIZE;
  return canvas.getContext('2d', { willReadFrequently: true })!;
}

/** Chromium's `MediaStreamTrackProcessor` on the page (the standard has it in workers only). */
interface TrackProcessorConstructor {
  new (init: { track: MediaStreamTrack }): { readable: ReadableStream<VideoFrame> };
}

function pageTrackProcessor(): TrackProcessorConstructor | undefined {
  return Reflect.get(globalThis, 'MediaStreamTrackProcessor');
}

let workerPathSupported: boolean | undefined;

/** Probes for the worker path's APIs; the WebGL 2 probe makes a context, so it runs once. */
function hasWorkerPath(): boolean {
  if (pageTrackProcessor() === undefined || typeof Worker === 'undefined') return false;
  if (
    typeof OffscreenCanvas === 'undefined' ||
    !('transferControlToOffscreen' in HTMLCanvasElement.prototype)
  )
    return false;
  return new OffscreenCanvas(1, 1).getContext('webgl2') !== null;
}

/**
 * Keys `video`'s track in a worker onto `canvas`, which moves to the worker (`OffscreenCanvas`,
 * WebGL 2): the page's main thread does nothing per frame. Until the worker has started it holds
 * the canvas back, so if the worker cannot start (a Content-Security-Policy without
 * `worker-src blob:`), it keys on the main thread with {@link ChromaKeyRenderer} instead.
 */
export class WorkerChromaKeyRenderer implements ChromaKey {
  /** Whether this browser has everything the worker path needs (found out once per page). */
  static supported(): boolean {
    workerPathSupported ??= hasWorkerPath();
    return workerPathSupported;
  }

  readonly #worker: Worker;
  readonly #tuning: KeyTuning;
  #keyColor: Rgb | undefined;
  #ready = false;
  #canvasMoved = false;
  #wanted = false;
  #track: MediaStreamTrack | undefined;
  /** The main-thread key, once the worker has failed to start. */
  #fallback: ChromaKeyRenderer | undefined;
  readonly #statsWaiting: ((stats: ChromaKeyStats) => void)[] = [];

  constructor(
    private readonly video: FrameCallbackVideo,
    private canvas: HTMLCanvasElement,
    private readonly options: ChromaKeyOptions = {},
  ) {
    this.#tuning = keyTuning(options);
    this.#keyColor = options.keyColor;
    this.#worker = new Worker(keyingWorkerUrl());
    this.#worker.addEventListener('message', ({ data }: MessageEvent<KeyingReply>) =>
      this.#handleReply(data),
    );
    this.#worker.addEventListener('error', () => this.#fallBack());
  }

  get mode(): 'worker' | 'webgl' | '2d' {
    return this.#fallback?.mode ?? 'worker';
  }

  setKeyColor(color: Rgb | undefined): void {
    this.#keyColor = color;
    if (this.#fallback) this.#fallback.setKeyColor(color);
    else this.#send({ type: 'keyColor', keyColor: color });
  }

  start(): void {
    this.#wanted = true;
    if (this.#fallback) this.#fallback.start();
    else if (this.#ready) this.#sendFrames();
  }

  stop(): void {
    this.#wanted = false;
    this.#track = undefined;
    if (this.#fallback) this.#fallback.stop();
    else this.#send({ type: 'stop' });
  }

  close(): void {
    this.stop();
    this.#fallback?.close();
    this.#worker.terminate();
    // A terminated worker answers nothing: stats asked for from now on are the empty ones.
    this.#ready = false;
    for (const resolve of this.#statsWaiting.splice(0)) resolve({ frames: 0, workMs: 0 });
  }

  stats(): Promise<ChromaKeyStats> {
    if (this.#fallback) return this.#fallback.stats();
    if (!this.#ready) return Promise.resolve({ frames: 0, workMs: 0 });
    return new Promise((resolve) => {
      this.#statsWaiting.push(resolve);
      this.#send({ type: 'stats' });
    });
  }

  #handleReply(reply: KeyingReply): void {
    if (reply.type === 'ready') {
      this.#ready = true;
      if (this.#wanted) this.#sendFrames();
    } else if (reply.type === 'failed') {
      this.#fallBack();
    } else {
      for (const resolve of this.#statsWaiting.splice(0))
        resolve({ frames: reply.frames, workMs: reply.workMs });
    }
  }

  /** Sends the worker the frames of the video's current track (and the canvas, the first time). */
  #sendFrames(): void {
    const stream = this.video.srcObject;
    const track = stream instanceof MediaStream ? stream.getVideoTracks()[0] : undefined;
    const TrackProcessor = pageTrackProcessor();
    if (!track || track === this.#track || !TrackProcessor) return;
    let canvas: OffscreenCanvas | undefined;
    try {
      canvas = this.#canvasMoved ? undefined : this.canvas.transferControlToOffscreen();
    } catch {
      // The page already drew on this canvas itself: it cannot move, so it is keyed here.
      this.#fallBack();
      return;
    }
    this.#track = track;
    this.#canvasMoved = true;
    const { readable } = new TrackProcessor({ track });
    const request: KeyingRequest = {
      type: 'start',
      frames: readable,
      canvas,
      tuning: this.#tuning,
      contextAttributes: KEY_CONTEXT_ATTRIBUTES,
      keyColor: this.#keyColor,
      sampleEvery: BACKDROP_SAMPLE_EVERY,
    };
    this.#worker.postMessage(request, canvas ? [readable, canvas] : [readable]);
  }

  #send(request: KeyingRequest): void {
    if (this.#ready) this.#worker.postMessage(request);
  }

  /**
   * Keys on the main thread from now on. A canvas that already moved to the worker cannot draw
   * here again, so a fresh one takes its place.
   */
  #fallBack(): void {
    if (this.#fallback) return;
    this.#worker.terminate();
    if (this.#canvasMoved) {
      const fresh = this.canvas.cloneNode(false) as HTMLCanvasElement;
      this.canvas.replaceWith(fresh);
      this.canvas = fresh;
    }
    this.#fallback = new ChromaKeyRenderer(this.video, this.canvas, {
      ...this.options,
      keyColor: this.#keyColor,
    });
    if (this.#wanted) this.#fallback.start();
    for (const resolve of this.#statsWaiting.splice(0)) void this.#fallback.stats().then(resolve);
  }
}
