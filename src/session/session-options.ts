import { checkEnumOption, checkNumberOption } from '../internal/validate.js';
import { IDLE_TIMEOUT_SECONDS, QUALITY_PRESETS } from '../limits.js';

/** The options of `AvatarSession` that are checked at construction (numbers in seconds or milliseconds). */
export interface CheckedSessionOptions {
  idleTimeoutSeconds?: number | undefined;
  quality?: string | undefined;
  videoEncoding?: string | undefined;
  expiringWarningSeconds?: number | undefined;
  mediaTimeoutMs?: number | undefined;
  newSessionTimeoutMs?: number | undefined;
}

/**
 * Checks the options of an `AvatarSession` at construction.
 * @throws {InvalidOptionError} naming the first option out of range.
 */
export function validateSessionOptions(options: CheckedSessionOptions): void {
  checkNumberOption('idleTimeoutSeconds', options.idleTimeoutSeconds, {
    min: IDLE_TIMEOUT_SECONDS.min,
    max: IDLE_TIMEOUT_SECONDS.max,
    integer: true,
    expected: `a whole number of seconds from ${IDLE_TIMEOUT_SECONDS.min} to ${IDLE_TIMEOUT_SECONDS.max} (contract doc)`,
  });
  checkEnumOption('quality', options.quality, Object.keys(QUALITY_PRESETS));
  checkEnumOption('videoEncoding', options.videoEncoding, ['H264', 'VP8']);
  checkNumberOption('expiringWarningSeconds', options.expiringWarningSeconds, {
    min: 0,
    expected: 'a number of seconds of 0 or more',
  });
  for (const option of ['mediaTimeoutMs', 'newSessionTimeoutMs'] as const) {
    checkNumberOption(option, options[option], {
      min: 0,
      exclusiveMin: true,
      expected: 'a positive number of milliseconds',
    });
  }
}
