/**
 * How `<streaming-avatar>` renders its avatar: a Lit reactive controller that updates the element
 * whenever something it shows changes, and turns the avatar's events into the element's DOM
 * events. The element keeps no copy of the avatar's state.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Avatar } from '../../src/avatar.js';
import type { StreamingAvatarError } from '../../src/errors.js';
import type { ConnectionStats } from '../../src/session/transport.js';
import {
  AvatarConversationStateChangeEvent,
  AvatarEndedEvent,
  AvatarExpiringEvent,
  AvatarSpeakingEndEvent,
  AvatarSpeakingStartEvent,
  AvatarSpeechTextEvent,
  AvatarStateChangeEvent,
  AvatarTurnLatencyEvent,
  AvatarUserSpeechEvent,
} from '../events.js';

/** The element a binding renders into. */
export interface AvatarBindingHost extends ReactiveControllerHost, HTMLElement {
  /** Shows an error in the element (and fires `avatar-error`). */
  showError(error: StreamingAvatarError): void;
}

/** Keeps an element in step with its avatar: renders on every change it shows, fires its DOM events. */
export class AvatarBinding implements ReactiveController {
  constructor(
    private readonly host: AvatarBindingHost,
    private readonly avatar: Avatar,
  ) {
    host.addController(this);
    const update = () => host.requestUpdate();
    const fire = (event: Event) => host.dispatchEvent(event);
    for (const shown of ['phase', 'ready', 'connectionQuality'] as const) avatar.on(shown, update);
    avatar.on('stateChanged', (next, previous) => {
      update();
      fire(new AvatarStateChangeEvent(next, previous));
    });
    avatar.on('conversationStateChanged', (next, previous) => {
      update();
      fire(new AvatarConversationStateChangeEvent(next, previous));
    });
    avatar.on('ended', ({ reason, error }) => {
      update();
      fire(new AvatarEndedEvent(reason, error));
    });
    avatar.on('speakingStarted', (speech) => fire(new AvatarSpeakingStartEvent(speech)));
    avatar.on('speakingEnded', (speech, interrupted) =>
      fire(new AvatarSpeakingEndEvent(speech, interrupted)),
    );
    avatar.on('avatarEvent', (event) => {
      if (event.type === 'avatar_talking_message')
        fire(new AvatarSpeechTextEvent(event.message, event.task_id));
    });
    avatar.on('expiring', ({ seconds, reason }) => fire(new AvatarExpiringEvent(seconds, reason)));
    avatar.on('userSpeech', (text, final) => fire(new AvatarUserSpeechEvent(text, final)));
    avatar.on('turnLatency', (latency) => fire(new AvatarTurnLatencyEvent(latency)));
    avatar.on('stopFailed', (error) => host.showError(error));
  }

  /** Reflects the avatar's state, conversation state and connection grade as attributes. */
  hostUpdated(): void {
    const { host, avatar } = this;
    host.setAttribute('state', avatar.state);
    host.setAttribute('conversation-state', avatar.conversationState);
    const quality = liveConnection(avatar)?.quality;
    if (quality) host.setAttribute('connection-quality', quality);
    else host.removeAttribute('connection-quality');
  }
}

/** Whether the avatar's session is live (`connected`, or `reconnecting` to go on). */
export function isLive(avatar: Avatar): boolean {
  return avatar.state === 'connected' || avatar.state === 'reconnecting';
}

/** The avatar's connection as the page receives it, while its session is live. */
export function liveConnection(avatar: Avatar): ConnectionStats | undefined {
  return isLive(avatar) ? avatar.connectionQuality : undefined;
}
