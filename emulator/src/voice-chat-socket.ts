/**
 * `wss://<api host>/v1/ws/streaming.chat?session_id=…&session_token=…` (contract doc): the socket
 * HeyGen uses for voice-chat events. It accepts the socket of a live session, sends the session's
 * `user_start` / `user_stop` events as JSON text frames (`{event_type, session_id, task_id}`), and
 * closes it when the session closes. Every websocket upgrade (LiveAvatar LITE's too) passes the
 * emulator's loopback check first.
 */
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { StreamingApi } from './api.js';
import type { LiveAvatarApi } from './liveavatar-api.js';

export function attachVoiceChatSocket(
  server: Server,
  api: StreamingApi,
  liveAvatar: LiveAvatarApi,
  log: (line: string) => void,
  refusal: (request: IncomingMessage) => string | undefined,
): void {
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const refused = refusal(request);
    if (refused) {
      log(`WS ${request.url} 403 ${refused}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (liveAvatar.handleUpgrade(request, socket, head)) return;
    const target = request.url ?? '/';
    const url = URL.canParse(target, 'http://127.0.0.1') ? new URL(target, 'http://127.0.0.1') : undefined;
    if (url?.pathname !== '/v1/ws/streaming.chat') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const session = api.sessionForToken(
      url.searchParams.get('session_id'),
      url.searchParams.get('session_token'),
    );
    if (!session) {
      log('WS /v1/ws/streaming.chat 401 unknown session or token');
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (connection) => {
      log(`WS /v1/ws/streaming.chat open session=${session.id}`);
      const stopForwarding = session.onVoiceEvent((event) => connection.send(JSON.stringify(event)));
      connection.on('close', stopForwarding);
      session.whenClosed(() => connection.close(1000, 'session closed'));
    });
  });
}
