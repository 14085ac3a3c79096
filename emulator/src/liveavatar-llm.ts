/**
 * LiveAvatar's secrets and LLM configurations (contract `liveavatar-api.md` §10): an account
 * stores its model's API key as a secret, then an LLM configuration that points FULL sessions at
 * its own OpenAI-compatible endpoint. Secret values are kept but never answered.
 */
import { randomUUID } from 'node:crypto';
import { LiveAvatarError, type ValidationIssue } from './liveavatar-errors.js';
import type { ModelEndpoint } from './model-answers.js';

/** One LLM configuration, as the API answers it. Times are ISO 8601. */
export interface LlmConfiguration {
  id: string;
  base_url: string;
  display_name: string;
  model_name: string;
  secret_id: string;
  created_at: string;
  updated_at: string;
}

const OPENAI_BASE_URL = 'https://api.openai.com';
const SECRET_TYPES = ['LLM_API_KEY', 'OPENAI_API_KEY'];

/** One account's secrets and configurations. */
export class LlmSettings {
  readonly #secrets = new Map<string, { type: string; name: string; value: string }>();
  readonly #configurations = new Map<string, LlmConfiguration>();

  /** `POST /v1/secrets`: stores `secret_value`; answers only its id. */
  createSecret(body: Record<string, unknown>): { secret_id: string } {
    const issues: ValidationIssue[] = [];
    if (!SECRET_TYPES.includes(String(body.secret_type)))
      issues.push({
        loc: ['body', 'secret_type'],
        msg: `Input should be ${SECRET_TYPES.join(' or ')}`,
        type: 'enum',
      });
    for (const field of ['secret_value', 'secret_name'])
      if (typeof body[field] !== 'string' || body[field] === '')
        issues.push({ loc: ['body', field], msg: 'Field required', type: 'missing' });
    if (issues.length > 0) throw new LiveAvatarError(422, 'Validation error', issues);
    const id = randomUUID();
    this.#secrets.set(id, {
      type: String(body.secret_type),
      name: String(body.secret_name),
      value: String(body.secret_value),
    });
    return { secret_id: id };
  }

  /**
   * `/v1/llm_configurations` (and the reference's `/v1/llm-configurations`): create, list, read,
   * delete. `rest` is the path after the collection (`''` or `/{id}`).
   */
  route(method: string, rest: string, body: Record<string, unknown>): unknown {
    const id = rest.match(/^\/([^/]+)$/)?.[1];
    if (rest === '' || rest === '/') {
      if (method === 'GET')
        return { results: [...this.#configurations.values()], count: this.#configurations.size };
      if (method === 'POST') return this.#createConfiguration(body);
      throw new LiveAvatarError(405, 'Method not allowed.');
    }
    if (id === undefined) throw new LiveAvatarError(404, `No endpoint ${method} ${rest}.`);
    const configuration = this.configuration(id);
    if (method === 'GET') return configuration;
    if (method === 'DELETE') {
      this.#configurations.delete(id);
      return null;
    }
    throw new LiveAvatarError(405, 'Method not allowed.');
  }

  /** The configuration `id`. @throws {LiveAvatarError} 404 when the account has none by that id. */
  configuration(id: string): LlmConfiguration {
    const configuration = this.#configurations.get(id);
    if (!configuration) throw new LiveAvatarError(404, `LLM configuration ${id} not found.`);
    return configuration;
  }

  /**
   * Where a session using configuration `id` asks its model: `<base_url>/v1/chat/completions`,
   * with the configuration's secret as the key (contract §10).
   * @throws {LiveAvatarError} 404 when the account has no configuration by that id.
   */
  endpoint(id: string): ModelEndpoint {
    const configuration = this.configuration(id);
    return {
      url: `${configuration.base_url.replace(/\/+$/, '')}/v1/chat/completions`,
      model: configuration.model_name,
      apiKey: this.#secrets.get(configuration.secret_id)?.value ?? '',
    };
  }

  #createConfiguration(body: Record<string, unknown>): LlmConfiguration {
    const issues: ValidationIssue[] = [];
    for (const field of ['display_name', 'model_name']) {
      const value = body[field];
      if (typeof value !== 'string' || value.length < 1 || value.length > 255)
        issues.push({
          loc: ['body', field],
          msg: 'String should have 1 to 255 characters',
          type: 'string_type',
        });
    }
    const secretId = body.secret_id;
    if (typeof secretId !== 'string' || secretId.length > 36)
      issues.push({
        loc: ['body', 'secret_id'],
        msg: 'String should have at most 36 characters',
        type: 'string_type',
      });
    const baseUrl = body.base_url ?? OPENAI_BASE_URL;
    if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl))
      issues.push({ loc: ['body', 'base_url'], msg: 'Input should be a valid URL', type: 'url_parsing' });
    if (issues.length > 0) throw new LiveAvatarError(422, 'Validation error', issues);
    // Contract §10 Decision: a secret that is not this account's is 400.
    if (!this.#secrets.has(String(secretId)))
      throw new LiveAvatarError(400, `Secret ${String(secretId)} is not this account's.`);
    const now = new Date().toISOString();
    const configuration: LlmConfiguration = {
      id: randomUUID(),
      base_url: String(baseUrl),
      display_name: String(body.display_name),
      model_name: String(body.model_name),
      secret_id: String(secretId),
      created_at: now,
      updated_at: now,
    };
    this.#configurations.set(configuration.id, configuration);
    return configuration;
  }
}
