/**
 * The kiosk page: the avatar fills the screen; between visitors it shows its attract loop (the
 * poster slot), starts on a tap (or, with `?start-on=voice`, when someone speaks near it) and ends
 * its session 45 s after the visitor's last word or tap. `?provider=liveavatar` runs LiveAvatar FULL.
 */
import '../components/index.js';

const avatar = document.querySelector('streaming-avatar')!;
const params = new URLSearchParams(location.search);
if (params.get('start-on') === 'voice') {
  avatar.startOn = 'voice';
  document.getElementById('invite')!.textContent = 'Say hello to talk to me';
}
if (params.get('provider') === 'liveavatar') {
  avatar.provider = 'liveavatar';
  avatar.tokenUrl = '/api/liveavatar-token';
  avatar.baseUrl = '/liveavatar';
}

let sessions = 0;
const show = (id: string, text: string) => {
  document.getElementById(id)!.textContent = text;
};
avatar.addEventListener('avatar-state-change', (event) => {
  show('state', event.state);
  if (event.state === 'connecting') show('sessions', String(++sessions));
});
avatar.addEventListener('avatar-ended', (event) => show('last-end', event.reason));
// Greet each visitor, then listen.
avatar.addEventListener('avatar-ready', () => {
  avatar.speak('Hello! I am listening. Ask me anything.');
  avatar.startVoiceChat().catch(() => undefined);
});
