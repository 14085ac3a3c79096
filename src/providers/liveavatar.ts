/**
 * LiveAvatar (`liveavatar-api.md`), HeyGen's successor API, as a {@link StreamingProvider}. The
 * server creates the session with its API key; the page starts it with the session token, joins
 * the room, and in FULL mode sends its commands on the data topic `agent-control` and reads the
 * events of `agent-response`. The code loads on the first start, not with the page.
 */
import { StreamingAvatarError } from '../errors.js';
import type { ProviderFactory } from '../provider.js';
import { refuseServerChosenOptions } from './liveavatar-options.js';

import type { LiveAvatarProviderOptions } from './liveavatar-token.js';

export type { LiveAvatarProviderOptions };

/**
 * LiveAvatar as the session's provider: `new Avatar({ provider: liveAvatar(), token })`,
 * where the token endpoint is `createLiveAvatarTokenHandler` on your server.
 * @throws {StreamingAvatarError} `configuration` at the start, when `mode` differs from the
 * session token's, the token is not LiveAvatar's, or the page sets what the server chooses
 * (`avatarId`, `voice`, `language`, `knowledgeBaseId`, `knowledgeBase`).
 */
export function liveAvatar(options: LiveAvatarProviderOptions = {}): ProviderFactory {
  const factory: ProviderFactory = async (sessionToken) => {
    const { readSessionToken } = await import('./liveavatar-token.js');
    const claims = readSessionToken(sessionToken);
    const mode = claims.mode === 'LITE' ? 'lite' : 'full';
    if (options.mode !== undefined && options.mode !== mode) {
      throw new StreamingAvatarError(
        'configuration',
        `The session token is for a LiveAvatar ${claims.mode} session, but the provider is in ${options.mode.toUpperCase()} mode.`,
      );
    }
    if (mode === 'lite') {
      const { liveAvatarLiteProvider } = await import('./liveavatar-lite.js');
      return liveAvatarLiteProvider(sessionToken, claims, options);
    }
    const { liveAvatarFullProvider } = await import('./liveavatar-full.js');
    return liveAvatarFullProvider(sessionToken, claims, options);
  };
  factory.checkOptions = refuseServerChosenOptions;
  return factory;
}
