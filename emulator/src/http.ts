/**
 * HTTP plumbing of the emulator's API: HeyGen's error answer, JSON bodies, and CORS so a page on
 * another localhost port can call it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answer: HTTP status plus HeyGen's `{code, message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The largest request body the emulator reads, in bytes (1 MB: a task's text is at most 1,000 characters). */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () =>
  new HttpError(413, 413, `Payload too large: request bodies are at most ${MAX_BODY_BYTES} bytes`, {
    connection: 'close',
  });

/**
 * A whole answer body, sent as it is instead of the `{code: 100, message, data}` envelope: for
 * the endpoints HeyGen's reference shows in another shape (contract doc, "Response shapes as
 * published").
 */
export class WholeBody {
  constructor(readonly body: Record<string, unknown>) {}
}

/**
 * The JSON object a request carries, as HeyGen's servers read it: `{}` for other methods, an
 * empty body or none at all (with or without a `Content-Type`: public apps' token routes post
 * with only the key header); a JSON body under any content type is read as JSON. Stops reading at
 * {@link MAX_BODY_BYTES}.
 * @throws {HttpError} 413 for a body over the limit, 400 for a body that is present and is not a
 *   JSON object.
 */
export async function readJson(
  request: IncomingMessage,
  bodyMethods: readonly string[] = ['POST'],
): Promise<Record<string, unknown>> {
  if (!bodyMethods.includes(request.method ?? '')) return {};
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // Reported below.
  }
  throw new HttpError(400, 40001, 'the body is not a JSON object');
}

/**
 * The request's path and query. @throws {HttpError} 400 for a request target that is not a URL
 * path (`//[`, say).
 */
export function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1');
  } catch {
    throw new HttpError(400, 40001, 'invalid request: the request target is not a URL path');
  }
}

/** Writes a JSON answer. */
export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Lets any origin call the API and read `Retry-After`. */
export function setCors(response: ServerResponse): void {
  response.setHeader('access-control-allow-origin', '*');
  response.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  response.setHeader('access-control-allow-headers', 'authorization, content-type, x-api-key');
  response.setHeader('access-control-expose-headers', 'retry-after');
  response.setHeader('access-control-max-age', '600');
}

/** Host names that reach only this machine. */
function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(name)
  );
}

/**
 * Why a request from outside this machine's own pages is refused, or undefined to serve it. The
 * emulator answers only loopback `Host`s (so a rebound DNS name cannot reach it) and, when a
 * browser sends an `Origin`, only pages served from loopback or from `allowedOrigins`: a web page
 * elsewhere must not drive a developer's emulator (its sessions, and with `--faults` its
 * control endpoints).
 */
export function foreignRequestRefusal(
  request: IncomingMessage,
  allowedOrigins: readonly string[],
): string | undefined {
  const host = request.headers.host;
  if (host !== undefined && !isLoopbackHost(hostnameOf(`http://${host}`) ?? '')) {
    return `Host ${host} is not this machine: the emulator answers 127.0.0.1 and localhost only.`;
  }
  const origin = request.headers.origin;
  if (origin === undefined || allowedOrigins.includes(origin)) return undefined;
  const hostname = hostnameOf(origin);
  if (hostname !== undefined && isLoopbackHost(hostname)) return undefined;
  return `Origin ${origin} may not use the emulator: pages on 127.0.0.1 or localhost may (start it with --allow-origin ${origin} to let this one).`;
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
