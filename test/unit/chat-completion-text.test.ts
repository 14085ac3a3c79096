import { describe, expect, it, vi } from 'vitest';
import { chatCompletionText } from '../../src/chat-completion-text.js';

/**
 * A streaming answer whose bytes arrive in the given pieces (split anywhere, as a network does);
 * `open` keeps it going after them, as a model still answering.
 */
function streamed(pieces: string[], onCancel: () => void = () => undefined, open = false): Response {
  const encoder = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < pieces.length) controller.enqueue(encoder.encode(pieces[next++]));
      else if (open) return new Promise<void>(() => undefined);
      else controller.close();
    },
    cancel: onCancel,
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const chunk = (content: string | undefined) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: content === undefined ? {} : { content } }] })}\n\n`;

async function all(source: AsyncIterable<string>): Promise<string[]> {
  const pieces: string[] = [];
  for await (const piece of source) pieces.push(piece);
  return pieces;
}

describe('chatCompletionText', () => {
  it('yields each delta’s content as it arrives, across any split of the bytes, until [DONE]', async () => {
    const text = `${chunk(undefined)}${chunk('We open ')}: a comment\n\n${chunk('at nine.')}data: [DONE]\n\n${chunk('never')}`;
    const splits = [[text], text.match(/.{1,7}/gs)!, [text.slice(0, 40), text.slice(40)]];
    for (const pieces of splits)
      expect(await all(chatCompletionText(streamed(pieces)))).toEqual(['We open ', 'at nine.']);
  });

  it('reads a non-streaming answer whole', async () => {
    const response = Response.json({ choices: [{ message: { role: 'assistant', content: 'All of it.' } }] });
    expect(await all(chatCompletionText(response))).toEqual(['All of it.']);
  });

  it('fails typed: a refusal with its status, an error event, a chunk that is not JSON or has no choices', async () => {
    await expect(
      all(chatCompletionText(new Response('quota exceeded', { status: 429 }))),
    ).rejects.toMatchObject({
      code: 'api_error',
      message: expect.stringContaining('429: quota exceeded'),
    });
    const failing = streamed([chunk('Half'), 'data: {"error":{"message":"the model broke"}}\n\n']);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const piece of chatCompletionText(failing)) seen.push(piece);
      })(),
    ).rejects.toMatchObject({ code: 'server_error', message: expect.stringContaining('the model broke') });
    expect(seen).toEqual(['Half']);
    await expect(all(chatCompletionText(streamed(['data: {nope\n\n'])))).rejects.toMatchObject({
      code: 'invalid_response',
    });
    await expect(all(chatCompletionText(streamed(['data: {"id":1}\n\n'])))).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('choices'),
    });
  });

  it('stopping early cancels the response body', async () => {
    let cancelled = false;
    const response = streamed(
      [chunk('One. '), chunk('Two. ')],
      () => {
        cancelled = true;
      },
      true,
    );
    for await (const piece of chatCompletionText(response)) {
      expect(piece).toBe('One. ');
      break;
    }
    // The cancel travels up the decoder and parser streams to the body.
    await vi.waitFor(() => expect(cancelled).toBe(true));
  });
});
