/**
 * What a visitor sees of a renewal: every video frame presented on top of `<streaming-avatar>`'s
 * stage (its `video` parts: the one shown, and the next session's while they cross-fade), with the
 * gap since the frame before and how dark it was, from `requestVideoFrameCallback`.
 */

import type { StreamingAvatarElement } from '../components/index.js';
import type { Renewal } from '../src/index.js';

/** One presented frame: when (milliseconds, the page's clock), the gap before it, its mean luma (0–255). */
export interface PresentedFrame {
  at: number;
  gapMs: number;
  luma: number;
}

/** The frames around a moment: the largest gap between them and the darkest one. */
export interface FrameFigures {
  largestGapMs: number;
  darkestLuma: number;
  frames: number;
}

/** A renewal as the viewer saw it: the frames of the 2.5 s from the new session's `ready` (the handoff). */
export interface KioskRenewal extends Renewal, FrameFigures {}

/** How long presented frames are kept, in milliseconds. */
const KEPT_MS = 10_000;

/** The frames an element showed in the last 10 s. */
export interface PresentedFrames {
  /** The figures of the frames presented from `beforeMs` before `at` to `afterMs` after it (milliseconds, the page's clock). */
  around(at: number, beforeMs: number, afterMs: number): FrameFigures;
}

/** Follows the frames `element` shows. */
export function watchPresentedFrames(element: HTMLElement): PresentedFrames {
  const frames: PresentedFrame[] = [];
  const canvas = document.createElement('canvas');
  canvas.width = 16;
  canvas.height = 9;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  let lastAt: number | undefined;
  const videos = [...element.shadowRoot!.querySelectorAll('video')];
  // The renewal's cross-fade raises the video shown with z-index 1; before any renewal, the first.
  const onTop = (video: HTMLVideoElement) =>
    video.style.zIndex === '1' ||
    (video === videos[0] && !videos.some((other) => other.style.zIndex === '1'));
  for (const video of videos) {
    const next = (now: number) => {
      video.requestVideoFrameCallback(next);
      if (!onTop(video)) return;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let index = 0; index < pixels.length; index += 4) {
        sum += 0.2126 * pixels[index]! + 0.7152 * pixels[index + 1]! + 0.0722 * pixels[index + 2]!;
      }
      frames.push({
        at: now,
        gapMs: lastAt === undefined ? 0 : now - lastAt,
        luma: sum / (pixels.length / 4),
      });
      lastAt = now;
      while (frames.length > 0 && frames[0]!.at < now - KEPT_MS) frames.shift();
    };
    video.requestVideoFrameCallback(next);
  }
  return {
    around(at: number, beforeMs: number, afterMs: number): FrameFigures {
      const within = frames.filter((frame) => frame.at >= at - beforeMs && frame.at <= at + afterMs);
      return {
        largestGapMs: Math.max(0, ...within.map((frame) => frame.gapMs)),
        darkestLuma: Math.min(255, ...within.map((frame) => frame.luma)),
        frames: within.length,
      };
    },
  };
}

/**
 * Calls `onRenewal` with each renewal of `element`'s avatar as the viewer saw it: the frames of
 * the 2.5 s from the new session's `ready` (the switch; `renewed` follows once the old session
 * stopped, 3 s later).
 * @returns The frames it follows, and when the latest session was `ready` (the page's clock, milliseconds).
 */
export function watchRenewals(
  element: StreamingAvatarElement,
  onRenewal: (seen: KioskRenewal) => void,
): { frames: PresentedFrames; lastReadyAt: () => number } {
  const frames = watchPresentedFrames(element);
  let handoffAt = 0;
  element.avatar.on('ready', () => {
    handoffAt = performance.now();
  });
  element.avatar.on('renewed', (renewal) => onRenewal({ ...renewal, ...frames.around(handoffAt, 0, 2_500) }));
  return { frames, lastReadyAt: () => handoffAt };
}
