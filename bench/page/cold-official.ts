/**
 * A visitor's first page with the official SDK, as its quick start shows it: a start button that
 * fetches a session token, starts the avatar and plays its stream. `?api=` is the API's base URL.
 * Times go to `window.coldVisit`.
 */
import StreamingAvatar, { AvatarQuality, StreamingEvents } from '@heygen/streaming-avatar';
import { watchColdVisit } from './cold-visit.js';
import { redirectVoiceChatSocket } from './voice-chat-socket.js';

const video = document.querySelector('video')!;
const basePath = new URLSearchParams(location.search).get('api') ?? '';
redirectVoiceChatSocket(basePath);

watchColdVisit((firstFrame) => {
  let avatar: StreamingAvatar | undefined;
  document.querySelector('#start')!.addEventListener('click', async () => {
    const { token } = (await (await fetch('/api/avatar-token', { method: 'POST' })).json()) as {
      token: string;
    };
    avatar = new StreamingAvatar({ token, basePath });
    avatar.on(StreamingEvents.STREAM_READY, (event: CustomEvent<MediaStream>) => {
      video.srcObject = event.detail;
      video.requestVideoFrameCallback(() => firstFrame(performance.now()));
    });
    await avatar.createStartAvatar({ avatarName: 'Wayne_20240711', quality: AvatarQuality.Low });
  });
  return async () => {
    await avatar?.stopAvatar();
  };
});
