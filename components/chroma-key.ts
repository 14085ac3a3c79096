/**
 * The chroma key of `<streaming-avatar background="chroma-key">`, for keying a `<video>` of your
 * own onto a transparent canvas. A module of its own so that pages without a chroma key never
 * download it; the element loads it with its first keyed video.
 *
 * @module streaming-avatar-kit/chroma-key
 */
export {
  type ChromaKey,
  type ChromaKeyOptions,
  ChromaKeyRenderer,
  type ChromaKeyStats,
  createChromaKey,
  type FrameCallbackVideo,
  type Rgb,
  WorkerChromaKeyRenderer,
} from './streaming-avatar/chroma-key.js';
