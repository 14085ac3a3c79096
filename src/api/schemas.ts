/**
 * Request and response shapes of the HeyGen Streaming API (contract doc: `heygen-streaming-api.md`).
 * Types come from the schemas (`z.infer`), so a field is written once. Responses are objects that
 * allow extra fields: HeyGen adds fields over time and a new one must not break a page.
 */
import * as z from 'zod/mini';

export const qualitySchema = z.enum(['low', 'medium', 'high']);
export const voiceEmotionSchema = z.enum(['excited', 'serious', 'friendly', 'soothing', 'broadcaster']);
export const taskTypeSchema = z.enum(['repeat', 'talk']);
export const taskModeSchema = z.enum(['sync', 'async']);
export const videoEncodingSchema = z.enum(['H264', 'VP8']);

/** `voice` of `streaming.new`: `rate` is a speed factor (1 = normal, 0.5–1.5 sensible). */
export const voiceSettingsSchema = z.object({
  voice_id: z.optional(z.string()),
  rate: z.optional(z.number()),
  emotion: z.optional(voiceEmotionSchema),
  elevenlabs_settings: z.optional(
    z.object({
      stability: z.optional(z.number()),
      similarity_boost: z.optional(z.number()),
      style: z.optional(z.number()),
      use_speaker_boost: z.optional(z.boolean()),
      model_id: z.optional(z.string()),
    }),
  ),
});

/** Body of `POST /v1/streaming.new`. `activity_idle_timeout` is in seconds (30–3600). */
export const newSessionRequestSchema = z.object({
  avatar_id: z.optional(z.string()),
  avatar_name: z.optional(z.string()),
  quality: z.optional(qualitySchema),
  voice: z.optional(voiceSettingsSchema),
  language: z.optional(z.string()),
  knowledge_base_id: z.optional(z.string()),
  knowledge_base: z.optional(z.string()),
  version: z.optional(z.literal('v2')),
  video_encoding: z.optional(videoEncodingSchema),
  activity_idle_timeout: z.optional(z.number()),
  disable_idle_timeout: z.optional(z.boolean()),
  stt_settings: z.optional(
    z.object({ provider: z.optional(z.enum(['deepgram', 'gladia'])), confidence: z.optional(z.number()) }),
  ),
});

/** `data` of `streaming.new`. `session_duration_limit` is in seconds. */
export const newSessionSchema = z.looseObject({
  session_id: z.string(),
  url: z.string(),
  access_token: z.string(),
  is_paid: z.boolean(),
  session_duration_limit: z.number(),
  realtime_endpoint: z.optional(z.nullable(z.string())),
});

/** Body of `POST /v1/streaming.task`. `text` is at most 1,000 characters for `repeat` (seed 000). */
export const taskRequestSchema = z.object({
  session_id: z.string(),
  text: z.string(),
  task_type: z.optional(z.enum(['repeat', 'talk', 'chat'])),
  task_mode: z.optional(taskModeSchema),
});

/** `data` of `streaming.task`. `duration_ms` is the expected speech length in milliseconds. */
export const taskSchema = z.looseObject({
  task_id: z.string(),
  duration_ms: z.number(),
});

/** `data.token` of `streaming.create_token` (its envelope is `{error, data}`). */
export const createTokenResponseSchema = z.looseObject({
  error: z.optional(z.nullable(z.unknown())),
  data: z.looseObject({ token: z.string() }),
});

export const sessionStatusSchema = z.enum(['new', 'connecting', 'connected', 'closing', 'closed']);

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

/**
 * The success envelope, `{code: 100, message, data}` or `{error: null, data}` (both published);
 * `data` is checked by the endpoint's schema.
 */
export const successEnvelopeSchema = z.looseObject({
  code: z.optional(z.number()),
  message: z.optional(z.nullable(z.string())),
  error: z.optional(z.unknown()),
  data: z.optional(z.unknown()),
});

/** `voice` of `streaming.new`: `voice_id`, `rate` (speed factor, 1 = normal), `emotion`, ElevenLabs settings. */
export type VoiceSettings = z.infer<typeof voiceSettingsSchema>;
/** Body of `POST /v1/streaming.new` (contract doc). `activity_idle_timeout` in seconds, 30–3600. */
export type NewSessionRequest = z.infer<typeof newSessionRequestSchema>;
/** `data` of `streaming.new`: `session_id`, LiveKit `url` and `access_token`, `is_paid`, `session_duration_limit` (seconds). */
export type NewSession = z.infer<typeof newSessionSchema>;
/** Body of `POST /v1/streaming.task`. */
export type TaskRequest = z.infer<typeof taskRequestSchema>;
/** `data` of `streaming.task`: `task_id` and `duration_ms` (expected speech length, milliseconds). */
export type Task = z.infer<typeof taskSchema>;
/** `repeat` speaks the text verbatim; `talk` has HeyGen's LLM answer it (contract Decision: `talk`, not `chat`). */
export type TaskType = z.infer<typeof taskTypeSchema>;
/** `async` answers at once; `sync` answers when the speech has ended. */
export type TaskMode = z.infer<typeof taskModeSchema>;
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
/** `H264` (default: iOS 18 Safari fails on VP8, contract Decision) or `VP8`. */
export type VideoEncoding = z.infer<typeof videoEncodingSchema>;
