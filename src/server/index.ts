/**
 * `streaming-avatar-kit/server`: exchanges the HeyGen API key for single-use session tokens on
 * your backend, so the key never reaches a browser. Uses only the Fetch API (`Request` →
 * `Response`), so it serves from Node's http (via a small adapter), Express, Hono or a Next.js route.
 */
import { StreamingApiClient } from '../api/client.js';
import type { ActiveSession } from '../api/schemas.js';
import { ApiError, StreamingAvatarError } from '../errors.js';

/** Options of {@link createSessionTokenHandler}. */
export interface SessionTokenHandlerOptions {
  /** The HeyGen API key. Read it from the environment; never ship it to a page. */
  apiKey: string;
  /** Streaming API base URL (default HeyGen's; the emulator's in development). */
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
  /**
   * Decides whether a request may have a token (your app's own auth). Default: every POST.
   * Answer false and the caller gets 403.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>;
}

/** A Fetch-API handler that answers `POST` with `{"token": "..."}`, plus the sessions it led to. */
export interface SessionTokenHandler {
  /** Answers `POST` with 200 `{token}`, other methods with 405, refused requests with 403. */
  (request: Request): Promise<Response>;
  /** How many tokens this handler has issued. */
  readonly issuedTokens: number;
  /**
   * The account's active sessions created since this handler issued its first token: the
   * sessions this backend's pages started.
   */
  listSessions(): Promise<ActiveSession[]>;
  /** Stops one session server side (billing stops). */
  stopSession(sessionId: string): Promise<void>;
  /** Stops every session {@link SessionTokenHandler.listSessions} lists; returns their ids. */
  stopAllSessions(): Promise<string[]>;
}

/**
 * Creates the token endpoint. Errors from HeyGen are passed on with their status and
 * `{code, message}` envelope, so `fromEndpoint` in the page throws the same typed error.
 */
export function createSessionTokenHandler(options: SessionTokenHandlerOptions): SessionTokenHandler {
  const client = new StreamingApiClient({
    credentials: { apiKey: options.apiKey },
    baseUrl: options.baseUrl,
    fetch: options.fetch,
  });
  let issued = 0;
  let firstIssuedAtSeconds: number | undefined;

  const handler = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') {
      return Response.json({ code: 405, message: 'Use POST.' }, { status: 405, headers: { allow: 'POST' } });
    }
    if (options.authorize && !(await options.authorize(request))) {
      return Response.json(
        { code: 403, message: 'Not allowed to start an avatar session.' },
        { status: 403 },
      );
    }
    try {
      firstIssuedAtSeconds ??= Math.floor(Date.now() / 1000);
      const token = await client.createSessionToken({ signal: request.signal });
      issued += 1;
      return Response.json({ token }, { headers: { 'cache-control': 'no-store' } });
    } catch (error) {
      return errorResponse(error);
    }
  };

  const listSessions = async (): Promise<ActiveSession[]> => {
    if (firstIssuedAtSeconds === undefined) return [];
    const since = firstIssuedAtSeconds;
    const sessions = await client.listActiveSessions();
    return sessions.filter((session) => session.created_at >= since);
  };

  // A getter, not Object.assign (which would copy the count once).
  Object.defineProperty(handler, 'issuedTokens', { get: () => issued });
  return Object.assign(handler as typeof handler & { readonly issuedTokens: number }, {
    listSessions,
    stopSession: (sessionId: string) => client.stopSession(sessionId),
    async stopAllSessions() {
      const sessions = await listSessions();
      await Promise.all(sessions.map((session) => client.stopSession(session.session_id)));
      return sessions.map((session) => session.session_id);
    },
  });
}

function errorResponse(error: unknown): Response {
  if (error instanceof ApiError) {
    return Response.json(
      { code: error.serverCode ?? error.status, message: error.serverMessage ?? error.message },
      { status: error.status },
    );
  }
  const message = error instanceof StreamingAvatarError ? error.message : 'Could not create a session token.';
  return Response.json({ code: 502, message }, { status: 502 });
}

/** The parts of Node's `IncomingMessage` that {@link toNodeListener} reads. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** The parts of Node's `ServerResponse` that {@link toNodeListener} writes. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Uint8Array | string): unknown;
}

/**
 * Adapts a Fetch-API handler to Node's `http` (and Connect/Express/Vite middleware):
 * `http.createServer(toNodeListener(createSessionTokenHandler({ apiKey })))`.
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>) {
  return async (incoming: NodeRequestLike, outgoing: NodeResponseLike): Promise<void> => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of incoming)
      chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = incoming.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : new Blob(chunks as BlobPart[]);
    const response = await handler(
      new Request(new URL(incoming.url ?? '/', `http://${headers.get('host') ?? '127.0.0.1'}`), {
        method,
        headers,
        ...(body ? { body } : {}),
      }),
    );
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(new Uint8Array(await response.arrayBuffer()));
  };
}
