/** HeyGen's Streaming API (`heygen-streaming-api.md`) as a {@link StreamingProvider}: commands over REST. */
import { StreamingSessionClient } from '../api/session-client.js';
import { RATE_PLANS } from '../credits/rate-plans.js';
import { AVATAR_IDENTITY } from '../limits.js';
import type { ProviderFactory, RoomChannel, StreamingProvider } from '../provider.js';
import { parseAvatarPacket } from '../session/avatar-events.js';

/** Options of {@link heygen}. */
export interface HeyGenProviderOptions {
  /** API base URL (default HeyGen's; the emulator's in tests and the demo). */
  baseUrl?: string | undefined;
  /** The `fetch` to call with (default the global one; for tests and proxies). */
  fetch?: typeof fetch | undefined;
}

/** The HeyGen Streaming API as a {@link StreamingProvider}; the default provider. */
export function heygen(options: HeyGenProviderOptions = {}): ProviderFactory {
  return (sessionToken): StreamingProvider => {
    const client = new StreamingSessionClient({ credentials: { sessionToken }, ...options });
    let room: RoomChannel | undefined;
    return {
      ratePlan: RATE_PLANS.streaming,
      async newSession(request, signal) {
        const session = await client.newSession(request, {
          timeoutMs: Number.POSITIVE_INFINITY,
          ...(signal ? { signal } : {}),
        });
        return {
          sessionId: session.session_id,
          room: { url: session.url, accessToken: session.access_token },
          durationLimitSeconds: session.session_duration_limit,
        };
      },
      async startSession(sessionId, signal) {
        await client.startSession(sessionId, signal ? { signal } : {});
        return {};
      },
      participants: () => ({ avatar: AVATAR_IDENTITY, required: [] }),
      useRoom(channel) {
        room = channel;
      },
      async sendTask(sessionId, text, taskType, signal) {
        const task = await client.sendTask({ sessionId, text, taskType }, signal ? { signal } : {});
        return { taskId: task.task_id, durationMs: task.duration_ms };
      },
      interrupt: (sessionId) => client.interrupt(sessionId),
      keepAlive: (sessionId) => client.keepAlive(sessionId),
      stopSession: (sessionId) => client.stopSession(sessionId),
      stopSessionOnUnload: (sessionId) => client.stopSessionOnUnload(sessionId),
      parsePacket(payload, identity) {
        // Only the avatar's packets are events; anything else in the room is someone else's.
        if (identity !== undefined && identity !== AVATAR_IDENTITY) return { kind: 'ignored' };
        return parseAvatarPacket(payload);
      },
      async setListening(sessionId, listening) {
        if (listening) await client.startListening(sessionId);
        else await client.stopListening(sessionId);
      },
      async setPushToTalk(_sessionId, down) {
        // The data messages the official SDK sends (contract doc: a JSON-quoted string).
        await room?.sendData(JSON.stringify(down ? 'push_to_talk:start' : 'push_to_talk:stop'));
      },
      openVoiceEvents(sessionId, onEvent) {
        const url = new URL(`${client.baseUrl}/v1/ws/streaming.chat`, globalThis.location?.href);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        url.search = new URLSearchParams({
          session_id: sessionId,
          session_token: sessionToken,
          arch_version: 'v2',
        }).toString();
        const socket = new WebSocket(url);
        socket.addEventListener('message', (message) => {
          try {
            const eventType = (JSON.parse(String(message.data)) as { event_type?: unknown }).event_type;
            if (typeof eventType === 'string') onEvent(eventType);
          } catch {
            // Not one of the socket's JSON events: nothing to follow.
          }
        });
        return () => socket.close();
      },
    };
  };
}
