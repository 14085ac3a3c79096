/**
 * LiveAvatar (`liveavatar-api.md`), HeyGen's successor API, as a {@link StreamingProvider}. The
 * server creates the session with its API key; the page starts it with the session token, joins
 * the room, and in FULL mode sends its commands on the data topic `agent-control` and reads the
 * events of `agent-response`. The code loads on the first start, not with the page.
 */
import { StreamingAvatarError } from '../errors.js';
import type { ProviderFactory } from '../provider.js';

/** Options of {@link liveAvatar}. */
export interface LiveAvatarProviderOptions {
  /**
   * `full` (default): LiveAvatar speaks text and runs the conversation. `lite` (you send audio) is
   * not available in this version. The session token's own mode must match.
   */
  mode?: 'full' | 'lite' | undefined;
  /** API base URL (default `https://api.liveavatar.com`; the emulator's `/liveavatar` in tests and the demo). */
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
}

/**
 * LiveAvatar as the session's provider: `new AvatarSession({ provider: liveAvatar(), token })`,
 * where the token endpoint is `createLiveAvatarTokenHandler` on your server.
 * @throws {StreamingAvatarError} `configuration` at the start, when `mode` is `lite` or differs
 * from the session token's.
 */
export function liveAvatar(options: LiveAvatarProviderOptions = {}): ProviderFactory {
  return async (sessionToken) => {
    if (options.mode === 'lite') {
      throw new StreamingAvatarError(
        'configuration',
        'LiveAvatar LITE mode (audio you send) is not available in this version; use mode "full".',
      );
    }
    const { liveAvatarFullProvider } = await import('./liveavatar-full.js');
    return liveAvatarFullProvider(sessionToken, options);
  };
}
