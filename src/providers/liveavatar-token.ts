/** LiveAvatar's session token, as the client reads it (`liveavatar-api.md` §1). */
import type { Clock } from '../clock.js';
import { StreamingAvatarError } from '../errors.js';

/** What the session token says (contract §1: a JWT the client reads, never trusts for more). */
export interface LiveAvatarTokenClaims {
  sessionId: string;
  mode: 'FULL' | 'LITE';
  sandbox: boolean;
}

/**
 * Reads the session id and mode of a LiveAvatar session token.
 * @throws {StreamingAvatarError} `configuration` when it is not a LiveAvatar session token.
 */
export function readSessionToken(token: string): LiveAvatarTokenClaims {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as {
      session_id?: unknown;
      start_session_data?: { mode?: unknown; is_sandbox?: unknown };
    };
    if (typeof claims.session_id !== 'string') throw new Error('no session_id');
    const mode = claims.start_session_data?.mode;
    return {
      sessionId: claims.session_id,
      mode: mode === 'LITE' || mode === 'CUSTOM' ? 'LITE' : 'FULL',
      sandbox: claims.start_session_data?.is_sandbox === true,
    };
  } catch (cause) {
    throw new StreamingAvatarError(
      'configuration',
      'The session token is not a LiveAvatar session token: the token endpoint must create it with ' +
        'LiveAvatar (createLiveAvatarTokenHandler), not with HeyGen.',
      { cause },
    );
  }
}

/** Options of `liveAvatar()` (the LiveAvatar provider). */
export interface LiveAvatarProviderOptions {
  /**
   * `full`: LiveAvatar speaks text and runs the conversation; `lite`: you send the speech as audio
   * (`speakAudio`). Default: the session token's own mode; given, it must match the token's.
   */
  mode?: 'full' | 'lite' | undefined;
  /** API base URL (default `https://api.liveavatar.com`; the emulator's `/liveavatar` in tests and the demo). */
  baseUrl?: string | undefined;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
  /** Times LITE's audio frames and its speech watchdog (default the real, monotonic clock; for tests). */
  clock?: Clock | undefined;
}
