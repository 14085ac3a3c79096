/**
 * How the emulated avatar's events reach the room. The emulator speaks one set of events (HeyGen's
 * data-channel events, plus the turn and session events HeyGen sends elsewhere); each API's
 * dialect turns them into its own packets: HeyGen's untopicked JSON
 * (`heygen-streaming-api.md`), or LiveAvatar's `agent-response` events (`liveavatar-api.md` §6).
 */
import { randomUUID } from 'node:crypto';

/** Why an emulated session closed. */
export type CloseReason = 'user' | 'idle_timeout' | 'duration_limit' | 'credits_exhausted' | 'emulator';

/** One event of the emulated avatar. */
export type AvatarSignal =
  | { type: 'avatar_start_talking' | 'avatar_end_message'; task_id: string }
  | { type: 'avatar_talking_message'; task_id: string; message: string }
  | { type: 'avatar_stop_talking'; task_id: string; duration_ms: number }
  | { type: 'user_talking_message'; task_id: string; message: string }
  | { type: 'user_end_message' | 'user_start' | 'user_stop'; task_id: string }
  | { type: 'session_stopped'; reason: CloseReason }
  | { type: 'push_to_talk'; state: 'started' | 'stopped' };

/** A data packet: JSON, reliable, on `topic` when there is one. */
export interface Packet {
  data: Record<string, unknown>;
  topic?: string;
}

export interface EventDialect {
  /** The packet for `signal`, or undefined when this API does not send it on the data channel. */
  packet(signal: AvatarSignal): Packet | undefined;
}

/** HeyGen: the data-channel events as they are; the turn events go on the voice-chat socket instead. */
export const heygenDialect: EventDialect = {
  packet(signal) {
    if (
      signal.type === 'user_start' ||
      signal.type === 'user_stop' ||
      signal.type === 'session_stopped' ||
      signal.type === 'push_to_talk'
    )
      return undefined;
    return { data: signal };
  },
};

/** LiveAvatar LITE: nothing in the room; the avatar's events go to `onSignal` (its websocket reports them). */
export function liteDialect(onSignal: (signal: AvatarSignal) => void): EventDialect {
  return {
    packet(signal) {
      onSignal(signal);
      return undefined;
    },
  };
}

/** The topic LiveAvatar's events arrive on (contract §4). */
export const AGENT_RESPONSE_TOPIC = 'agent-response';
/** The topic LiveAvatar's commands are sent on (contract §4). */
export const AGENT_CONTROL_TOPIC = 'agent-control';

/** LiveAvatar's agent participant is `liveavatar-agent-<session_id>` (contract §4); it is no viewer. */
export const LIVEAVATAR_AGENT_PREFIX = 'liveavatar-agent-';

/** LiveAvatar's end reasons (contract §2) for the emulator's close reasons. */
export const LIVEAVATAR_END_REASONS: Record<CloseReason, string> = {
  user: 'USER_CLOSED',
  idle_timeout: 'IDLE_TIMEOUT',
  duration_limit: 'MAX_DURATION_REACHED',
  credits_exhausted: 'NO_CREDITS',
  emulator: 'SERVER_ERROR',
};

/**
 * LiveAvatar FULL: `agent-response` events with `source_event_id` set to the command that caused
 * them (the task id is the command's `event_id`). Transcription chunks are pieces; the final
 * event carries the whole text.
 */
export function liveAvatarDialect(
  sessionId: string,
  onTranscript: (role: 'user' | 'avatar', text: string) => void,
): EventDialect {
  const spoken = new Map<string, string>();
  const event = (eventType: string, taskId: string | undefined, extra: Record<string, unknown> = {}) => ({
    topic: AGENT_RESPONSE_TOPIC,
    data: {
      event_id: randomUUID(),
      event_type: eventType,
      session_id: sessionId,
      ...(taskId === undefined ? {} : { source_event_id: taskId }),
      ...extra,
    },
  });
  const words = (taskId: string, piece: string) => {
    const text = spoken.get(taskId) ?? '';
    // Spoken pieces carry their own trailing space; the recogniser's lines do not.
    spoken.set(taskId, text === '' || /\s$/.test(text) ? text + piece : `${text} ${piece}`);
  };
  const whole = (role: 'user' | 'avatar', taskId: string) => {
    const text = (spoken.get(taskId) ?? '').trim();
    spoken.delete(taskId);
    if (text) onTranscript(role, text);
    return text;
  };
  return {
    packet(signal) {
      switch (signal.type) {
        case 'avatar_start_talking':
          return event('avatar.speak_started', signal.task_id);
        case 'avatar_talking_message':
          words(signal.task_id, signal.message);
          return event('avatar.transcription.chunk', signal.task_id, { text: signal.message });
        case 'avatar_end_message':
          return event('avatar.transcription', signal.task_id, { text: whole('avatar', signal.task_id) });
        case 'avatar_stop_talking':
          return event('avatar.speak_ended', signal.task_id);
        case 'user_start':
          return event('user.speak_started', undefined);
        case 'user_stop':
          return event('user.speak_ended', undefined);
        case 'user_talking_message':
          words(signal.task_id, signal.message);
          return event('user.transcription.chunk', undefined, { text: signal.message });
        case 'user_end_message':
          return event('user.transcription', undefined, { text: whole('user', signal.task_id) });
        case 'push_to_talk':
          return event(`user.push_to_talk_${signal.state}`, undefined);
        case 'session_stopped': {
          // Both names (contract §6 Decision): the SDK reads `stop_reason`, the docs say `end_reason`.
          const reason = LIVEAVATAR_END_REASONS[signal.reason];
          return event('session.stopped', undefined, { stop_reason: reason, end_reason: reason });
        }
      }
    },
  };
}
