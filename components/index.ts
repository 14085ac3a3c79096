/**
 * streaming-avatar-kit elements: importing this module registers `<streaming-avatar>`,
 * `<avatar-credit-meter>` and `<avatar-captions>`.
 *
 * @module streaming-avatar-kit/components
 */
export { AvatarCaptionsElement, type CaptionCue } from './captions/captions.js';
export { AvatarCreditMeterElement } from './credit-meter/credit-meter.js';
export {
  AvatarConversationStateChangeEvent,
  AvatarEndedEvent,
  AvatarErrorEvent,
  AvatarExpiringEvent,
  AvatarReadyEvent,
  AvatarSpeakingEndEvent,
  AvatarSpeakingStartEvent,
  AvatarSpeechTextEvent,
  AvatarStateChangeEvent,
  AvatarTurnLatencyEvent,
  AvatarUserSpeechEvent,
} from './events.js';
export { registerTranslation } from './localize/localized-element.js';
export { type AvatarMessages, english } from './localize/messages.js';
export { StreamingAvatarElement } from './streaming-avatar/streaming-avatar.js';
