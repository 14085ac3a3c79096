/**
 * Your own model behind the avatar: an OpenAI-compatible `POST /v1/chat/completions` endpoint
 * around `respond(messages, { signal })`, the async generator where your prompts, retrieval, tools
 * and keys live. LiveAvatar FULL calls it with the secret you registered as the Bearer key,
 * streaming (contract `liveavatar-api.md` §10); a page can call it too, behind `authorize`.
 */
import { InvalidOptionError } from '../errors.js';
import {
  checkLimits,
  defaultClientKey,
  hashToken,
  type RequestInfo,
  rateLimited,
  readJsonBody,
  refuse,
} from './guard.js';
import { memoryStore, type SessionTokenStore, StoreUnavailableError } from './store.js';

/** One message of the conversation, as the chat-completions format has it. */
export interface ChatMessage {
  /** `system`, `user`, `assistant` (or another role the caller uses). */
  role: string;
  content: string;
}

/** What `respond` gets beside the conversation. */
export interface RespondContext {
  /** Aborted when the caller went away (the user spoke over the answer, the page closed). */
  signal: AbortSignal;
  /** The `model` the caller named, if any. */
  model: string | undefined;
}

/** Options of {@link createChatCompletionsHandler}. */
export interface ChatCompletionsHandlerOptions {
  /** Your model: yields the answer's text as it comes (tokens or larger pieces). */
  respond(messages: readonly ChatMessage[], context: RespondContext): AsyncIterable<string>;
  /**
   * The Bearer secret callers must send (`Authorization: Bearer <secret>`): the one you
   * registered with LiveAvatar (`POST /v1/secrets`). Requests without it are 401.
   */
  secret?: string | undefined;
  /** Your app's own check of a page's request (its session cookie, say); `false` is 403. */
  authorize?: ((request: Request) => boolean | Promise<boolean>) | undefined;
  /** Serve anyone who can reach the endpoint: for demos only (a warning says so). */
  allowAnonymous?: boolean | undefined;
  /**
   * Requests per minute per page client (the credentials `authorize` accepted, else its address)
   * before 429 with `Retry-After` (default 60). Callers with the secret (LiveAvatar, for every
   * session) are not limited.
   */
  requestsPerMinute?: number | undefined;
  /** Largest request body in bytes (default 262,144: a long conversation); larger is 413. */
  maxBodyBytes?: number | undefined;
  /** Where the rate limit counts (default this process's memory; `redisStore` for replicas). */
  store?: SessionTokenStore | undefined;
  /** Receives the handler's warnings (default `console.warn`). */
  warn?: ((message: string) => void) | undefined;
}

const DEFAULT_REQUESTS_PER_MINUTE = 60;
const DEFAULT_MAX_BODY_BYTES = 262_144;

/**
 * An OpenAI-compatible chat-completions endpoint (Fetch API; serve it with `toNodeListener` or
 * your framework's route). `stream: true` answers with server-sent events, one
 * `chat.completion.chunk` per piece of `respond`'s text and `data: [DONE]`; otherwise one
 * `chat.completion`. A caller that goes away aborts `respond`'s signal; `respond` throwing ends
 * the stream with an `error` event (or a 502 before the first piece), never a hung response.
 * Refusals: 401 without the secret, 403 when `authorize` says no, 405, 413, 400 naming the field,
 * 429 with `Retry-After`, 503 when the store does not answer.
 * @throws {InvalidOptionError} at construction without `secret`, `authorize` or `allowAnonymous`,
 *   or with a limit that is not a positive whole number.
 */
