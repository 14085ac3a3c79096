/**
 * A token endpoint as a user's backend serves it, in its own process, for the fault matrix to
 * throw hostile requests at: `createSessionTokenHandler` behind `toNodeListener` on Node's http.
 * Usage: token-endpoint.ts <emulator API URL>; prints "Token endpoint: <url>" when listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSessionTokenHandler, toNodeListener } from '../../src/server/index.js';

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
