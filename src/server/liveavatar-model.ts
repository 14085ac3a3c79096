/**
 * One-time setup of LiveAvatar FULL with your own model (`liveavatar-api.md` §10): LiveAvatar
 * keeps your endpoint's secret and an LLM configuration that points its sessions at your
 * `createChatCompletionsHandler` endpoint.
 */
import { LiveAvatarApiClient } from '../api/liveavatar-client.js';

/** What {@link registerLiveAvatarModel} registers. */
export interface LiveAvatarModelRegistration {
  /** Your LiveAvatar API key (server only). */
  apiKey: string;
  /** LiveAvatar's API (default `https://api.liveavatar.com`; the emulator's `/liveavatar`). */
  baseUrl?: string | undefined;
  /**
   * Where LiveAvatar reaches your endpoint: the URL it appends `/v1/chat/completions` to, e.g.
   * `https://example.com/model` for a handler served at `/model/v1/chat/completions`.
   */
  endpointBaseUrl: string;
  /** The `secret` your `createChatCompletionsHandler` checks; LiveAvatar sends it as the Bearer key. */
  secret: string;
  /** Sent to your endpoint as `model`. */
  modelName: string;
  /** How the secret and configuration are named in LiveAvatar (default `streaming-avatar-kit model`). */
  displayName?: string | undefined;
}

/**
 * Stores the secret (`POST /v1/secrets`) and creates the LLM configuration
 * (`POST /v1/llm_configurations`). Run it once (a deploy step), keep the id, and pass it to
 * `createLiveAvatarTokenHandler`'s `session.llm.configurationId`.
 * @returns The LLM configuration's id.
 * @throws {ApiError} what LiveAvatar answered: `authentication` for a bad key, `invalid_parameter`
 *   naming the field.
 */
export async function registerLiveAvatarModel(registration: LiveAvatarModelRegistration): Promise<string> {
  const client = new LiveAvatarApiClient({
    credentials: { apiKey: registration.apiKey },
    baseUrl: registration.baseUrl,
  });
  const displayName = registration.displayName ?? 'streaming-avatar-kit model';
  const secretId = await client.createSecret(displayName, registration.secret);
  return client.createLlmConfiguration({
    displayName,
    modelName: registration.modelName,
    secretId,
    baseUrl: registration.endpointBaseUrl,
  });
}
