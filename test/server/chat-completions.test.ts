/**
 * The chat-completions handler served by Node's `http` on a free 127.0.0.1 port, called with
 * `fetch` as LiveAvatar and pages call it: streamed as the model answers, guarded, and never left
 * hanging when the model fails or the caller goes away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chatCompletionText } from '../../src/chat-completion-text.js';
import { InvalidOptionError } from '../../src/errors.js';
import {
  type ChatCompletionsHandlerOptions,
  type ChatMessage,
  createChatCompletionsHandler,
  toNodeListener,
} from '../../src/server/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(
  options: Partial<ChatCompletionsHandlerOptions> & Pick<ChatCompletionsHandlerOptions, 'respond'>,
) {
  const handler = createChatCompletionsHandler({ secret: 'shh', warn: () => undefined, ...options });
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are a kiosk avatar.' },
  { role: 'user', content: 'When do you open?' },
];

function ask(
  url: string,
  body: unknown = { model: 'faq', stream: true, messages: conversation },
  headers = {},
) {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer shh', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Reads server-sent events from `response` as they arrive. */
async function* events(response: Response): AsyncGenerator<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      yield buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
    }
  }
}

describe('createChatCompletionsHandler', () => {
  it('streams each piece as the model yields it, in the chat-completions format, and ends with [DONE]', async () => {
    const second = gate();
    const seen: ChatMessage[][] = [];
    const url = await serve({
      async *respond(messages) {
        seen.push([...messages]);
        yield 'We open ';
        await second.opened;
        yield 'at nine.';
      },
    });
    const response = await ask(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const stream = events(response);
    const first = JSON.parse((await stream.next()).value!);
    expect(first).toMatchObject({
      object: 'chat.completion.chunk',
      model: 'faq',
      choices: [{ delta: { role: 'assistant' } }],
    });
    // The first words arrive while the model is still answering.
    expect(JSON.parse((await stream.next()).value!).choices[0].delta.content).toBe('We open ');
    second.open();
    const rest: string[] = [];
    for await (const event of stream) rest.push(event);
    expect(JSON.parse(rest[0]!).choices[0].delta.content).toBe('at nine.');
    expect(JSON.parse(rest[1]!).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(rest[2]).toBe('[DONE]');
    expect(seen).toEqual([conversation]);
  });

  it('is read by chatCompletionText as any compatible stream is: a model behind a model', async () => {
    const url = await serve({
      async *respond() {
        yield* ['Nine ', 'to ', 'five.'];
      },
    });
    const pieces: string[] = [];
    for await (const piece of chatCompletionText(await ask(url))) pieces.push(piece);
    expect(pieces).toEqual(['Nine ', 'to ', 'five.']);
  });

  it('answers one chat.completion without stream: true, and reads content given as text parts', async () => {
    const url = await serve({
      async *respond(messages) {
        yield `You said: ${messages.at(-1)!.content}`;
      },
    });
    const response = await ask(url, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello' },
            { type: 'text', text: ' there' },
          ],
        },
      ],
    });
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'You said: Hello there' }, finish_reason: 'stop' }],
    });
  });

  it('a caller that goes away aborts the model’s signal', async () => {
    const aborted = gate();
    const url = await serve({
      async *respond(_messages, { signal }) {
        yield 'A long answer';
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        aborted.open();
      },
    });
    const caller = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer shh' },
      body: JSON.stringify({ stream: true, messages: conversation }),
      signal: caller.signal,
    });
    const stream = events(response);
    await stream.next();
    await stream.next();
    caller.abort();
    await aborted.opened;
  });

  it('a model that fails ends the stream with an error event, or answers 502 before its first words', async () => {
    const url = await serve({
      async *respond(messages) {
        if (messages.at(-1)!.content === 'now') throw new Error('the model is down');
        yield 'Half an answer';
        throw new Error('the model broke');
      },
    });
    const all: string[] = [];
    for await (const event of events(await ask(url))) all.push(event);
    expect(all.at(-1)).toContain('"error"');
    expect(all).not.toContain('[DONE]');
    const early = await ask(url, { stream: true, messages: [{ role: 'user', content: 'now' }] });
    expect(early.status).toBe(502);
  });

  it('refuses callers without the secret, and pages authorize() turns away', async () => {
    const respond = async function* () {
      yield 'ok';
    };
    const url = await serve({ respond });
    expect((await ask(url, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    const missing = await ask(url, undefined, { authorization: '' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const pages = await serve({
      respond,
      secret: undefined,
      authorize: (request) => request.headers.has('cookie'),
    });
    expect((await ask(pages, undefined, { authorization: '' })).status).toBe(403);
    expect((await ask(pages, undefined, { authorization: '', cookie: 'session=1' })).status).toBe(200);
    expect(() => createChatCompletionsHandler({ respond })).toThrow(InvalidOptionError);
  });

  it('hostile requests get a 4xx naming what was wrong, and the server stays up', async () => {
    const url = await serve({
      maxBodyBytes: 1024,
      async *respond() {
        yield 'ok';
      },
    });
    expect((await fetch(url)).status).toBe(405);
    expect((await ask(url, '{not json')).status).toBe(400);
    const noMessages = await ask(url, { stream: true });
    expect(noMessages.status).toBe(400);
    expect((await noMessages.json()).message).toContain('messages');
    const badRole = await ask(url, { messages: [{ content: 'hi' }] });
    expect((await badRole.json()).message).toContain('messages[0].role');
    expect((await ask(url, { messages: [{ role: 'user', content: 'x'.repeat(5000) }] })).status).toBe(413);
    expect((await ask(url)).status).toBe(200);
  });

  it('limits page callers per minute with Retry-After; callers with the secret are not limited', async () => {
    const respond = async function* () {
      yield 'ok';
    };
    const url = await serve({ respond, requestsPerMinute: 2, authorize: () => true });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await ask(url, { messages: conversation }, { authorization: '' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await ask(url, { messages: conversation }, { authorization: '' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await ask(url, { messages: conversation })).status).toBe(200);
  });
});
