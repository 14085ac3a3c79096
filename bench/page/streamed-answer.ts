/**
 * The "streamed answer" row: a simulated hosted model (`../simulated-model.ts`), from the request
 * to the model to the avatar's first audio. This toolkit speaks the stream as it arrives
 * (`speak(stream)`); the official SDK is used as its users do: collect the whole answer, then
 * `speak` it.
 */
import StreamingAvatar, { AvatarQuality, StreamingEvents, TaskType } from '@heygen/streaming-avatar';
import { fromEndpoint } from '../../src/index.js';
import { SessionEngine } from '../../src/session/session-engine.js';
import { simulatedModel } from '../simulated-model.js';
import { LOUD, listen } from './loudness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
