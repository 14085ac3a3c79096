/**
 * Draws the emulated avatar: a face on a solid chroma-key green, with eyes that blink and a mouth
 * that opens with the speech's loudness. RGBA frames; the still parts are drawn once and copied.
 */

/** The background colour, a chroma-key green (so background removal can be shown and tested). */
export const CHROMA_GREEN = [0, 177, 64] as const;

const SKIN = [236, 188, 150] as const;
const HAIR = [74, 48, 32] as const;
const EYE_WHITE = [250, 250, 250] as const;
const PUPIL = [40, 30, 30] as const;
const MOUTH = [120, 30, 40] as const;
const LIPS = [190, 90, 90] as const;

/** Renders frames of one size. */
export class FaceRenderer {
  readonly #base: Uint8Array;
  readonly #frame: Uint8Array;
  readonly #centerX: number;
  readonly #centerY: number;
  readonly #unit: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.#centerX = width / 2;
    this.#centerY = height * 0.52;
    this.#unit = height / 360;
    this.#base = this.#drawBase();
    this.#frame = new Uint8Array(this.#base.length);
  }

  /**
   * One frame. `mouthOpen` is 0 (closed) to 1 (wide); `eyesClosed` blinks.
   * @returns An RGBA buffer of `width × height × 4` bytes, the same one every call: it holds this
   *   frame until the next call. (A LiveKit video source copies a frame as it is captured; a new
   *   buffer per frame kept two avatars' garbage collection busy at every session handoff.)
   */
  render(mouthOpen: number, eyesClosed: boolean): Uint8Array {
    const frame = this.#frame;
    frame.set(this.#base);
    const u = this.#unit;
    for (const side of [-1, 1]) {
      const x = this.#centerX + side * 38 * u;
      const y = this.#centerY - 30 * u;
      if (eyesClosed) {
        this.#fillEllipse(frame, x, y, 16 * u, 2.5 * u, PUPIL);
      } else {
        this.#fillEllipse(frame, x, y, 16 * u, 10 * u, EYE_WHITE);
        this.#fillEllipse(frame, x, y, 6 * u, 6 * u, PUPIL);
      }
    }
    const open = Math.max(0, Math.min(1, mouthOpen));
    const mouthY = this.#centerY + 50 * u;
    this.#fillEllipse(frame, this.#centerX, mouthY, 34 * u, (4 + 22 * open) * u, LIPS);
    this.#fillEllipse(frame, this.#centerX, mouthY, 28 * u, (1.5 + 18 * open) * u, MOUTH);
    return frame;
  }

  #drawBase(): Uint8Array {
    const frame = new Uint8Array(this.width * this.height * 4);
    for (let i = 0; i < frame.length; i += 4) {
      frame[i] = CHROMA_GREEN[0];
      frame[i + 1] = CHROMA_GREEN[1];
      frame[i + 2] = CHROMA_GREEN[2];
      frame[i + 3] = 255;
    }
    const u = this.#unit;
    // Neck and shoulders, then hair behind the face, then the face.
    this.#fillEllipse(frame, this.#centerX, this.height + 40 * u, 190 * u, 120 * u, [60, 90, 160]);
    this.#fillEllipse(frame, this.#centerX, this.#centerY + 110 * u, 36 * u, 60 * u, SKIN);
    this.#fillEllipse(frame, this.#centerX, this.#centerY - 22 * u, 112 * u, 128 * u, HAIR);
    this.#fillEllipse(frame, this.#centerX, this.#centerY, 98 * u, 122 * u, SKIN);
    return frame;
  }

  #fillEllipse(
    frame: Uint8Array,
    cx: number,
    cy: number,
    rx: number,
    ry: number,
    [r, g, b]: readonly [number, number, number],
  ): void {
    const top = Math.max(0, Math.floor(cy - ry));
    const bottom = Math.min(this.height - 1, Math.ceil(cy + ry));
    for (let y = top; y <= bottom; y++) {
      const dy = (y + 0.5 - cy) / ry;
      if (dy * dy > 1) continue;
      const half = rx * Math.sqrt(1 - dy * dy);
      const left = Math.max(0, Math.round(cx - half));
      const right = Math.min(this.width - 1, Math.round(cx + half));
      for (let x = left, i = (y * this.width + left) * 4; x <= right; x++, i += 4) {
        frame[i] = r;
        frame[i + 1] = g;
        frame[i + 2] = b;
      }
    }
  }
}
