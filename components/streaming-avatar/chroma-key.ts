/**
 * Removes a solid background from the avatar's video onto a transparent canvas: a WebGL shader
 * where WebGL exists (chroma distance in the CbCr plane, soft edges, spill suppression), canvas
 * 2D with the same formula otherwise. Runs once per decoded video frame and stops when stopped.
 */

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/** Tuning of the key. Distances are in the CbCr plane (0–~0.7). */
export interface ChromaKeyOptions {
  /**
   * The colour to remove; default: sampled from the frame's border, from the first frame whose
   * border is one uniform, coloured backdrop (not a black or half-decoded first frame).
   */
  keyColor?: Rgb | undefined;
  /** Chroma distance below which pixels are fully transparent (default 0.08). */
  similarity?: number;
  /** Width of the soft edge above `similarity` (default 0.08). */
  smoothness?: number;
  /** How far from the key colour green spill is still pulled out (default 0.2). */
  spill?: number;
}

const VERTEX = `
attribute vec2 position;
varying vec2 uv;
void main() {
  uv = vec2((position.x + 1.0) / 2.0, (1.0 - position.y) / 2.0);
  gl_Position = vec4(position, 0.0, 1.0);
}`;

const FRAGMENT = `
precision mediump float;
uniform sampler2D frame;
uniform vec3 keyColor;
uniform float similarity;
uniform float smoothness;
uniform float spill;
varying vec2 uv;
vec2 chroma(vec3 c) {
  return vec2(c.r * -0.169 + c.g * -0.331 + c.b * 0.5 + 0.5, c.r * 0.5 + c.g * -0.419 + c.b * -0.081 + 0.5);
}
void main() {
  vec4 rgba = texture2D(frame, uv);
  float base = distance(chroma(rgba.rgb), chroma(keyColor)) - similarity;
  float alpha = pow(clamp(base / smoothness, 0.0, 1.0), 1.5);
  float spillAmount = pow(clamp(base / spill, 0.0, 1.0), 1.5);
  float grey = clamp(dot(rgba.rgb, vec3(0.2126, 0.7152, 0.0722)), 0.0, 1.0);
  vec3 color = mix(vec3(grey), rgba.rgb, spillAmount);
  gl_FragColor = vec4(color * alpha, alpha);
}`;

/** A `<video>`, with the per-frame callbacks where the browser has them (feature-detected). */
export type FrameCallbackVideo = HTMLVideoElement & {
  /** Calls back once the next frame is presented. */
  requestVideoFrameCallback?: (callback: () => void) => number;
  /** Cancels a pending frame callback. */
  cancelVideoFrameCallback?: (handle: number) => void;
};

/**
 * Draws `video` onto `canvas` with the key colour made transparent, once per decoded frame while
 * started. `mode` says which path runs. Used by `<streaming-avatar background="chroma-key">`.
 */
export class ChromaKeyRenderer {
  /** `webgl` when the GPU path runs, `2d` for the fallback. */
  readonly mode: 'webgl' | '2d';
  private readonly gl: WebGLRenderingContext | null;
  private readonly context2d: CanvasRenderingContext2D | null;
  private readonly options: Required<Omit<ChromaKeyOptions, 'keyColor'>>;
  private keyColor: Rgb | undefined;
  /** A 32×32 canvas the border is sampled on, made once. */
  private sampler: CanvasRenderingContext2D | undefined;
  /** Frames drawn while no backdrop was found; sampling runs on every 5th of them. */
  private framesUnkeyed = 0;
  private handle: number | undefined;
  private running = false;
  private keyColorUniform: WebGLUniformLocation | null = null;
  /** The key colour the shader holds, so it is sent again only when it changes. */
  private shaderKey: Rgb | undefined;

  constructor(
    private readonly video: FrameCallbackVideo,
    private readonly canvas: HTMLCanvasElement,
    options: ChromaKeyOptions = {},
  ) {
    this.options = {
      similarity: options.similarity ?? 0.08,
      smoothness: options.smoothness ?? 0.08,
      spill: options.spill ?? 0.2,
    };
    this.keyColor = options.keyColor;
    this.gl = canvas.getContext('webgl', {
      premultipliedAlpha: true,
      preserveDrawingBuffer: true,
      alpha: true,
    });
    this.context2d = this.gl ? null : canvas.getContext('2d', { willReadFrequently: true });
    this.mode = this.gl ? 'webgl' : '2d';
    if (this.gl) this.setUpWebGl(this.gl);
  }

  /** Sets the colour to remove; `undefined` samples it again from the next frames' border. */
  setKeyColor(color: Rgb | undefined): void {
    this.keyColor = color;
    this.framesUnkeyed = 0;
  }

  /** Starts keying, one draw per decoded frame. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops keying; the canvas keeps the last frame. */
  stop(): void {
    this.running = false;
    if (this.handle === undefined) return;
    if (this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.handle);
    else cancelAnimationFrame(this.handle);
    this.handle = undefined;
  }

