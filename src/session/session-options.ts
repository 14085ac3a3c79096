import type { VideoEncoding, VoiceSettings } from '../api/schemas.js';
import type { Clock } from '../internal/clock.js';
import { checkEnumOption, checkNumberOption } from '../internal/validate.js';
import { IDLE_TIMEOUT_SECONDS, QUALITY_PRESETS, type Quality } from '../limits.js';
import type { ProviderFactory } from '../provider.js';
import type { SessionTokenSource } from '../tokens.js';
import type { MicrophoneEnvironment } from '../voice/microphone.js';
import type { AudioEnergyWatcher } from '../voice/voice-chat.js';
import type { TransportFactory } from './transport.js';

/** Options of each session (the avatar's options, less how it watches the page). */
export interface SessionOptions {
  /** Where session tokens come from: `fromEndpoint('/api/avatar-token')` in a page. */
  token: SessionTokenSource;
  avatarId?: string | undefined;
  /** Default `low` (360p). */
  quality?: Quality | undefined;
  voice?: VoiceSettings | undefined;
  language?: string | undefined;
  knowledgeBaseId?: string | undefined;
  /** Inline knowledge-base prompt for `talk` tasks. */
  knowledgeBase?: string | undefined;
  /** Idle timeout in seconds, 30–3600 (default 120; contract doc). */
  idleTimeoutSeconds?: number | undefined;
  /** Default `H264` (iOS 18 Safari fails on VP8; contract doc Decision). */
  videoEncoding?: VideoEncoding | undefined;
  /** Streaming API base URL (default HeyGen's); ignored when `provider` is given. */
  baseUrl?: string | undefined;
  provider?: ProviderFactory | undefined;
  /** Default: a LiveKit room, loaded on first start. */
  transport?: TransportFactory | undefined;
  clock?: Clock | undefined;
  /**
   * Send keep-alives so the idle timeout never ends a session the page still holds (default
   * true). Turn off to let the idle timeout end an unattended kiosk session.
   */
  keepAlive?: boolean | undefined;
  /** Emit `expiring` this many seconds before the idle timeout or duration limit (default 30 s). */
  expiringWarningSeconds?: number | undefined;
  /** Give up when the avatar's media has not arrived this many milliseconds after the room join (default 30,000 ms). */
  mediaTimeoutMs?: number | undefined;
  /**
   * Fail the start when `streaming.new` has not answered within this many milliseconds (default
   * 15,000 ms). The request itself is not abandoned: a session it creates later is stopped.
   */
  newSessionTimeoutMs?: number | undefined;
  /** Stop the session when the page is hidden for good (`pagehide`) (default true). */
  stopOnPageHide?: boolean | undefined;
  /** Where `pagehide` is listened for (default `globalThis` when it has `addEventListener`). */
  pageLifecycle?: EventTarget | undefined;
  /** Where voice chat gets its microphone (default: this page's `navigator.mediaDevices`). */
  microphoneEnvironment?: MicrophoneEnvironment | undefined;
  /** Measures when the avatar's answer is first heard (default: Web Audio on its audio track). */
  watchAudioEnergy?: AudioEnergyWatcher | undefined;
  /** Receives one line per state change and notable step. */
  log?: ((message: string) => void) | undefined;
}

/**
 * Checks the options of a session at construction.
 * @throws {InvalidOptionError} naming the first option out of range.
 */
export function validateSessionOptions(options: SessionOptions): void {
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
