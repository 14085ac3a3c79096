/**
 * A visitor's first page with this toolkit, as the README's drop-in shows it: `<streaming-avatar>`
 * and its start button. `?api=` is the API's base URL. Times go to `window.coldVisit`.
 */
import { StreamingAvatarElement } from '../../components/streaming-avatar/streaming-avatar.js';
import { watchColdVisit } from './cold-visit.js';

// Used, not only imported: the bench builds from source, which package.json's sideEffects (the
// built files) does not cover, so a bare import would be shaken out with its element.
const avatar = document.querySelector('streaming-avatar');
if (!(avatar instanceof StreamingAvatarElement)) throw new Error('<streaming-avatar> is not defined');
avatar.baseUrl = new URLSearchParams(location.search).get('api') ?? '';
watchColdVisit((firstFrame) => {
  avatar.addEventListener('avatar-ready', () => firstFrame(performance.now()));
  return () => avatar.stop();
});
