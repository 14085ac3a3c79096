/**
 * Serves a Fetch-API handler from Node's `http` (and Connect, Express or Vite middleware). The
 * body streams into the `Request` (so the handler's body limit holds before anything is
 * buffered), a streamed answer goes out as it comes, a client that goes away aborts the
 * request's signal, and no request, however malformed, can throw out of the listener.
 */
import { Readable } from 'node:stream';
import type { RequestInfo } from './guard.js';

/** The parts of Node's `IncomingMessage` that {@link toNodeListener} reads. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/** The parts of Node's `ServerResponse` that {@link toNodeListener} writes. */
export interface NodeResponseLike {
  /** Sends the status and headers. */
  writeHead(status: number, headers: Record<string, string>): unknown;
  /** Sends the body and ends the response. */
  end(body?: Uint8Array | string): unknown;
  /** Whether the headers went out already (then the answer is left alone). */
  readonly headersSent?: boolean;
  /** Sends part of the body (a streamed answer goes out piece by piece when present). */
  write?(chunk: Uint8Array): unknown;
  /** Follows the connection's end: a client gone before the answer ended aborts the request. */
  once?(event: 'close', listener: () => void): unknown;
  /** Whether the whole answer was sent. */
  readonly writableFinished?: boolean;
}

/**
 * Adapts a Fetch-API handler to Node's `http`:
 * `http.createServer(toNodeListener(createSessionTokenHandler({ apiKey, authorize })))`.
 * A request whose URL or headers cannot form a `Request` gets 400; a handler that throws, 500.
 */
export function toNodeListener(handler: (request: Request, info: RequestInfo) => Promise<Response>) {
  return async (incoming: NodeRequestLike, outgoing: NodeResponseLike): Promise<void> => {
    let response: Response;
    // The client going away before the answer ended aborts the request's signal.
    const gone = new AbortController();
    outgoing.once?.('close', () => {
      if (!outgoing.writableFinished) gone.abort(new DOMException('The client went away.', 'AbortError'));
    });
    try {
      const request = toRequest(incoming, gone.signal);
      response = request
        ? await handler(request, { remoteAddress: incoming.socket?.remoteAddress })
        : Response.json({ code: 400, message: 'Malformed request.' }, { status: 400 });
    } catch {
      response = Response.json({ code: 500, message: 'The token endpoint failed.' }, { status: 500 });
    }
    if (outgoing.headersSent) return;
    const headers = Object.fromEntries(response.headers);
    // The rest of a refused body is not worth reading: close the connection instead.
    if (response.status === 413) headers.connection = 'close';
    outgoing.writeHead(response.status, headers);
    if (!response.body || !outgoing.write) {
      outgoing.end(new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0))));
      return;
    }
    const reader = response.body.getReader();
    gone.signal.addEventListener(
      'abort',
      () => void reader.cancel(gone.signal.reason).catch(() => undefined),
    );
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        outgoing.write(value);
      }
    } catch {
      // The answer's stream failed or was cancelled: end what was sent.
    }
    outgoing.end();
  };
}

/** The `Request` for a Node request, or undefined when its URL or headers are not valid. */
function toRequest(incoming: NodeRequestLike, signal: AbortSignal): Request | undefined {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = incoming.method ?? 'GET';
    const url = new URL(incoming.url ?? '/', `http://${headers.get('host') ?? '127.0.0.1'}`);
    if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers, signal });
    const body = Readable.toWeb(Readable.from(incoming)) as ReadableStream<Uint8Array>;
    return new Request(url, { method, headers, body, duplex: 'half', signal } as RequestInit);
  } catch {
    return undefined;
  }
}
