/**
 * A typed client for the HeyGen Streaming API (contract doc: `heygen-streaming-api.md`): the
 * session's calls ({@link StreamingSessionClient}) and the account's — session tokens, the active
 * sessions and their history, avatars, knowledge bases, the remaining quota.
 */
import * as z from 'zod/mini';
import { StreamingAvatarError } from '../errors.js';
import {
  type ActiveSession,
  type AvatarInfo,
  activeSessionListSchema,
  avatarListSchema,
  createTokenResponseSchema,
  type KnowledgeBase,
  knowledgeBaseCreatedSchema,
  knowledgeBaseListSchema,
  remainingQuotaSchema,
  type SessionHistoryEntry,
  type SessionHistoryPage,
  sessionHistoryPageSchema,
  sessionHistoryReferenceSchema,
} from './account-schemas.js';
import { type CallOptions, check } from './http.js';
import { anyData, StreamingSessionClient } from './session-client.js';

export type { CallOptions } from './http.js';
export {
  type ApiCredentials,
  HEYGEN_API_BASE_URL,
  type SendTaskArgs,
  type StreamingApiClientOptions,
  StreamingSessionClient,
} from './session-client.js';

/** Query of the session history (`GET /v2/streaming.list`). Dates are `YYYY-MM-DDTHH:MM:SSZ`. */
export interface SessionHistoryQuery {
  /** Page size, at most 100 (default 100). */
  pageSize?: number;
  /** Sessions started at or after this time, `YYYY-MM-DDTHH:MM:SSZ` (contract doc). */
  dateFrom?: string;
  /** Sessions started at or before this time, `YYYY-MM-DDTHH:MM:SSZ` (contract doc). */
  dateTo?: string;
}

/**
 * One method per Streaming API endpoint: a session's ({@link StreamingSessionClient}) and the
 * account's. Server side with an API key; in a page with a session token.
 *
 * Every method throws a {@link StreamingAvatarError}: an {@link ApiError} subclass for an error
 * answer, {@link InvalidResponseError} when a response does not match the contract,
 * {@link NetworkError}, {@link TimeoutError} or {@link AbortError}.
 */
export class StreamingApiClient extends StreamingSessionClient {
  /**
   * Exchanges the API key for a single-use session token (`POST /v1/streaming.create_token`).
   * Server side only; never retried on 5xx or network errors (each try would mint a token).
   * @throws {StreamingAvatarError} `authentication` when the client was built with a session token.
   */
  async createSessionToken(options: CallOptions = {}): Promise<string> {
    if (!('apiKey' in this.credentials)) {
      throw new StreamingAvatarError(
        'authentication',
        'createSessionToken needs an API key; it runs on your server, not in the browser.',
      );
    }
    const response = await this.request(
      {
        method: 'POST',
        path: '/v1/streaming.create_token',
        body: {},
        schema: createTokenResponseSchema,
        idempotent: false,
        bare: true,
      },
      options,
    );
    return response.data.token;
  }

  /** The account's active sessions (`GET /v1/streaming.list`). */
  async listActiveSessions(options: CallOptions = {}): Promise<ActiveSession[]> {
    const data = await this.request(
      { method: 'GET', path: '/v1/streaming.list', schema: activeSessionListSchema, idempotent: true },
      options,
    );
    return data.sessions;
  }

  /**
   * One page of the session history (`GET /v2/streaming.list`).
   * @param query The filters, plus `page` (1-based) and `token` (the previous page's
   *   `next_pagination_token`).
   */
  async listSessionHistoryPage(
    query: SessionHistoryQuery & { page?: number; token?: string } = {},
    options: CallOptions = {},
  ): Promise<SessionHistoryPage> {
    const path = '/v2/streaming.list';
    const body = await this.request(
      {
        method: 'GET',
        path,
        query: {
          page: query.page ?? 1,
          page_size: query.pageSize ?? 100,
          date_from: query.dateFrom,
          date_to: query.dateTo,
          token: query.token,
        },
        schema: z.looseObject({ data: z.unknown() }),
        idempotent: true,
        bare: true,
      },
      options,
    );
    // Either published shape (contract Decision): the sessions in data[] or in data.sessions[].
    if (!Array.isArray(body.data)) return check(path, sessionHistoryPageSchema, body.data, 'data');
    const { data, ...paging } = check(path, sessionHistoryReferenceSchema, body, '');
    return { ...paging, sessions: data };
  }

