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
/** `H264` (default: iOS 18 Safari fails on VP8, contract Decision) or `VP8`. */
export type VideoEncoding = z.infer<typeof videoEncodingSchema>;
