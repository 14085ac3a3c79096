/**
 * The kiosk page: the avatar fills the screen; between visitors it shows its attract loop (the
 * poster slot), starts on a tap (or, with `?start-on=voice`, when someone speaks near it), renews
 * its session before the duration limit without a visible break, and ends it 45 s after the
 * visitor's last word or tap. `?provider=liveavatar` runs LiveAvatar FULL. The overlay shows each
 * renewal's largest gap between presented frames and the seconds both sessions were billed.
 */
import '../components/index.js';
import { type KioskRenewal, watchRenewals } from './frame-gaps.js';

declare global {
  interface Window {
    /** Every renewal so far, for the console (and the end-to-end test). */
    kioskRenewals: KioskRenewal[];
  }
}

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

window.kioskRenewals = [];
void avatar.updateComplete.then(() => {
  watchRenewals(avatar, (seen) => {
    window.kioskRenewals.push(seen);
    show('renewals', String(window.kioskRenewals.length));
    show('gap', `${Math.round(seen.largestGapMs)} ms`);
    show('overlap', `${seen.overlapSeconds.toFixed(1)} s`);
  });
});
avatar.avatar.on('renewFailed', (error) => show('last-end', `renewal failed (${error.code})`));
// Greet each visitor, then listen.
avatar.addEventListener('avatar-ready', () => {
  avatar.speak('Hello! I am listening. Ask me anything.');
  avatar.startVoiceChat().catch(() => undefined);
});
