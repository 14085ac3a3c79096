/**
 * The official SDK opens its voice-chat socket at `wss://<API host>:443` whatever the API's port:
 * this sends it to the emulator's port instead, the only change the bench makes to the SDK's world.
 */
export function redirectVoiceChatSocket(baseUrl: string): void {
  const NativeWebSocket = window.WebSocket;
  const target = new URL(baseUrl);
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      const parsed = new URL(url);
      if (parsed.pathname === '/v1/ws/streaming.chat' && parsed.hostname === target.hostname) {
        parsed.protocol = 'ws:';
        parsed.port = target.port;
      }
      super(parsed, protocols);
    }
  };
}