  /** Every past session, page after page (`GET /v2/streaming.list`), as an async iterator. */
  async *listSessionHistory(
    query: SessionHistoryQuery = {},
    options: CallOptions = {},
  ): AsyncGenerator<SessionHistoryEntry> {
    let page = 1;
    let token: string | undefined;
    let seen = 0;
    for (;;) {
      const result = await this.listSessionHistoryPage(
        { ...query, page, ...(token === undefined ? {} : { token }) },
        options,
      );
      yield* result.sessions;
      seen += result.sessions.length;
      // No more pages: the token is absent, null or (in the reference's shape) empty.
      token = result.next_pagination_token || undefined;
      if (result.sessions.length === 0 || seen >= result.total || token === undefined) return;
      page += 1;
    }
  }

  /** The avatars this account may stream (`GET /v1/streaming/avatar.list`). */
  listAvatars(options: CallOptions = {}): Promise<AvatarInfo[]> {
    return this.request(
      { method: 'GET', path: '/v1/streaming/avatar.list', schema: avatarListSchema, idempotent: true },
      options,
    );
  }

  /** The account's knowledge bases (`GET /v1/streaming/knowledge_base/list`). */
  async listKnowledgeBases(options: CallOptions = {}): Promise<KnowledgeBase[]> {
    const data = await this.request(
      {
        method: 'GET',
        path: '/v1/streaming/knowledge_base/list',
        schema: knowledgeBaseListSchema,
        idempotent: true,
      },
      options,
    );
    return data.list;
  }

  /** Creates a knowledge base; returns its id (`POST /v1/streaming/knowledge_base/create`). */
  async createKnowledgeBase(
    fields: { name: string; opening: string; prompt: string },
    options: CallOptions = {},
  ): Promise<string> {
    const data = await this.request(
      {
        method: 'POST',
        path: '/v1/streaming/knowledge_base/create',
        body: fields,
        schema: knowledgeBaseCreatedSchema,
        idempotent: false,
      },
      options,
    );
    return data.id;
  }

  /** Updates a knowledge base's fields (`POST /v1/streaming/knowledge_base/{id}`). */
  async updateKnowledgeBase(
    id: string,
    fields: { name?: string; opening?: string; prompt?: string },
    options: CallOptions = {},
  ): Promise<void> {
    await this.request(
      {
        method: 'POST',
        path: `/v1/streaming/knowledge_base/${encodeURIComponent(id)}`,
        body: fields,
        schema: anyData,
        idempotent: true,
      },
      options,
    );
  }

  /** Deletes a knowledge base (`POST /v1/streaming/knowledge_base/{id}/delete`). */
  async deleteKnowledgeBase(id: string, options: CallOptions = {}): Promise<void> {
    await this.request(
      {
        method: 'POST',
        path: `/v1/streaming/knowledge_base/${encodeURIComponent(id)}/delete`,
        body: {},
        schema: anyData,
        idempotent: true,
      },
      options,
    );
  }

  /** Seconds of credit-equivalent left on the account (`GET /v2/user/remaining_quota`). */
  async getRemainingQuota(options: CallOptions = {}): Promise<number> {
    const data = await this.request(
      { method: 'GET', path: '/v2/user/remaining_quota', schema: remainingQuotaSchema, idempotent: true },
      options,
    );
    return data.remaining_quota;
  }
}
