/**
 * How `<streaming-avatar>` moves its picture to a renewed session without a visible break: the
 * new media plays in a second video under the one shown, and at the new video's first presented
 * frame the shown one fades out, so no frame is black and none is held longer than the fade.
 */

/** How long the shown video takes to fade out, in milliseconds (issue target: at most 300). */
export const CROSS_FADE_MS = 250;

/**
 * Plays `media` in `next`, under `shown`, and fades `shown` out once `next` presents its first
 * frame; then `shown` is emptied and `next` is the one on top. Resolves when the fade is done.
 */
export async function crossFade(shown: HTMLVideoElement, next: HTMLVideoElement, media: MediaStream): Promise<void> {
  shown.style.zIndex = '1';
  next.style.zIndex = '0';
  next.srcObject = media;
  next.muted = shown.muted;
  const firstFrame = new Promise((resolve) => next.requestVideoFrameCallback(resolve));
  await next.play().catch(() => undefined);
  await firstFrame;
  shown.style.transition = `opacity ${CROSS_FADE_MS}ms`;
  shown.style.opacity = '0';
  await new Promise((resolve) => setTimeout(resolve, CROSS_FADE_MS));
  shown.srcObject = null;
  shown.removeAttribute('style');
  next.style.zIndex = '1';
}
