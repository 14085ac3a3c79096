import { html, type PropertyDeclarations, type PropertyValues } from 'lit';
import { watchAvatar } from '../avatar-target.js';
import type { AvatarSpeechTextEvent, AvatarUserSpeechEvent } from '../events.js';
import { LocalizedElement } from '../localize/localized-element.js';
import type { StreamingAvatarElement } from '../streaming-avatar/streaming-avatar.js';
import { styles } from './captions.styles.js';

/**
 * One caption: the words of one avatar task or one user turn, with when they were spoken
 * (milliseconds since the first caption).
 */
export interface CaptionCue {
  /** `avatar` for the avatar's words, `user` for what the user said in voice chat. */
  role: 'avatar' | 'user';
  taskId: string;
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * What the avatar is saying, from its own talking messages, and what the user said in voice chat,
 * in an `aria-live` region; each line says who spoke.
 *
 * @summary Captions (the current line) or a transcript (every line) of a `<streaming-avatar>`.
 *
 * @csspart caption - Each line (also `caption-user` or `caption-avatar`).
 * @csspart speaker - The speaker's name before a line.
 * @csspart region - The live region holding the lines.
 *
 * @cssproperty --captions-background - Behind the lines (default translucent black).
 * @cssproperty --captions-color - Text colour (default white).
 * @cssproperty --captions-max-height - Height before the transcript scrolls (default 12em).
 */
export class AvatarCaptionsElement extends LocalizedElement {
  /** @internal */
  static override properties: PropertyDeclarations = {
    for: {},
    mode: { reflect: true },
    maxCues: { attribute: 'max-cues', type: Number },
    cues: { state: true, attribute: false },
  };

  /** @internal */
  static override styles = styles;

  /** The id of the `<streaming-avatar>` to caption; default: the closest one around this element. */
  for: string | undefined;

  /** `captions` shows the line being spoken; `transcript` keeps every line. */
  mode: 'captions' | 'transcript' = 'captions';

  /**
   * The most lines kept for the transcript and `toWebVTT()`; older lines are dropped first.
   * Default: every line. Set it where a page runs for hours (a kiosk) so the kept transcript
   * cannot grow without end. Values below 1 keep one line.
   */
  maxCues: number | undefined;

  private cues: CaptionCue[] = [];

  #target: StreamingAvatarElement | undefined;
  #stopWatching: (() => void) | undefined;
  #originMs: number | undefined;
  #userTurns = 0;

  /** Every line kept so far (all of them, or the last `max-cues`), in order. */
  get transcript(): readonly CaptionCue[] {
    return this.cues;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#stopWatching = watchAvatar(this, this.for, (target) => {
      this.#target = target;
      target.addEventListener('avatar-speech-text', this.#handleSpeechText);
      target.addEventListener('avatar-user-speech', this.#handleUserSpeech);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopWatching?.();
    this.#target?.removeEventListener('avatar-speech-text', this.#handleSpeechText);
    this.#target?.removeEventListener('avatar-user-speech', this.#handleUserSpeech);
    this.#target = undefined;
  }

  /** Empties the captions and the transcript. */
  clear(): void {
    this.cues = [];
    this.#originMs = undefined;
    this.#userTurns = 0;
  }

  /**
   * The transcript as a WebVTT document: one cue per avatar task or user turn, each in a voice span
   * (`<v Avatar>`, `<v User>`), the text escaped so `&`, `<` and `-->` cannot break a cue.
   */
  toWebVTT(): string {
    const cues = this.cues.map(
      (cue, index) =>
        `${index + 1}\n${vttTime(cue.startMs)} --> ${vttTime(Math.max(cue.endMs, cue.startMs + 500))}\n` +
        `<v ${cue.role === 'user' ? 'User' : 'Avatar'}>${escapeVtt(cue.text.trim())}`,
    );
    return `${['WEBVTT', ...cues].join('\n\n')}\n`;
  }

  #elapsedMs(): number {
    const now = performance.now();
    this.#originMs ??= now;
    return now - this.#originMs;
  }

  readonly #handleSpeechText = (event: AvatarSpeechTextEvent): void => {
    const at = this.#elapsedMs();
    const last = this.cues.at(-1);
    if (last && last.role === 'avatar' && last.taskId === event.taskId) {
      this.cues = [...this.cues.slice(0, -1), { ...last, text: last.text + event.text, endMs: at }];
    } else {
      this.#keep({ role: 'avatar', taskId: event.taskId, text: event.text, startMs: at, endMs: at });
    }
  };

  readonly #handleUserSpeech = (event: AvatarUserSpeechEvent): void => {
    if (!event.final) return;
    const at = this.#elapsedMs();
    this.#userTurns += 1;
    this.#keep({ role: 'user', taskId: `user-${this.#userTurns}`, text: event.text, startMs: at, endMs: at });
  };

  #keep(cue: CaptionCue): void {
    this.cues = [...this.cues, cue].slice(-this.#kept());
  }

  /** How many lines `max-cues` keeps (all, when it is unset or not a number). */
  #kept(): number {
    const max = this.maxCues;
    return max === undefined || Number.isNaN(max) ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(max));
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('maxCues') && this.cues.length > this.#kept()) this.cues = this.cues.slice(-this.#kept());
  }

  override render() {
    const shown = this.mode === 'transcript' ? this.cues : this.cues.slice(-1);
    return html`<div part="region" role="log" aria-live="polite" aria-label=${this.term('captions')}>
      ${shown.map(
        (cue) =>
          html`<p part="caption caption-${cue.role}"><span part="speaker">${cue.role === 'user' ? this.term('user') : this.term('avatar')}:</span> ${cue.text.trim()}</p>`,
      )}
    </div>`;
  }
}

/** Text safe inside a WebVTT cue: `&` and `<` as entities, and no `-->` (which would end the cue's timing). */
function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function vttTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(millis, 3)}`;
}

customElements.define('avatar-captions', AvatarCaptionsElement);

declare global {
  interface HTMLElementTagNameMap {
    'avatar-captions': AvatarCaptionsElement;
  }
}
