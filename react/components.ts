/**
 * The elements as React components, made by `@lit/react`: properties are set as properties (not
 * stringified attributes) and each `avatar-*` event is an `on…` prop with its event type. Works
 * with React 17, 18 and 19.
 */
import { createComponent, type EventName } from '@lit/react';
import React from 'react';
import {
  AvatarCaptionsElement,
  type AvatarConversationStateChangeEvent,
  AvatarCreditMeterElement,
  type AvatarEndedEvent,
  type AvatarErrorEvent,
  type AvatarExpiringEvent,
  type AvatarReadyEvent,
  type AvatarSpeakingEndEvent,
  type AvatarSpeakingStartEvent,
  type AvatarSpeechTextEvent,
  type AvatarStateChangeEvent,
  type AvatarTurnLatencyEvent,
  type AvatarUserSpeechEvent,
  StreamingAvatarElement,
} from '../components/index.js';

/** `<streaming-avatar>`: every property of the element, and its events as `onAvatar…` props. */
export const StreamingAvatar = createComponent({
  react: React,
  tagName: 'streaming-avatar',
  elementClass: StreamingAvatarElement,
  displayName: 'StreamingAvatar',
  events: {
    onAvatarStateChange: 'avatar-state-change' as EventName<AvatarStateChangeEvent>,
    onAvatarReady: 'avatar-ready' as EventName<AvatarReadyEvent>,
    onAvatarSpeakingStart: 'avatar-speaking-start' as EventName<AvatarSpeakingStartEvent>,
    onAvatarSpeakingEnd: 'avatar-speaking-end' as EventName<AvatarSpeakingEndEvent>,
    onAvatarSpeechText: 'avatar-speech-text' as EventName<AvatarSpeechTextEvent>,
    onAvatarExpiring: 'avatar-expiring' as EventName<AvatarExpiringEvent>,
    onAvatarEnded: 'avatar-ended' as EventName<AvatarEndedEvent>,
    onAvatarError: 'avatar-error' as EventName<AvatarErrorEvent>,
    onAvatarConversationStateChange:
      'avatar-conversation-state-change' as EventName<AvatarConversationStateChangeEvent>,
    onAvatarUserSpeech: 'avatar-user-speech' as EventName<AvatarUserSpeechEvent>,
    onAvatarTurnLatency: 'avatar-turn-latency' as EventName<AvatarTurnLatencyEvent>,
  },
});

/** `<avatar-credit-meter>`: credits (and cost) of the avatar named by `for`, per second. */
export const AvatarCreditMeter = createComponent({
  react: React,
  tagName: 'avatar-credit-meter',
  elementClass: AvatarCreditMeterElement,
  displayName: 'AvatarCreditMeter',
});

/** `<avatar-captions>`: what the avatar (and, in voice chat, the user) says, as captions or a transcript. */
export const AvatarCaptions = createComponent({
  react: React,
  tagName: 'avatar-captions',
  elementClass: AvatarCaptionsElement,
  displayName: 'AvatarCaptions',
});
