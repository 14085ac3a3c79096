/**
 * The LiveAvatar token endpoint against the emulator's LiveAvatar API (REST only): the server
 * chooses the session, the page gets only a session token, ownership is exact, the guards hold,
 * and the backend can list and stop what its tokens created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, SANDBOX_AVATAR_ID, startEmulator } from '../../emulator/src/index.js';
import { LiveAvatarApiClient } from '../../src/api/liveavatar-client.js';
import { InvalidOptionError } from '../../src/errors.js';
import {
  createLiveAvatarTokenHandler,
  type LiveAvatarTokenHandlerOptions,
  memoryStore,
  registerLiveAvatarModel,
} from '../../src/server/index.js';

let emulator: RunningEmulator;
const ENDPOINT = 'http://127.0.0.1:3000/api/avatar-token';

beforeAll(async () => {
  emulator = await startEmulator({ media: false });
});

afterAll(() => emulator?.stop());

function handler(options: Partial<LiveAvatarTokenHandlerOptions> = {}) {
  return createLiveAvatarTokenHandler({
    apiKey: 'emulator-liveavatar-key',
    baseUrl: emulator.liveAvatarUrl,
    authorize: (request) => request.headers.get('x-user') === 'alice',
    session: { avatarId: SANDBOX_AVATAR_ID, avatarPersona: { language: 'en' } },
    ...options,
  });
}

const post = (body: unknown = {}, headers: Record<string, string> = { 'x-user': 'alice' }) =>
  new Request(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('createLiveAvatarTokenHandler', () => {
  it('creates the session the server chose and gives the page its session token only', async () => {
    const endpoint = handler();
    const response = await endpoint(post({ avatar_id: 'chosen-by-the-page', mode: 'LITE' }));
    expect(response.status).toBe(200);
    const { token, session_id } = (await response.json()) as { token: string; session_id: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.session_id).toBe(session_id);
    expect(claims.start_session_data).toMatchObject({ mode: 'FULL', avatar_id: SANDBOX_AVATAR_ID });

    const page = new LiveAvatarApiClient({
      credentials: { sessionToken: token },
      baseUrl: emulator.liveAvatarUrl,
    });
    await page.startSession();
    expect((await endpoint.listSessions()).map((session) => session.id)).toEqual([session_id]);
    expect(await endpoint.stopAllSessions()).toEqual([session_id]);
    expect(await endpoint.listSessions()).toEqual([]);
  });

  it('registers your model once (secret and LLM configuration), and session.llm becomes the token’s llm_configuration_id', async () => {
    const id = await registerLiveAvatarModel({
      apiKey: 'emulator-liveavatar-key',
      baseUrl: emulator.liveAvatarUrl,
      endpointBaseUrl: 'http://127.0.0.1:9/model',
      secret: 'shh',
      modelName: 'faq',
      displayName: 'Kiosk brain',
    });
    const stored = await fetch(`${emulator.liveAvatarUrl}/v1/llm_configurations/${id}`, {
      headers: { 'x-api-key': 'emulator-liveavatar-key' },
    }).then(async (response) => ((await response.json()) as { data: Record<string, string> }).data);
    expect(stored).toMatchObject({
      base_url: 'http://127.0.0.1:9/model',
      model_name: 'faq',
      display_name: 'Kiosk brain',
    });
    expect(JSON.stringify(stored)).not.toContain('shh');
    await expect(
      registerLiveAvatarModel({
        apiKey: 'not-a-key',
        baseUrl: emulator.liveAvatarUrl,
        endpointBaseUrl: 'http://127.0.0.1:9/model',
        secret: 'shh',
        modelName: 'faq',
      }),
    ).rejects.toMatchObject({ code: 'authentication' });
    const session = {
      avatarId: SANDBOX_AVATAR_ID,
      avatarPersona: { language: 'en' },
      llm: { configurationId: id },
    };
    const response = await handler({ session })(post());
    const { token } = (await response.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.start_session_data.llm_configuration_id).toBe(id);
    const unknown = { ...session, llm: { configurationId: '00000000-0000-4000-8000-000000000000' } };
    expect((await handler({ session: unknown })(post())).status).toBe(404);
  });

  it('accepts a page’s report only for the session its token created', async () => {
    const endpoint = handler();
    const first = (await (await endpoint(post())).json()) as { token: string; session_id: string };
    const second = (await (await endpoint(post())).json()) as { token: string; session_id: string };
    expect((await endpoint(post({ session_id: second.session_id, token: first.token }))).status).toBe(403);
    expect((await endpoint(post({ session_id: first.session_id, token: first.token }))).status).toBe(204);
  });

  it('keeps what it issued in the store: another replica accepts the report, and it expires', async () => {
    let now = 0;
    const store = memoryStore(() => now);
    const replicaA = handler({ store });
    const replicaB = handler({ store });
    const first = (await (await replicaA(post())).json()) as { token: string; session_id: string };
    expect((await replicaB(post({ session_id: first.session_id, token: first.token }))).status).toBe(204);
    const second = (await (await replicaA(post())).json()) as { token: string; session_id: string };
    now += 601_000;
    expect((await replicaA(post({ session_id: second.session_id, token: second.token }))).status).toBe(403);
  });

  it('ends the session for the page that holds its token, as the page goes away', async () => {
    const endpoint = handler();
    const issued = (await (await endpoint(post())).json()) as { token: string; session_id: string };
    await new LiveAvatarApiClient({
      credentials: { sessionToken: issued.token },
      baseUrl: emulator.liveAvatarUrl,
    }).startSession();
    expect((await endpoint(post({ session_id: issued.session_id, token: 'forged', end: true }))).status).toBe(
      403,
    );
    expect(
      (await endpoint(post({ session_id: issued.session_id, token: issued.token, end: true }))).status,
    ).toBe(204);
    expect(await endpoint.listSessions()).toEqual([]);
  });

  it('keeps the guards: no authorization, a foreign origin and a flood are refused', async () => {
    const endpoint = handler({ tokensPerMinute: 2 });
    expect((await endpoint(post({}, {}))).status).toBe(403);
    expect((await endpoint(post({}, { 'x-user': 'alice', origin: 'https://evil.example' }))).status).toBe(
      403,
    );
    await endpoint(post());
    await endpoint(post());
    const flooded = await endpoint(post());
    expect(flooded.status).toBe(429);
    expect(flooded.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('refuses settings LiveAvatar would refuse, before any request', () => {
    expect(() => handler({ authorize: undefined })).toThrow(InvalidOptionError);
    expect(() => handler({ session: { avatarId: SANDBOX_AVATAR_ID } })).toThrow(/exactly one of/);
  });

  it('passes LiveAvatar’s own refusals on with their status', async () => {
    const endpoint = handler({
      session: { avatarId: '00000000-0000-4000-8000-000000000000', avatarPersona: {} },
    });
    const response = await endpoint(post());
    expect(response.status).toBe(404);
  });
});
