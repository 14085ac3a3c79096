/**
 * The words of a model's streaming answer in the chat-completions format (OpenAI's, and every
 * compatible server's, `createChatCompletionsHandler` included): server-sent events, read with
 * `eventsource-parser`, whose `choices[0].delta.content` carry the text.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { InvalidResponseError, StreamingAvatarError } from './errors.js';

/**
 * The text of a chat-completions answer, piece by piece as it arrives: pass it to the avatar, or
 * `yield*` it from your `respond`. A non-streaming answer (`chat.completion` JSON) gives its whole
 * text at once. Stopping early (an interrupt) cancels the response's body.
 * @throws {StreamingAvatarError} `api_error` for an answer that is not 2xx (its status and the
 *   start of its body in the message); `server_error` for an `error` event in the stream.
 * @throws {InvalidResponseError} for an event that is not a JSON chunk, naming the field.
 */
export async function* chatCompletionText(response: Response): AsyncGenerator<string> {
  const endpoint = response.url || 'chat/completions';
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new StreamingAvatarError(
      'api_error',
      `The model answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  if (response.headers.get('content-type')?.includes('application/json')) {
    yield contentOf(await response.json(), endpoint, 'message');
    return;
  }
  if (!response.body) return;
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await events.read();
      if (done || value.data === '[DONE]') return;
      let chunk: unknown;
      try {
        chunk = JSON.parse(value.data);
      } catch {
        throw new InvalidResponseError(endpoint, [{ path: '', message: 'an event is not JSON' }]);
      }
      const text = contentOf(chunk, endpoint, 'delta');
      if (text !== '') yield text;
    }
  } finally {
    await events.cancel().catch(() => undefined);
  }
}

/** `choices[0][field].content` of one answer or chunk ('' when absent); an `error` throws. */
function contentOf(answer: unknown, endpoint: string, field: 'message' | 'delta'): string {
  const record = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  if (record.error !== undefined) {
    const message = (record.error as { message?: unknown } | null)?.message;
    throw new StreamingAvatarError(
      'server_error',
      `The model failed: ${typeof message === 'string' ? message : 'an error event'}`,
    );
  }
  const choices = record.choices;
  if (!Array.isArray(choices)) {
    throw new InvalidResponseError(endpoint, [{ path: 'choices', message: 'expected an array' }]);
  }
  const part = (choices[0] as Record<string, unknown> | undefined)?.[field] as
    | { content?: unknown }
    | undefined;
  const content = part?.content;
  if (content === undefined || content === null) return '';
  if (typeof content !== 'string') {
    throw new InvalidResponseError(endpoint, [
      { path: `choices.0.${field}.content`, message: 'expected a string' },
    ]);
  }
  return content;
}
