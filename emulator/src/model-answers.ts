/**
 * A FULL session's own model (contract `liveavatar-api.md` §10): the emulator asks the endpoint an
 * LLM configuration names, as LiveAvatar does, and reads the answer as it streams.
 */
import { createParser } from 'eventsource-parser';

/** One message of the chat-completions format. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Where a session's model answers: the configuration's endpoint, model and key. */
export interface ModelEndpoint {
  /** `<base_url>/v1/chat/completions`. */
  url: string;
  model: string;
  apiKey: string;
}

/**
 * POSTs `{model, stream: true, messages}` with the key as the Bearer token and yields each
 * `choices[0].delta.content` as it arrives. Aborting `signal` ends the request.
 * @throws {Error} when the endpoint answers other than 2xx, answers without an event stream, or
 *   sends an `error` event.
 */
export async function* streamAnswer(
  endpoint: ModelEndpoint,
  messages: ChatMessage[],
  signal: AbortSignal,
): AsyncGenerator<string> {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${endpoint.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: endpoint.model, stream: true, messages }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`the model endpoint answered HTTP ${response.status}`);
  if (!response.headers.get('content-type')?.includes('text/event-stream'))
    throw new Error('the model endpoint answered without streaming (stream: true was asked)');
  const pieces: string[] = [];
  let failure: string | undefined;
  let finished = false;
  const parser = createParser({
    onEvent: ({ event, data }) => {
      if (data === '[DONE]') finished = true;
      else if (event === 'error') failure = data;
      else {
        const content = (JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]
          ?.delta?.content;
        if (typeof content === 'string' && content !== '') pieces.push(content);
      }
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
    yield* pieces.splice(0);
    if (failure !== undefined) throw new Error(`the model endpoint failed: ${failure}`);
    if (finished) return;
  }
}
