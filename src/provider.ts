/**
 * The streaming provider behind a session. HeyGen's Streaming API is the one implemented; the
 * interface leaves room for its successor, LiveAvatar (contract doc, last section).
 */
import { StreamingApiClient } from './api/client.js';
import type { NewSessionRequest, TaskType } from './api/schemas.js';
import { type ParsedPacket, parseAvatarPacket } from './session/avatar-events.js';

/** What a created session gives the media side. `durationLimitSeconds` is the hard cap in seconds. */
export interface CreatedSession {
  sessionId: string;
  /** LiveKit server URL (`wss://…`). */
  url: string;
  /** LiveKit access token for the viewer. */
  accessToken: string;
  durationLimitSeconds: number;
}

/** One session's calls to the provider, authorised by one session token. */
export interface StreamingProvider {
  /**
   * Creates the session. Never times out by itself: once asked, the server may create the
   * session, and only the answer's id lets the caller stop it (the session bounds the wait).
   */
  newSession(request: NewSessionRequest, signal?: AbortSignal): Promise<CreatedSession>;
  startSession(sessionId: string, signal?: AbortSignal): Promise<void>;
  /** Queues speech; `durationMs` is the expected speech length in milliseconds. */
  sendTask(
    sessionId: string,
    text: string,
    taskType: TaskType,
    signal?: AbortSignal,
  ): Promise<{ taskId: string; durationMs: number }>;
  interrupt(sessionId: string): Promise<void>;
  keepAlive(sessionId: string): Promise<void>;
  stopSession(sessionId: string): Promise<void>;
  /** Stops the session with a request that survives the page unloading. */
  stopSessionOnUnload(sessionId: string): void;
  /** Reads one data packet of the avatar. */
  parsePacket(payload: Uint8Array, topic: string | undefined): ParsedPacket;
  /** Puts the avatar in (or out of) its listening pose (voice chat). */
  setListening(sessionId: string, listening: boolean): Promise<void>;
  /**
   * Follows the session's voice-chat events (`user_start`, `user_stop`, `user_silence`).
   * @returns Stops following.
   */
  openVoiceEvents(sessionId: string, onEvent: (eventType: string) => void): () => void;
}

/** Builds a provider for one session token. */
export type ProviderFactory = (sessionToken: string) => StreamingProvider;

/** Options of {@link heygenProvider}. */
export interface HeyGenProviderOptions {
  /** API base URL (default HeyGen's; the emulator's in tests and the demo). */
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
}

/** The HeyGen Streaming API as a {@link StreamingProvider}. */
export function heygenProvider(options: HeyGenProviderOptions = {}): ProviderFactory {
  return (sessionToken) => {
    const client = new StreamingApiClient({ credentials: { sessionToken }, ...options });
    return {
      async newSession(request, signal) {
        const session = await client.newSession(request, {
          timeoutMs: Number.POSITIVE_INFINITY,
          ...(signal ? { signal } : {}),
        });
        return {
          sessionId: session.session_id,
          url: session.url,
          accessToken: session.access_token,
          durationLimitSeconds: session.session_duration_limit,
        };
      },
      startSession: (sessionId, signal) => client.startSession(sessionId, signal ? { signal } : {}),
      async sendTask(sessionId, text, taskType, signal) {
        const task = await client.sendTask({ sessionId, text, taskType }, signal ? { signal } : {});
        return { taskId: task.task_id, durationMs: task.duration_ms };
      },
      interrupt: (sessionId) => client.interrupt(sessionId),
      keepAlive: (sessionId) => client.keepAlive(sessionId),
      stopSession: (sessionId) => client.stopSession(sessionId),
      stopSessionOnUnload: (sessionId) => client.stopSessionOnUnload(sessionId),
      parsePacket: (payload) => parseAvatarPacket(payload),
      async setListening(sessionId, listening) {
        if (listening) await client.startListening(sessionId);
        else await client.stopListening(sessionId);
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
