/**
 * LiveAvatar FULL mode (`liveavatar-api.md` §4–6): REST for start, keep-alive and stop; commands
 * as JSON on the room's `agent-control` topic; events from `agent-response`, turned into the
 * toolkit's event model with `source_event_id` naming the utterance.
 */
import { LiveAvatarSessionClient } from '../api/liveavatar-client.js';
import { RATE_PLANS } from '../credits/rate-plans.js';
import { StreamingAvatarError } from '../errors.js';
import { AVATAR_IDENTITY } from '../limits.js';
import type { ProviderPacket, RoomChannel, StreamingProvider } from '../provider.js';
import { readJsonPacket } from '../session/avatar-events.js';
import type { EndReason } from '../vocabulary.js';
import type { LiveAvatarProviderOptions, LiveAvatarTokenClaims } from './liveavatar-token.js';

/** Commands go on this topic, events come on the other (contract §4). */
export const AGENT_CONTROL_TOPIC = 'agent-control';
export const AGENT_RESPONSE_TOPIC = 'agent-response';
/**
 * Speech length estimated from text, where LiveAvatar gives none: about 14 characters a second.
 * Only the task queue's watchdog uses it (it allows twice this plus 10 s).
 */
const CHARACTERS_PER_SECOND = 14;

/** The toolkit's end reason for each of LiveAvatar's (contract §2). */
const END_REASONS: Record<string, EndReason> = {
  IDLE_TIMEOUT: 'idle_timeout',
  MAX_DURATION_REACHED: 'duration_limit',
  NO_CREDITS: 'budget_exhausted',
};

export function liveAvatarFullProvider(
  sessionToken: string,
  claims: LiveAvatarTokenClaims,
  options: LiveAvatarProviderOptions,
): StreamingProvider {
  const client = new LiveAvatarSessionClient({
    credentials: { sessionToken },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  let room: RoomChannel | undefined;
  const command = async (eventType: string, extra: Record<string, unknown> = {}) => {
    if (!room)
      throw new StreamingAvatarError('not_started', `${eventType} needs the session's room: start first.`);
    const eventId = crypto.randomUUID();
    await room.sendData(
      JSON.stringify({ event_id: eventId, event_type: eventType, ...extra }),
      AGENT_CONTROL_TOPIC,
    );
    return eventId;
  };
  return {
    ratePlan: claims.sandbox ? RATE_PLANS['liveavatar-sandbox'] : RATE_PLANS['liveavatar-full'],
    // The server created the session with the token; its id is in the token.
    newSession: async () => ({ sessionId: claims.sessionId }),
    async startSession(_sessionId, signal) {
      const started = await client.startSession(signal ? { signal } : {});
      return {
        room: { url: started.livekit_url, accessToken: started.livekit_client_token },
        durationLimitSeconds: started.max_session_duration ?? undefined,
      };
    },
    participants: (sessionId) => ({ avatar: AVATAR_IDENTITY, required: [`liveavatar-agent-${sessionId}`] }),
    useRoom(channel) {
      room = channel;
    },
    async sendTask(_sessionId, text, taskType) {
      const taskId = await command(taskType === 'talk' ? 'avatar.speak_response' : 'avatar.speak_text', {
        text,
      });
      return { taskId, durationMs: Math.round((text.length / CHARACTERS_PER_SECOND) * 1000) };
    },
    async interrupt() {
      await command('avatar.interrupt');
    },
    keepAlive: () => client.keepAlive(),
    stopSession: () => client.stopSession(),
    stopSessionOnUnload: () => client.stopSessionOnUnload(),
    parsePacket: (payload, _identity, topic) => parseAgentResponse(payload, topic),
    async setListening(_sessionId, listening) {
      await command(listening ? 'avatar.start_listening' : 'avatar.stop_listening');
    },
    async setPushToTalk(_sessionId, down) {
      await command(down ? 'user.start_push_to_talk' : 'user.stop_push_to_talk');
    },
    // The turn events come in the room (`user.speak_started` / `user.speak_ended`).
    openVoiceEvents: () => () => undefined,
  };
}

/** One packet of the room, read as LiveAvatar's `agent-response` events (contract §6). Never throws. */
export function parseAgentResponse(payload: Uint8Array, topic: string | undefined): ProviderPacket {
  if (topic !== AGENT_RESPONSE_TOPIC) return { kind: 'ignored' };
  const packet = readJsonPacket(payload, 'event_type');
  if (packet.kind === 'malformed') return packet;
  const { value: event, type, text } = packet;
  const source = event.source_event_id ?? event.event_id;
  const taskId = typeof source === 'string' ? source : '';
  const words = typeof event.text === 'string' ? event.text : undefined;
  const needsWords = () => ({ kind: 'malformed' as const, reason: `${type}: bad field(s) text`, text });
  switch (type) {
    case 'avatar.speak_started':
      return { kind: 'event', event: { type: 'avatar_start_talking', task_id: taskId } };
    case 'avatar.transcription.chunk':
      return words === undefined
        ? needsWords()
        : {
            kind: 'event',
            // Pieces are concatenated as they come: each must end with its own space.
            event: {
              type: 'avatar_talking_message',
              task_id: taskId,
              message: /\s$/.test(words) ? words : `${words} `,
            },
          };
    case 'avatar.transcription':
      return { kind: 'event', event: { type: 'avatar_end_message', task_id: taskId } };
    case 'avatar.speak_ended':
      return { kind: 'event', event: { type: 'avatar_stop_talking', task_id: taskId } };
    case 'user.speak_started':
      return { kind: 'voice', eventType: 'user_start' };
    case 'user.speak_ended':
      return { kind: 'voice', eventType: 'user_stop' };
    case 'user.transcription.chunk':
      return words === undefined
        ? needsWords()
        : { kind: 'event', event: { type: 'user_talking_message', task_id: taskId, message: words } };
    case 'user.transcription':
      return {
        kind: 'event',
        event: {
          type: 'user_end_message',
          task_id: taskId,
          ...(words === undefined ? {} : { message: words }),
        },
      };
    case 'session.stopped': {
      const reason = event.stop_reason ?? event.end_reason;
      const providerReason = typeof reason === 'string' ? reason : 'UNKNOWN';
      return { kind: 'ended', reason: END_REASONS[providerReason] ?? 'server_closed', providerReason };
    }
    default:
      return { kind: 'unknown', type, value: event };
  }
}
