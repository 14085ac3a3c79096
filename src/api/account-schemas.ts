/**
 * Schemas of the Streaming API's account calls (session tokens, the active sessions and their
 * history, avatars, knowledge bases, the quota): kept apart from `schemas.ts`, which a page
 * downloads for its sessions, so a page never carries them.
 */
import * as z from 'zod/mini';

/** `data.token` of `streaming.create_token` (its envelope is `{error, data}`). */
export const createTokenResponseSchema = z.looseObject({
  error: z.optional(z.nullable(z.unknown())),
  data: z.looseObject({ token: z.string() }),
});

/** One entry of `GET /v1/streaming.list`. `created_at` is unix seconds. */
export const activeSessionSchema = z.looseObject({
  session_id: z.string(),
  status: z.string(),
  created_at: z.number(),
});

export const activeSessionListSchema = z.looseObject({ sessions: z.array(activeSessionSchema) });

/** One entry of `GET /v2/streaming.list`. `created_at` is unix seconds, `duration` seconds. */
export const sessionHistoryEntrySchema = z.looseObject({
  session_id: z.string(),
  status: z.string(),
  created_at: z.number(),
  api_key_type: z.optional(z.nullable(z.string())),
  duration: z.optional(z.nullable(z.number())),
  avatar_id: z.optional(z.nullable(z.string())),
  voice_name: z.optional(z.nullable(z.string())),
});

/** One page of the session history, whichever published shape it came in. */
export const sessionHistoryPageSchema = z.looseObject({
  total: z.number(),
  page: z.number(),
  page_size: z.number(),
  next_pagination_token: z.optional(z.nullable(z.string())),
  sessions: z.array(sessionHistoryEntrySchema),
});

/**
 * The body of `GET /v2/streaming.list` as the reference publishes it: the sessions in `data[]`,
 * the paging beside it. (Some clients read everything under `data`, as {@link sessionHistoryPageSchema};
 * the client accepts both, contract Decision.)
 */
export const sessionHistoryReferenceSchema = z.looseObject({
  total: z.number(),
  page: z.number(),
  page_size: z.number(),
  next_pagination_token: z.optional(z.nullable(z.string())),
  data: z.array(sessionHistoryEntrySchema),
});

/** One entry of `GET /v1/streaming/avatar.list`. */
export const avatarSchema = z.looseObject({
  avatar_id: z.string(),
  created_at: z.optional(z.nullable(z.number())),
  default_voice: z.optional(z.nullable(z.string())),
  is_public: z.optional(z.boolean()),
  normal_preview: z.optional(z.nullable(z.string())),
  pose_name: z.optional(z.nullable(z.string())),
  status: z.optional(z.string()),
});

export const avatarListSchema = z.array(avatarSchema);

/** One knowledge base. `created_at` is unix seconds. */
export const knowledgeBaseSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  opening: z.optional(z.nullable(z.string())),
  prompt: z.optional(z.nullable(z.string())),
  created_at: z.optional(z.nullable(z.number())),
});

export const knowledgeBaseListSchema = z.looseObject({ list: z.array(knowledgeBaseSchema) });
export const knowledgeBaseCreatedSchema = z.looseObject({ id: z.string() });

/** `data` of `GET /v2/user/remaining_quota`: seconds of credit-equivalent left. */
export const remainingQuotaSchema = z.looseObject({ remaining_quota: z.number() });

/** One active session of `GET /v1/streaming.list`: `session_id`, `status`, `created_at` (unix seconds). */
export type ActiveSession = z.infer<typeof activeSessionSchema>;
/** One past session of `GET /v2/streaming.list`; `created_at` unix seconds, `duration` seconds. */
export type SessionHistoryEntry = z.infer<typeof sessionHistoryEntrySchema>;
/** One page of `GET /v2/streaming.list`: `total`, `page`, `page_size`, `next_pagination_token`, `sessions`. */
export type SessionHistoryPage = z.infer<typeof sessionHistoryPageSchema>;
/** One avatar of `GET /v1/streaming/avatar.list`: `avatar_id`, `default_voice`, `normal_preview` (image URL), `status`. */
export type AvatarInfo = z.infer<typeof avatarSchema>;
/** One knowledge base: `id`, `name`, `opening`, `prompt`, `created_at` (unix seconds). */
export type KnowledgeBase = z.infer<typeof knowledgeBaseSchema>;
