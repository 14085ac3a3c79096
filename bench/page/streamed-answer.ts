/**
 * The "streamed answer" row: a simulated hosted model (first token after 300 ms, then 30 tokens a
 * second, 120 tokens), from the request to the model to the avatar's first audio. This toolkit
 * speaks the stream as it arrives (`speak(stream)`); the official SDK is used as its users do:
 * collect the whole answer, then `speak` it.
 */
import StreamingAvatar, { AvatarQuality, StreamingEvents, TaskType } from '@heygen/streaming-avatar';
import { fromEndpoint } from '../../src/index.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import { LOUD, listen } from './loudness.js';

const FIRST_TOKEN_MS = 300;
const TOKEN_MS = 1000 / 30;
const ANSWER_TOKENS = 120;
const SENTENCES = [
  'Thanks for asking about our opening hours.',
  'We open at nine in the morning on weekdays and at ten on Saturdays.',
  'On Sundays the shop stays closed, but the online store takes orders all day.',
  'If you need help outside these hours, leave a message and we will call you back.',
];
const WORDS = SENTENCES.join(' ').split(' ');
/** 120 tokens of an answer, a word and its space each. */
const TOKENS = Array.from({ length: ANSWER_TOKENS }, (_, index) => `${WORDS[index % WORDS.length]} `);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* simulatedModel(): AsyncGenerator<string> {
  await sleep(FIRST_TOKEN_MS);
  for (const [index, token] of TOKENS.entries()) {
    if (index > 0) await sleep(TOKEN_MS);
    yield token;
  }
}

/** Milliseconds from asking the model to the avatar's first audio energy. */
export interface StreamedAnswerFigures {
  toFirstAudioMs: number;
}

async function timeAnswer(
  media: MediaStream,
  video: HTMLVideoElement,
  speak: () => Promise<void>,
): Promise<StreamedAnswerFigures> {
  video.srcObject = media;
  await video.play();
  const audio = listen(media);
  try {
    await sleep(300);
    const asked = performance.now();
    const firstAudio = audio.until((rms) => rms > LOUD, asked, 30_000);
    await speak();
    return { toFirstAudioMs: await firstAudio };
  } finally {
    await audio.close();
  }
}

export async function streamedAnswerOurs(baseUrl: string, avatarId: string): Promise<StreamedAnswerFigures> {
  const session = new SessionEngine({ token: fromEndpoint('/api/avatar-token'), baseUrl, avatarId });
  await session.start();
  try {
    return await timeAnswer(session.media!, document.querySelector('video')!, async () => {
      session.queue.speak(simulatedModel());
    });
  } finally {
    await session.stop();
  }
}

export async function streamedAnswerOfficial(
  baseUrl: string,
  avatarId: string,
): Promise<StreamedAnswerFigures> {
  const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
    token: string;
  };
  const avatar = new StreamingAvatar({ token, basePath: baseUrl });
  const stream = new Promise<MediaStream>((resolve) =>
    avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => resolve(event.detail)),
  );
  await avatar.createStartAvatar({ avatarName: avatarId, quality: AvatarQuality.Low });
  try {
    return await timeAnswer(await stream, document.querySelector('video')!, async () => {
      let text = '';
      for await (const token of simulatedModel()) text += token;
      await avatar.speak({ text: text.trim(), taskType: TaskType.REPEAT });
    });
  } finally {
    await avatar.stopAvatar();
  }
}
