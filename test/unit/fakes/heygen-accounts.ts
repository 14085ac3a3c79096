import { fail, fakeFetch, ok } from './fetch.js';

/**
 * A HeyGen stand-in for the server helper: issues numbered session tokens for the key `secret`,
 * binds each to the session the test says it created, and answers a session token's keep-alive
 * only for its own session (as the contract's single-use, bound tokens do).
 */
export function fakeHeyGenAccount() {
  const boundTo = new Map<string, string>();
  const active = new Set<string>();
  let issued = 0;
  /** Answers HeyGen gives next, before anything else (an outage, an error envelope). */
  const failures: Response[] = [];
  const upstream = fakeFetch((request) => {
    const failure = failures.shift();
    if (failure) return failure;
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
    if (bearer !== undefined) {
      const sessionId = request.body?.session_id;
      return boundTo.get(bearer) === sessionId
        ? ok(null)
        : fail(401, 400112, 'Unauthorized: this session token belongs to another session');
    }
    if (request.headers.get('x-api-key') !== 'secret') return fail(401, 40009, 'invalid credentials');
    if (request.path === '/v1/streaming.create_token') {
      issued += 1;
      return Response.json({ error: null, data: { token: `tok-${issued}` } });
    }
    if (request.path === '/v1/streaming.list') {
      return ok({
        sessions: [...active].map((session_id) => ({ session_id, status: 'connected', created_at: 1 })),
      });
    }
    if (request.path === '/v1/streaming.stop') active.delete(String(request.body?.session_id));
    return ok(null);
  });
  return {
    ...upstream,
    /** The page used `token` to create `sessionId` (streaming.new). */
    create(token: string, sessionId: string) {
      boundTo.set(token, sessionId);
      active.add(sessionId);
    },
    active,
    /** HeyGen's next answer is `response`, whatever the request. */
    failNext(response: Response) {
      failures.push(response);
    },
  };
}
