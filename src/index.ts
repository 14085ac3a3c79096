/**
 * streaming-avatar-kit core: a typed HeyGen Streaming API client, the session manager, the task
 * queue and the credit meter. Framework-free; `livekit-client` loads only when a session starts.
 *
 * @module streaming-avatar-kit
 */

export type {
  ActiveSession,
  AvatarInfo,
  KnowledgeBase,
  SessionHistoryEntry,
  SessionHistoryPage,
} from './api/account-schemas.js';
export {
  type ApiCredentials,
  type CallOptions,
  HEYGEN_API_BASE_URL,
  type SendTaskArgs,
  type SessionHistoryQuery,
  StreamingApiClient,
  type StreamingApiClientOptions,
  StreamingSessionClient,
} from './api/client.js';
export {
  ApiError,
  type ApiErrorContext,
  type ApiErrorDetails,
  AuthenticationError,
  AvatarNotFoundError,
  ConcurrencyLimitError,
  InvalidParameterError,
  PlanLimitError,
  RateLimitError,
  ServerError,
  SessionClosedError,
  SessionNotFoundError,
  type SessionServerState,
  SessionStateError,
} from './api/errors.js';
export type { ApiClientOptions } from './api/http.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './api/retry.js';
export type {
  NewSession,
  NewSessionRequest,
  Task,
  TaskMode,
  TaskType,
  VideoEncoding,
  VoiceSettings,
} from './api/schemas.js';
export { Avatar, type AvatarEvents, type AvatarOptions } from './avatar.js';
export { chatCompletionText } from './chat-completion-text.js';
export type { Clock } from './clock.js';
export {
  type BilledSpan,
  CreditMeter,
  type CreditMeterEvents,
  type CreditMeterOptions,
  type MeteredSession,
  type MeterReading,
} from './credits/credit-meter.js';
export {
  type BillingBasis,
  billedSecondsFor,
  creditsForSession,
  PRICE_PER_CREDIT_USD,
  RATE_PLANS,
  type RatePlan,
  type RatePlanName,
  resolveRatePlan,
} from './credits/rate-plans.js';
export {
  AbortError,
  type ErrorCode,
  InvalidOptionError,
  InvalidResponseError,
  MediaError,
  NetworkError,
  type ResponseIssue,
  StopFailedError,
  StreamingAvatarError,
  type StreamingAvatarErrorOptions,
  TimeoutError,
  UtteranceError,
} from './errors.js';
export {
  IDLE_TIMEOUT_SECONDS,
  MAX_REPEAT_TEXT_CHARS,
  QUALITY_PRESETS,
  type Quality,
  type QualityPreset,
} from './limits.js';
export type {
  CreatedSession,
  ProviderChecked,
  ProviderFactory,
  ProviderPacket,
  RoomAccess,
  RoomChannel,
  RoomParticipants,
  StartedSession,
  StreamingProvider,
} from './provider.js';
export { type HeyGenProviderOptions, heygen } from './providers/heygen.js';
export { type LiveAvatarProviderOptions, liveAvatar } from './providers/liveavatar.js';
export type { AvatarEvent, AvatarEventType, ParsedPacket } from './session/avatar-events.js';
export type { LifetimeOptions, PageVisibility } from './session/lifetime.js';
export type { Renewal, RenewalEvents, SessionEvents } from './session/session-events.js';
export type { SessionOptions } from './session/session-options.js';
export type {
  AvatarTransport,
  ConnectionQuality,
  ConnectionStats,
  TransportDisconnectCause,
  TransportEvents,
  TransportFactory,
} from './session/transport.js';
export { type ChunkTextOptions, chunkText } from './tasks/chunk-text.js';
export type { SpeechStream, SpeechText } from './tasks/speech-stream.js';
export type {
  SpeakOptions,
  Speech,
  SpeechSource,
  Utterance,
  UtteranceEvents,
  UtteranceStatus,
  UtteranceTimings,
} from './tasks/utterance.js';
export { type FromEndpointOptions, fromEndpoint, type SessionTokenSource } from './tokens.js';
export { type UnsafeFromApiKeyOptions, unsafeFromApiKey } from './unsafe-api-key.js';
export type {
  AvatarState,
  ConnectPhase,
  EndReason,
  ExpiryReason,
  Remaining,
  SessionEnd,
  SessionState,
} from './vocabulary.js';
export type {
  ConversationEvents,
  ConversationState,
  TranscriptTurn,
  TurnLatency,
} from './voice/conversation.js';
export {
  type MicrophoneEnvironment,
  MicrophoneError,
  type MicrophoneErrorReason,
} from './voice/microphone.js';
export type {
  AudioEnergyWatcher,
  MicrophoneChange,
  VoiceChatMode,
  VoiceChatOptions,
} from './voice/voice-chat.js';
