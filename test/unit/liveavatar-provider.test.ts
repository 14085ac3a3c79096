import { describe, expect, it } from 'vitest';
import { liveAvatarError } from '../../src/api/liveavatar-client.js';
import { Avatar, type AvatarOptions } from '../../src/avatar.js';
import { StreamingAvatarError } from '../../src/errors.js';
import type { RoomChannel } from '../../src/provider.js';
import { liveAvatar } from '../../src/providers/liveavatar.js';
import {
  AGENT_CONTROL_TOPIC,
  AGENT_RESPONSE_TOPIC,
  liveAvatarFullProvider as fullProvider,
  parseAgentResponse,
} from '../../src/providers/liveavatar-full.js';
import { readSessionToken } from '../../src/providers/liveavatar-token.js';

const liveAvatarFullProvider = (token: string, options: Parameters<typeof fullProvider>[2]) =>
  fullProvider(token, readSessionToken(token), options);

/** A session token as LiveAvatar mints it: a JWT whose payload carries the session and its start data. */
function sessionToken(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.signature`;
}

const FULL_TOKEN = sessionToken({ session_id: 'la-1', start_session_data: { mode: 'FULL' } });
const packet = (value: object) => new TextEncoder().encode(JSON.stringify(value));
const response = (value: object) => parseAgentResponse(packet(value), AGENT_RESPONSE_TOPIC);

describe('LiveAvatar FULL: events into the toolkit’s model', () => {
  it('maps the avatar’s speech events, settled by source_event_id', () => {
    expect(
      response({ event_type: 'avatar.speak_started', event_id: 'e1', source_event_id: 'cmd-1' }),
    ).toEqual({
      kind: 'event',
      event: { type: 'avatar_start_talking', task_id: 'cmd-1' },
    });
    expect(
      response({ event_type: 'avatar.transcription.chunk', source_event_id: 'cmd-1', text: 'Hello' }),
    ).toEqual({
      kind: 'event',
      event: { type: 'avatar_talking_message', task_id: 'cmd-1', message: 'Hello ' },
    });
    expect(
      response({ event_type: 'avatar.transcription.chunk', source_event_id: 'cmd-1', text: 'there ' }),
    ).toMatchObject({
      event: { message: 'there ' },
    });
    expect(response({ event_type: 'avatar.speak_ended', source_event_id: 'cmd-1' })).toEqual({
      kind: 'event',
      event: { type: 'avatar_stop_talking', task_id: 'cmd-1' },
    });
  });

  it('maps the user’s turn: start and stop as voice events, the chunks and the final text', () => {
    expect(response({ event_type: 'user.speak_started' })).toEqual({
      kind: 'voice',
      eventType: 'user_start',
    });
    expect(response({ event_type: 'user.speak_ended' })).toEqual({ kind: 'voice', eventType: 'user_stop' });
    expect(response({ event_type: 'user.transcription.chunk', event_id: 'u', text: 'What' })).toMatchObject({
      event: { type: 'user_talking_message', message: 'What' },
    });
    expect(response({ event_type: 'user.transcription', event_id: 'u', text: 'What time?' })).toMatchObject({
      event: { type: 'user_end_message', message: 'What time?' },
    });
  });

  it('maps every end reason, reading stop_reason or end_reason', () => {
    const ended = (fields: object) => response({ event_type: 'session.stopped', ...fields });
    expect(ended({ stop_reason: 'IDLE_TIMEOUT' })).toEqual({
      kind: 'ended',
      reason: 'idle_timeout',
      providerReason: 'IDLE_TIMEOUT',
    });
    expect(ended({ end_reason: 'MAX_DURATION_REACHED' })).toMatchObject({ reason: 'duration_limit' });
    expect(ended({ stop_reason: 'NO_CREDITS' })).toMatchObject({ reason: 'budget_exhausted' });
    for (const other of ['USER_CLOSED', 'SERVER_ERROR', 'ZOMBIE_SESSION_REAP', 'AGENT_HANG_UP', 'UNKNOWN'])
      expect(ended({ stop_reason: other })).toMatchObject({ reason: 'server_closed', providerReason: other });
    expect(ended({})).toMatchObject({ reason: 'server_closed', providerReason: 'UNKNOWN' });
  });

  it('ignores other topics, passes unknown events on, reports malformed ones', () => {
    expect(parseAgentResponse(packet({ event_type: 'avatar.speak_started' }), undefined)).toEqual({
      kind: 'ignored',
    });
    expect(parseAgentResponse(packet({ event_type: 'x' }), AGENT_CONTROL_TOPIC)).toEqual({ kind: 'ignored' });
    expect(response({ event_type: 'user.push_to_talk_started' })).toMatchObject({ kind: 'unknown' });
    expect(parseAgentResponse(new TextEncoder().encode('{oops'), AGENT_RESPONSE_TOPIC)).toMatchObject({
      kind: 'malformed',
      reason: 'not JSON',
    });
    expect(response({ type: 'avatar_start_talking' })).toMatchObject({ kind: 'malformed' });
    expect(response({ event_type: 'avatar.transcription.chunk', text: 3 })).toMatchObject({
      kind: 'malformed',
      reason: 'avatar.transcription.chunk: bad field(s) text',
    });
  });
});

describe('LiveAvatar FULL: commands in the room', () => {
  async function connected() {
    const provider = liveAvatarFullProvider(FULL_TOKEN, {
      baseUrl: 'http://la.test',
      fetch: async () => new Response(),
    });
    const sent: { data: Record<string, unknown>; topic: string | undefined }[] = [];
    const room: RoomChannel = {
      async sendData(text, topic) {
        sent.push({ data: JSON.parse(text), topic });
      },
    };
    provider.useRoom(room);
    return { provider, sent };
  }

  it('names the session from its token and waits for the agent participant', async () => {
    const { provider } = await connected();
    expect(await provider.newSession({ version: 'v2' })).toEqual({
      sessionId: 'la-1',
      room: undefined,
      durationLimitSeconds: undefined,
    });
    expect(provider.participants('la-1')).toEqual({ avatar: 'heygen', required: ['liveavatar-agent-la-1'] });
    expect(provider.ratePlan.creditsPerMinute).toBe(2);
  });

  it('sends repeat as avatar.speak_text and talk as avatar.speak_response, the event id naming the task', async () => {
    const { provider, sent } = await connected();
    const repeat = await provider.sendTask('la-1', 'Hello there.', 'repeat');
    const talk = await provider.sendTask('la-1', 'What time is it?', 'talk');
    expect(sent.map(({ data, topic }) => [data.event_type, data.text, topic])).toEqual([
      ['avatar.speak_text', 'Hello there.', AGENT_CONTROL_TOPIC],
      ['avatar.speak_response', 'What time is it?', AGENT_CONTROL_TOPIC],
    ]);
    expect(sent[0]!.data.event_id).toBe(repeat.taskId);
    expect(sent[1]!.data.event_id).toBe(talk.taskId);
    expect(repeat.durationMs).toBeGreaterThan(0);
  });

  it('interrupts, listens and holds the talk key with the contract’s commands', async () => {
    const { provider, sent } = await connected();
    await provider.interrupt('la-1');
    await provider.setListening('la-1', true);
    await provider.setPushToTalk('la-1', true);
    await provider.setPushToTalk('la-1', false);
    expect(sent.map(({ data }) => data.event_type)).toEqual([
      'avatar.interrupt',
      'avatar.start_listening',
      'user.start_push_to_talk',
      'user.stop_push_to_talk',
    ]);
  });
});

describe('LiveAvatar: tokens and errors', () => {
  it('reads the mode and sandbox flag of a session token, and refuses anything else', () => {
    expect(readSessionToken(FULL_TOKEN)).toEqual({ sessionId: 'la-1', mode: 'FULL', sandbox: false });
    expect(
      readSessionToken(sessionToken({ session_id: 's', start_session_data: { mode: 'CUSTOM' } })).mode,
    ).toBe('LITE');
    expect(readSessionToken(sessionToken({ session_id: 's' })).mode).toBe('FULL');
    expect(() => readSessionToken('a-heygen-token')).toThrow(/not a LiveAvatar session token/);
    const sandbox = sessionToken({ session_id: 's', start_session_data: { is_sandbox: true } });
    expect(liveAvatarFullProvider(sandbox, {}).ratePlan.creditsPerMinute).toBe(0);
  });

  it('refuses a token whose mode is not the provider’s, with a configuration error', async () => {
    const lite = sessionToken({ session_id: 's', start_session_data: { mode: 'LITE' } });
    await expect(Promise.resolve(liveAvatar({ mode: 'full' })(lite))).rejects.toBeInstanceOf(
      StreamingAvatarError,
    );
    await expect(Promise.resolve(liveAvatar({ mode: 'lite' })(FULL_TOKEN))).rejects.toMatchObject({
      code: 'configuration',
    });
  });

  it('refuses what the server chooses (avatar, voice, language, knowledge) before any token is fetched', async () => {
    let tokensFetched = 0;
    const token = async () => {
      tokensFetched += 1;
      return FULL_TOKEN;
    };
    const cases: [Partial<AvatarOptions>, string][] = [
      [
        { avatarId: 'Wayne_20240711' },
        "avatarId is chosen by your server's token handler (session.avatarId)",
      ],
      [
        { voice: { voice_id: 'v' } },
        "voice is chosen by your server's token handler (session.avatarPersona.voiceId)",
      ],
      [{ language: 'de' }, 'session.avatarPersona.language'],
      [{ knowledgeBaseId: 'kb' }, 'session.avatarPersona.contextId'],
    ];
    for (const [options, message] of cases) {
      const avatar = new Avatar({
        token,
        provider: liveAvatar(),
        pageLifecycle: new EventTarget(),
        ...options,
      });
      const failure = await avatar.start().catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'configuration' });
      expect((failure as Error).message).toContain(message);
    }
    expect(tokensFetched).toBe(0);
  });

  it('maps the contract’s error answers onto typed errors', () => {
    const error = (status: number, body: unknown, context = {}, headers = new Headers()) =>
      liveAvatarError(status, body, headers, { endpoint: '/v1/sessions/token', ...context }, Date.now());
    const invalid = error(422, {
      detail: [{ loc: ['body', 'video_settings', 'quality'], msg: 'bad quality' }],
    });
    expect(invalid).toMatchObject({ code: 'invalid_parameter' });
    expect(invalid.message).toContain('video_settings.quality: bad quality');
    expect(error(401, { code: 401, message: 'Invalid' })).toMatchObject({ code: 'authentication' });
    expect(error(403, { code: 403, data: { message: 'Forbidden' } }).serverMessage).toBe('Forbidden');
    expect(error(404, {}, { avatarId: 'a-1' })).toMatchObject({ code: 'avatar_not_found' });
    expect(error(404, {}, { endpoint: '/v1/sessions/stop', sessionId: 's' })).toMatchObject({
      code: 'session_not_found',
    });
    expect(error(402, { message: 'no credits' })).toMatchObject({ code: 'budget_exhausted' });
    expect(error(429, {}, {}, new Headers({ 'retry-after': '3' }))).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 3000,
    });
    expect(error(503, {})).toMatchObject({ code: 'server_error' });
  });
});