  private schedule(): void {
    const next = () => {
      if (!this.running) return;
      this.draw();
      this.schedule();
    };
    this.handle = this.video.requestVideoFrameCallback
      ? this.video.requestVideoFrameCallback(next)
      : requestAnimationFrame(next);
  }

  private draw(): void {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (width === 0 || height === 0) return;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.gl?.viewport(0, 0, width, height);
    }
    if (!this.keyColor && this.framesUnkeyed++ % BACKDROP_SAMPLE_EVERY === 0) {
      this.sampler ??= samplingContext();
      this.keyColor = sampleBackdrop(this.video, this.sampler);
    }
    // Until a frame shows the backdrop, there is nothing to key against: show nothing yet.
    if (!this.keyColor) return;
    if (this.gl) this.drawWebGl(this.gl, this.keyColor);
    else if (this.context2d) this.draw2d(this.context2d, width, height, this.keyColor);
  }

  private setUpWebGl(gl: WebGLRenderingContext): void {
    const program = gl.createProgram()!;
    for (const [type, source] of [
      [gl.VERTEX_SHADER, VERTEX],
      [gl.FRAGMENT_SHADER, FRAGMENT],
    ] as const) {
      const shader = gl.createShader(type)!;
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      gl.attachShader(program, shader);
    }
    gl.linkProgram(program);
    gl.useProgram(program);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const position = gl.getAttribLocation(program, 'position');
    gl.enableVertexAttribArray(position);
    gl.vertexAttribPointer(position, 2, gl.FLOAT, false, 0, 0);
    gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    // The tuning never changes; only the key colour is sent per change (drawWebGl).
    gl.uniform1f(gl.getUniformLocation(program, 'similarity'), this.options.similarity);
    gl.uniform1f(gl.getUniformLocation(program, 'smoothness'), this.options.smoothness);
    gl.uniform1f(gl.getUniformLocation(program, 'spill'), this.options.spill);
    this.keyColorUniform = gl.getUniformLocation(program, 'keyColor');
  }

  private drawWebGl(gl: WebGLRenderingContext, key: Rgb): void {
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, this.video);
    if (this.shaderKey !== key) {
      gl.uniform3f(this.keyColorUniform, key[0] / 255, key[1] / 255, key[2] / 255);
      this.shaderKey = key;
    }
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private draw2d(context: CanvasRenderingContext2D, width: number, height: number, key: Rgb): void {
    context.drawImage(this.video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const data = image.data;
    const [keyCb, keyCr] = chroma(key[0] / 255, key[1] / 255, key[2] / 255);
    const { similarity, smoothness, spill } = this.options;
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

/** Side of the square the frame is shrunk to for sampling its border, in pixels. */
const SAMPLE_SIZE = 32;
/** While no backdrop is found, the border is sampled on every this-many-th frame (not on every one). */
const BACKDROP_SAMPLE_EVERY = 5;

function samplingContext(): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = SAMPLE_SIZE;
  canvas.height = SAMPLE_SIZE;
  return canvas.getContext('2d', { willReadFrequently: true })!;
}

/** Largest spread of a colour channel along the border (0–255) that still counts as one backdrop. */
const BACKDROP_MAX_SPREAD = 40;
/** Least chroma distance from grey (CbCr, 0–0.5) of a backdrop: black, grey and white frames are not one. */
const BACKDROP_MIN_CHROMA = 0.12;

/**
 * The colour of the frame's outer border, where the backdrop shows, or undefined when the border
 * is not one uniform, coloured backdrop yet (a black first frame, a frame still decoding).
 */
function sampleBackdrop(video: HTMLVideoElement, context: CanvasRenderingContext2D): Rgb | undefined {
  const size = SAMPLE_SIZE;
  context.drawImage(video, 0, 0, size, size);
  const { data } = context.getImageData(0, 0, size, size);
  const sum = [0, 0, 0];
  const low = [255, 255, 255];
  const high = [0, 0, 0];
  let count = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (x > 1 && x < size - 2 && y > 1) continue;
      const i = (y * size + x) * 4;
      for (let channel = 0; channel < 3; channel++) {
        const value = data[i + channel]!;
        sum[channel]! += value;
        low[channel] = Math.min(low[channel]!, value);
        high[channel] = Math.max(high[channel]!, value);
      }
      count += 1;
    }
  }
  const spread = Math.max(...high.map((value, channel) => value - low[channel]!));
  const mean: Rgb = [sum[0]! / count, sum[1]! / count, sum[2]! / count];
  const [cb, cr] = chroma(mean[0] / 255, mean[1] / 255, mean[2] / 255);
  const colourful = Math.hypot(cb - 0.5, cr - 0.5) >= BACKDROP_MIN_CHROMA;
  return spread <= BACKDROP_MAX_SPREAD && colourful ? mean : undefined;
}
