/**
 * The limits and presets the emulator serves, read from the contract (`heygen-streaming-api.md`)
 * and HeyGen's limits page — not from the toolkit, so that a client's mistaken constant is caught
 * by the emulator rather than copied into it.
 */

/** Most characters one `repeat` task may carry (HeyGen's docs: "Repeat Task"). */
export const MAX_REPEAT_TEXT_CHARS = 1000;

/** `activity_idle_timeout` bounds and default, in seconds (contract: 30–3600, default 120). */
export const IDLE_TIMEOUT_SECONDS = { min: 30, max: 3600, default: 120 } as const;

/**
 * Limits per kind of key (HeyGen's limits page): trial keys get 3 concurrent sessions of at most
 * 600 seconds and 300 streaming minutes a month; API keys up to 100 concurrent sessions.
 */
export const KEY_TIER_LIMITS = {
  trial: { concurrentSessions: 3, sessionDurationSeconds: 600, monthlyStreamingMinutes: 300 },
  api: { concurrentSessions: 100 },
} as const;

/** `streaming.new` quality presets (contract): frame size in pixels, bitrate in kbit/s. */
export const QUALITY_PRESETS = {
  low: { width: 640, height: 360, bitrateKbps: 500 },
  medium: { width: 854, height: 480, bitrateKbps: 1000 },
  high: { width: 1280, height: 720, bitrateKbps: 2000 },
} as const;

export type Quality = keyof typeof QUALITY_PRESETS;

/** Frames per second of the avatar's video (contract). */
export const AVATAR_FRAME_RATE = 25;

/** The LiveKit identity the avatar joins its room with (contract). */
export const AVATAR_IDENTITY = 'heygen';

/** LiveAvatar LITE's audio: 16-bit mono PCM at 24 kHz (`liveavatar-api.md` §7). */
export const LITE_SAMPLE_RATE = 24_000;

/** The sandbox avatar, "Wayne" (contract §2): the only one a sandbox session may use. */
export const SANDBOX_AVATAR_ID = 'dd73ea75-1218-4ef3-92ce-606d5f7fbc0a';
