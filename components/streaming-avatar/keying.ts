/**
 * The chroma key itself, shared by the page and the keying worker. The worker is started from the
 * source text of these functions (see keying-worker.ts), so each one is self-contained: it uses
 * nothing from outside its own body but its parameters and the platform.
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

/** The tuning with every default filled in. */
export type KeyTuning = Required<Omit<ChromaKeyOptions, 'keyColor'>>;

/** Fills in the defaults of {@link ChromaKeyOptions}. */
export function keyTuning(options: ChromaKeyOptions): KeyTuning {
  return {
    similarity: options.similarity ?? 0.08,
    smoothness: options.smoothness ?? 0.08,
    spill: options.spill ?? 0.2,
  };
}

/**
 * The key's WebGL context: a full-frame quad needs no antialiasing, depth or stencil buffer, and
 * each would cost time per frame where WebGL runs on the CPU.
 */
export const KEY_CONTEXT_ATTRIBUTES = {
  premultipliedAlpha: true,
  alpha: true,
  antialias: false,
  depth: false,
  stencil: false,
} as const satisfies WebGLContextAttributes;

/** Draws one frame keyed against `key` onto the context's canvas, at the canvas's size. */
export type KeyDraw = (frame: TexImageSource, key: Rgb) => void;

/**
 * Compiles the key's shader (chroma distance in the CbCr plane, soft edge, spill suppression) on a
 * WebGL 1 or 2 context and returns the function that draws one frame with it.
 */
export function prepareKeyShader(
  gl: WebGLRenderingContext | WebGL2RenderingContext,
  tuning: KeyTuning,
): KeyDraw {
  const vertex = `
attribute vec2 position;
varying vec2 uv;
void main() {
  uv = vec2((position.x + 1.0) / 2.0, (1.0 - position.y) / 2.0);
  gl_Position = vec4(position, 0.0, 1.0);
}`;
  // x * sqrt(x) below is x to the power 1.5, cheaper where the shader runs on the CPU.
  const fragment = `
precision mediump float;
uniform sampler2D frame;
uniform vec2 keyChroma;
uniform float similarity;
uniform float smoothness;
uniform float spill;
varying vec2 uv;
vec2 chroma(vec3 c) {
  return vec2(c.r * -0.169 + c.g * -0.331 + c.b * 0.5 + 0.5, c.r * 0.5 + c.g * -0.419 + c.b * -0.081 + 0.5);
}
void main() {
  vec4 rgba = texture2D(frame, uv);
  float base = distance(chroma(rgba.rgb), keyChroma) - similarity;
  float edge = clamp(base / smoothness, 0.0, 1.0);
  float alpha = edge * sqrt(edge);
  float kept = clamp(base / spill, 0.0, 1.0);
  float spillAmount = kept * sqrt(kept);
  float grey = clamp(dot(rgba.rgb, vec3(0.2126, 0.7152, 0.0722)), 0.0, 1.0);
  vec3 color = mix(vec3(grey), rgba.rgb, spillAmount);
  gl_FragColor = vec4(color * alpha, alpha);
}`;
  const program = gl.createProgram()!;
  for (const [type, source] of [
    [gl.VERTEX_SHADER, vertex],
    [gl.FRAGMENT_SHADER, fragment],
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
  // The tuning never changes; only the key colour is sent, when it changes.
  gl.uniform1f(gl.getUniformLocation(program, 'similarity'), tuning.similarity);
  gl.uniform1f(gl.getUniformLocation(program, 'smoothness'), tuning.smoothness);
  gl.uniform1f(gl.getUniformLocation(program, 'spill'), tuning.spill);
  const keyChromaUniform = gl.getUniformLocation(program, 'keyChroma');
  let shaderKey: Rgb | undefined;
  return (frame, key) => {
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, frame);
    if (shaderKey !== key) {
      const [r, g, b] = [key[0] / 255, key[1] / 255, key[2] / 255];
      gl.uniform2f(
        keyChromaUniform,
        r * -0.169 + g * -0.331 + b * 0.5 + 0.5,
        r * 0.5 + g * -0.419 + b * -0.081 + 0.5,
      );
      shaderKey = key;
    }
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  };
}

/** A 2D context the border is sampled on: a canvas's or an offscreen canvas's, 32×32 pixels. */
export type SamplingContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * The colour of the frame's outer border, where the backdrop shows, or undefined when the border
 * is not one uniform, coloured backdrop yet (a black first frame, a frame still decoding).
 * `context` is a square canvas's 2D context (32×32 pixels is enough).
 */
export function sampleBackdrop(frame: CanvasImageSource, context: SamplingContext): Rgb | undefined {
  /** Largest spread of a colour channel along the border (0–255) that still counts as one backdrop. */
  const maxSpread = 40;
  /** Least chroma distance from grey (CbCr, 0–0.5) of a backdrop: black, grey and white are not one. */
  const minChroma = 0.12;
  const size = context.canvas.width;
  context.drawImage(frame, 0, 0, size, size);
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
  const [r, g, b] = [sum[0]! / count, sum[1]! / count, sum[2]! / count];
  const cb = (r * -0.169 + g * -0.331 + b * 0.5) / 255;
  const cr = (r * 0.5 + g * -0.419 + b * -0.081) / 255;
  return spread <= maxSpread && Math.hypot(cb, cr) >= minChroma ? [r, g, b] : undefined;
}
