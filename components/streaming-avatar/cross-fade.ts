/**
 * How `<streaming-avatar>` moves its picture to a renewed session without a visible break: the
 * new media plays in a second video under the one shown, and once the new video presents frames
 * at its steady rate, the shown one fades out, so no frame is black and none is held longer than
 * about one frame interval.
 */

/** How long the shown video takes to fade out, in milliseconds (at most 300, so the switch reads as one picture). */
export const CROSS_FADE_MS = 250;

/**
 * A new stream starts at a low frame rate while its bitrate ramps up: the fade waits for this many
 * frames in a row at most 80 ms apart, or for 2,000 ms after the first frame, whichever is first.
 */
const STEADY_FRAMES = 5;
const STEADY_INTERVAL_MS = 80;
const STEADY_WAIT_MS = 2_000;

/**
 * Plays `media` in `next`, under `shown`, and fades `shown` out once `next` presents frames
 * steadily; then `shown` is emptied and `next` is the one on top. Resolves when the fade is done.
 */
export async function crossFade(
  shown: HTMLVideoElement,
  next: HTMLVideoElement,
  media: MediaStream,
): Promise<void> {
  shown.style.zIndex = '1';
  next.style.zIndex = '0';
  next.srcObject = media;
  next.muted = shown.muted;
  const steady = new Promise<void>((resolve) => {
    let first: number | undefined;
    let last = Number.NEGATIVE_INFINITY;
    let inARow = 0;
    const frame = (now: number) => {
      first ??= now;
      inARow = now - last <= STEADY_INTERVAL_MS ? inARow + 1 : 0;
      last = now;
      if (inARow >= STEADY_FRAMES || now - first >= STEADY_WAIT_MS) resolve();
      else next.requestVideoFrameCallback(frame);
    };
    next.requestVideoFrameCallback(frame);
  });
  await next.play().catch(() => undefined);
  await steady;
  shown.style.transition = `opacity ${CROSS_FADE_MS}ms`;
  shown.style.opacity = '0';
  await new Promise((resolve) => setTimeout(resolve, CROSS_FADE_MS));
  shown.srcObject = null;
  shown.removeAttribute('style');
  next.style.zIndex = '1';
}
