/**
 * A token endpoint and a chat-completions endpoint as a user's backend serves them, in their own
 * process, for the fault matrix to throw hostile requests at: `createSessionTokenHandler` and
 * `createChatCompletionsHandler` behind `toNodeListener` on Node's http.
 * Usage: token-endpoint.ts <emulator API URL>; prints "Token endpoint: <url>" and
 * "Chat endpoint: <url>" when listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createChatCompletionsHandler,
  createSessionTokenHandler,
  toNodeListener,
} from '../../src/server/index.js';

const handler = createSessionTokenHandler({
  apiKey: 'emulator-api-key',
  baseUrl: process.argv[2],
  authorize: (request) => request.headers.get('authorization') === 'Bearer signed-in-user',
  tokensPerMinute: 5,
});
const server = createServer(toNodeListener(handler));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Token endpoint: http://127.0.0.1:${port}/api/avatar-token`);
});

// A model that answers slowly, and fails when asked to.
const chat = createChatCompletionsHandler({
  secret: 'model-secret',
  maxBodyBytes: 65_536,
  async *respond(messages, { signal }) {
    if (messages.at(-1)?.content === 'fail') throw new Error('the model is down');
    for (const word of ['We ', 'open ', 'at ', 'nine.']) {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield word;
    }
  },
});
const chatServer = createServer(toNodeListener(chat));
chatServer.listen(0, '127.0.0.1', () => {
  const { port } = chatServer.address() as AddressInfo;
  console.log(`Chat endpoint: http://127.0.0.1:${port}/v1/chat/completions`);
});
