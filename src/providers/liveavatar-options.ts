/**
 * What a page cannot choose for a LiveAvatar session: the server creates the session with its API
 * key, so the avatar and its persona (voice, language, knowledge) are the token handler's
 * (`createLiveAvatarTokenHandler`'s `session`; contract `liveavatar-api.md` §3).
 */
import { StreamingAvatarError } from '../errors.js';
import type { ProviderChecked } from '../provider.js';

/** Each option the page may set, and where LiveAvatar takes it from instead. */
const CHOSEN_BY_SERVER: Record<keyof ProviderChecked, string> = {
  avatarId: 'session.avatarId',
  voice: 'session.avatarPersona.voiceId',
  language: 'session.avatarPersona.language',
  knowledgeBaseId: 'session.avatarPersona.contextId',
  knowledgeBase: 'session.avatarPersona.contextId',
};

/**
 * Refuses the options LiveAvatar takes from the server's token handler rather than the page.
 * @throws {StreamingAvatarError} `configuration`, naming the option and where to set it instead.
 */
export function refuseServerChosenOptions(options: ProviderChecked): void {
  for (const [option, serverOption] of Object.entries(CHOSEN_BY_SERVER)) {
    if (options[option as keyof ProviderChecked] === undefined) continue;
    throw new StreamingAvatarError(
      'configuration',
      `LiveAvatar: ${option} is chosen by your server's token handler (${serverOption}); remove it from the page.`,
    );
  }
}
