/**
 * The HeyGen Streaming API's limits and presets, each with its source: a seed page in
 * `shared/seeds/` or the contract doc (`heygen-streaming-api.md`). Every other module reads them
 * from here, so a change in HeyGen's published limits is a one-line change.
 */

/** Most characters one `repeat` task may carry (seed 000, "Repeat Task"). */
export const MAX_REPEAT_TEXT_CHARS = 1000;

/**
 * Idle timeout bounds and default, in seconds (contract doc, `activity_idle_timeout`: 30–3600,
 * default 120).
 */
export const IDLE_TIMEOUT_SECONDS = { min: 30, max: 3600, default: 120 } as const;

/** A video quality preset of `streaming.new` (contract doc): frame size in pixels and bitrate in kbit/s. */
export interface QualityPreset {
  readonly width: number;
  readonly height: number;
  readonly bitrateKbps: number;
}

/** Quality presets (contract doc): low = 360p / 500 kbps, medium = 480p / 1000 kbps, high = 720p / 2000 kbps. */
export const QUALITY_PRESETS = {
  low: { width: 640, height: 360, bitrateKbps: 500 },
  medium: { width: 854, height: 480, bitrateKbps: 1000 },
  high: { width: 1280, height: 720, bitrateKbps: 2000 },
} as const satisfies Record<string, QualityPreset>;

/** The quality names `streaming.new` accepts. */
export type Quality = keyof typeof QUALITY_PRESETS;

/** The LiveKit participant identity the avatar joins the room with (contract doc). */
export const AVATAR_IDENTITY = 'heygen';
