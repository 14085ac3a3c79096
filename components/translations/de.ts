/**
 * German for the elements: `import 'streaming-avatar-kit/translations/de'`, then `lang="de"` on
 * the element or on `<html>`.
 */
import type { ErrorCode } from '../../src/errors.js';
import type { ConnectionQuality, ConnectPhase, EndReason } from '../../src/index.js';
import { registerTranslation } from '../localize/localized-element.js';
import type { AvatarMessages } from '../localize/messages.js';

const PHASES: Record<ConnectPhase, string> = {
  token: 'Sitzungstoken wird geholt…',
  new: 'Sitzung wird angelegt…',
  start: 'Avatar wird gestartet…',
  room: 'Raum wird betreten…',
  media: 'Warten auf das Video…',
};

const ENDINGS: Record<EndReason, string> = {
  user: 'Die Sitzung ist beendet.',
  idle_timeout: 'Die Sitzung wurde nach einer Zeit ohne Aktivität beendet.',
  duration_limit: 'Die Sitzung hat ihr Zeitlimit erreicht.',
  budget_exhausted: 'Die Sitzung hat ihr Credit-Budget aufgebraucht.',
  server_closed: 'Der Dienst hat die Sitzung beendet.',
  network_lost: 'Die Verbindung ist abgebrochen.',
  page_hidden: 'Die Sitzung wurde beendet, während die Seite verborgen war.',
  inactivity: 'Die Sitzung wurde beendet, weil niemand sie mehr benutzt hat.',
  renewed: 'Die Sitzung wurde erneuert.',
  error: 'Die Sitzung ist fehlgeschlagen.',
};

const QUALITIES: Record<ConnectionQuality, string> = {
  excellent: 'ausgezeichnet',
  good: 'gut',
  poor: 'schwach',
  lost: 'unterbrochen',
  unknown: 'unbekannt',
};

/** What a failure means for the person at the screen; the English message has the detail for developers. */
const ERRORS: Partial<Record<ErrorCode, string>> = {
  authentication: 'Der Avatar konnte sich nicht anmelden.',
  plan_limit: 'Das Kontingent des Avatar-Dienstes ist erschöpft.',
  budget_exhausted: 'Das Credit-Budget ist aufgebraucht.',
  rate_limited: 'Zu viele Anfragen. Bitte gleich noch einmal versuchen.',
  concurrency_limit: 'Gerade laufen zu viele Sitzungen. Bitte später noch einmal versuchen.',
  avatar_not_found: 'Dieser Avatar existiert nicht.',
  network: 'Keine Verbindung zum Avatar-Dienst.',
  timeout: 'Der Avatar-Dienst antwortet nicht.',
  server_error: 'Der Avatar-Dienst hat einen Fehler gemeldet.',
  media: 'Das Video des Avatars kam nicht an.',
  microphone: 'Das Mikrofon ist nicht verfügbar oder nicht erlaubt.',
  token_endpoint: 'Der Server dieser Seite hat kein Sitzungstoken geliefert.',
  configuration: 'Der Avatar ist auf dieser Seite falsch eingerichtet.',
};

export const german: AvatarMessages = {
  $code: 'de',
  $name: 'Deutsch',
  $dir: 'ltr',
  start: 'Avatar starten',
  startAgain: 'Neu starten',
  retry: 'Erneut versuchen',
  loading: 'Wird geladen…',
  connecting: 'Verbindung wird aufgebaut…',
  phase: (phase) => PHASES[phase],
  ended: (reason) => ENDINGS[reason],
  error: (error) => (error && ERRORS[error.code]) ?? 'Die Sitzung ist fehlgeschlagen.',
  unmute: 'Tippen, um den Ton einzuschalten',
  talk: 'Sprechen',
  stopTalking: 'Sprechen beenden',
  holdToTalk: 'Zum Sprechen gedrückt halten',
  talking: 'Spricht…',
  microphoneLevel: 'Mikrofonpegel',
  microphone: 'Mikrofon',
  unnamedMicrophone: (number) => `Mikrofon ${number}`,
  connectionQuality: (quality) => QUALITIES[quality],
  connectionDetails: (quality, fps, loss) =>
    fps === undefined || loss === undefined
      ? `Verbindung ${quality}`
      : `Verbindung ${quality}, ${Math.round(fps)} fps, ${loss.toLocaleString('de', { maximumFractionDigits: 1 })} % Paketverlust`,
  elapsed: 'Dauer',
  credits: 'Credits',
  estimate: 'Schätzung',
  budgetUsed: 'Verbrauchtes Credit-Budget',
  meterAnnouncement: (elapsed, credits, percent) =>
    `${elapsed} vergangen, ${credits} Credits${percent === undefined ? '' : `, ${percent} Prozent des Budgets`}.`,
  captions: 'Untertitel des Avatars',
  user: 'Sie',
  avatar: 'Avatar',
};

registerTranslation(german);