export function createChatCompletionsHandler(
  options: ChatCompletionsHandlerOptions,
): (request: Request, info?: RequestInfo) => Promise<Response> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (!options.secret && !options.authorize && !options.allowAnonymous) {
    throw new InvalidOptionError(
      'secret',
      'the Bearer secret LiveAvatar sends, or authorize() for pages (or allowAnonymous: true for a demo)',
      undefined,
    );
  }
  if (!options.secret && !options.authorize) {
    warn(
      'streaming-avatar-kit/server: allowAnonymous is on, so anyone who can reach this endpoint can run your model. ' +
        'Use it for demos only; pass secret or authorize() in production.',
    );
  }
  const requestsPerMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  checkLimits({ requestsPerMinute, maxBodyBytes });
  const limiter = (options.store ?? memoryStore()).createRateLimiter({
    points: requestsPerMinute,
    durationSeconds: 60,
    keyPrefix: 'chat:',
  });
  const clientKey = defaultClientKey(options.authorize !== undefined, warn);
  // Compared as hashes: how long a comparison takes says nothing about the secret.
  const secretHash = options.secret === undefined ? undefined : hashToken(options.secret);

  return async (request, info = {}) => {
    try {
      if (request.method !== 'POST') return refuse(405, 'Use POST.', { allow: 'POST' });
      const bearer = request.headers
        .get('authorization')
        ?.match(/^Bearer\s+(.+)$/i)?.[1]
        ?.trim();
      const hasSecret =
        secretHash !== undefined && bearer !== undefined && (await hashToken(bearer)) === (await secretHash);
      if (!hasSecret) {
        if (options.secret !== undefined && !options.authorize) {
          return refuse(401, 'Send the endpoint’s secret as the Bearer key.', {
            'www-authenticate': 'Bearer',
          });
        }
        if (options.authorize && !(await options.authorize(request))) {
          return refuse(403, 'Not allowed to use this model.');
        }
        // Callers with the secret (LiveAvatar, for every session) are not limited; pages are.
        const limited = await rateLimited(
          limiter,
          await clientKey(request, info),
          'Too many requests; try again later.',
        );
        if (limited) return limited;
      }
      const body = await readJsonBody(request, maxBodyBytes);
      if (body instanceof Response) return body;
      const messages = readMessages(body.messages);
      if (typeof messages === 'string') return refuse(400, messages);
      const model = typeof body.model === 'string' ? body.model : undefined;
      return await answer(options, messages, model, request.signal, body.stream === true);
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        return refuse(503, 'The rate-limit store is not answering; try again shortly.', {
          'retry-after': '1',
        });
      }
      return refuse(500, 'The chat endpoint failed.');
    }
  };
}

/** The conversation, or why it cannot be read (a message naming the field). */
function readMessages(value: unknown): ChatMessage[] | string {
  if (!Array.isArray(value) || value.length === 0)
    return 'messages: expected a non-empty array of {role, content}.';
  const messages: ChatMessage[] = [];
  for (const [index, message] of value.entries()) {
    const { role, content } = (typeof message === 'object' && message !== null ? message : {}) as Record<
      string,
      unknown
    >;
    if (typeof role !== 'string') return `messages[${index}].role: expected a string.`;
    const text = typeof content === 'string' ? content : textOfParts(content);
    if (text === undefined) return `messages[${index}].content: expected a string or text parts.`;
    messages.push({ role, content: text });
  }
  return messages;
}

/** The text of `[{type: 'text', text}]` content parts (the format's other shape), or undefined. */
function textOfParts(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const texts = content.map((part) =>
    typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string'
      ? (part as { text: string }).text
      : undefined,
  );
  return texts.every((text) => text !== undefined) ? texts.join('') : undefined;
}

async function answer(
  options: ChatCompletionsHandlerOptions,
  messages: ChatMessage[],
  model: string | undefined,
  callerGone: AbortSignal,
  stream: boolean,
): Promise<Response> {
  const abort = new AbortController();
  const onGone = () => abort.abort(callerGone.reason);
  callerGone.addEventListener('abort', onGone, { once: true });
  const iterator = options.respond(messages, { signal: abort.signal, model })[Symbol.asyncIterator]();
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, created, model: model ?? 'custom' };
  const finish = () => callerGone.removeEventListener('abort', onGone);
  // The first piece decides between an answer and a plain error: nothing has been sent yet.
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch {
    finish();
    return refuse(502, 'The model failed before answering.');
  }
  if (!stream) {
    let text = first.done ? '' : first.value;
    try {
      for (let next = first; !next.done; ) {
        next = await iterator.next();
        if (!next.done) text += next.value;
      }
    } catch {
      return refuse(502, 'The model failed while answering.');
    } finally {
      finish();
    }
    return Response.json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    });
  }
  const encoder = new TextEncoder();
  const event = (data: unknown) =>
    encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, string>, finishReason: string | null = null) =>
    event({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });
  let pending: IteratorResult<string> | undefined = first;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(chunk({ role: 'assistant' }));
      }
      try {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) {
          controller.enqueue(chunk({}, 'stop'));
          controller.enqueue(event('[DONE]'));
          controller.close();
          finish();
          return;
        }
        if (next.value !== '') controller.enqueue(chunk({ content: next.value }));
      } catch (error) {
        const message =
          error instanceof Error && error.name === 'AbortError'
            ? 'aborted'
            : 'The model failed while answering.';
        controller.enqueue(event({ error: { message, type: 'server_error' } }));
        controller.close();
        finish();
      }
    },
    async cancel(reason) {
      abort.abort(reason);
      finish();
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' },
  });
}
