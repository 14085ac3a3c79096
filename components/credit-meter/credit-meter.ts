import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import type { CreditMeter, MeterReading } from '../../src/credits/credit-meter.js';
import type { RatePlanName } from '../../src/credits/rate-plans.js';
import { watchAvatar } from '../avatar-target.js';
import { LocalizedElement } from '../localize/localized-element.js';
import type { StreamingAvatarElement } from '../streaming-avatar/streaming-avatar.js';
import { styles } from './credit-meter.styles.js';

/** Screen readers hear the figures at most this often, in milliseconds. */
const ANNOUNCE_EVERY_MS = 30_000;

/**
 * Shows a session's credit use second by second, with a budget that ends the session at 100 %.
 *
 * @summary Elapsed time, credits, a money estimate and the budget of a `<streaming-avatar>`.
 *
 * @csspart figures - The elapsed, credits and cost figures.
 * @csspart budget - The budget progress bar.
 * @csspart announcer - The visually hidden live region.
 *
 * @cssproperty --meter-accent - Progress bar colour.
 * @cssproperty --meter-warning - Progress bar colour past the warning fraction.
 */
export class AvatarCreditMeterElement extends LocalizedElement {
  /** @internal */
  static override properties: PropertyDeclarations = {
    for: {},
    plan: {},
    pricePerCredit: { attribute: 'price-per-credit', type: Number },
    currency: {},
    maxCredits: { attribute: 'max-credits', type: Number },
    warnAt: { attribute: 'warn-at', type: Number },
    warning: { type: Boolean, reflect: true },
    reading: { state: true, attribute: false },
    announcement: { state: true, attribute: false },
  };

  /** @internal */
  static override styles = styles;

  /** The id of the `<streaming-avatar>` to follow; default: the closest one around this element. */
  for: string | undefined;

  /**
   * Rate plan name. Default: the provider's own (HeyGen `streaming`, seed 000: 0.2 credits/min,
   * 30 s minimum, 1-s increments; LiveAvatar FULL 2 credits/min per begun minute, contract §8).
   */
  plan: RatePlanName | undefined;

  /** Money per credit, for the estimate (e.g. 0.99 on Pro, seed 000). */
  pricePerCredit: number | undefined;

  /** Currency code for the estimate (default USD). */
  currency = 'USD';

  /** Credits the session may use; at 100 % the session is stopped (`budget_exhausted`). */
  maxCredits: number | undefined;

  /** Fraction of the budget at which the meter turns to its warning state (default 0.8). */
  warnAt = 0.8;

  /** Reflected once the warning fraction is reached. */
  warning = false;

  private reading: MeterReading | undefined;
  private announcement = '';

  #meter: CreditMeter | undefined;
  /** Counts the meters asked for: a meter whose code loads after a newer one was asked for is not built. */
  #meterGeneration = 0;
  #target: StreamingAvatarElement | undefined;
  #stopWatching: (() => void) | undefined;
  #lastAnnouncedAt = Number.NEGATIVE_INFINITY;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#stopWatching = watchAvatar(this, this.for, (target) => {
      this.#target = target;
      this.#attachMeter();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopWatching?.();
    this.#meterGeneration += 1;
    this.#meter?.dispose();
    this.#meter = undefined;
    this.#target = undefined;
  }

  protected override updated(changed: PropertyValues): void {
    const options = ['plan', 'warnAt', 'pricePerCredit', 'maxCredits'] as const;
    if (this.#meter && options.some((name) => changed.has(name))) this.#attachMeter();
  }

  /**
   * One meter on the avatar, which follows each of its sessions; built again only
   * when the meter's own options change. The meter's code loads with the first meter, not with the
   * page; a meter built after its session started catches up from the session's start time.
   * Reports an `InvalidOptionError` (`max-credits`, `price-per-credit` or `warn-at` out of
   * range) as an uncaught error of the page.
   */
  #attachMeter(): void {
    if (!this.#target) return;
    const generation = ++this.#meterGeneration;
    import('../../src/credits/credit-meter.js')
      .then(({ CreditMeter }) => {
        if (generation !== this.#meterGeneration || !this.#target) return;
        this.#meter?.dispose();
        this.#meter = undefined;
        this.warning = false;
        const meter = new CreditMeter(this.#target.avatar, {
          plan: this.plan,
          warnAtFraction: this.warnAt,
          pricePerCredit: this.pricePerCredit,
          maxCredits: this.maxCredits,
        });
        meter.on('tick', (reading) => this.#showReading(reading));
        meter.on('warning', (reading) => {
          this.warning = true;
          this.#announce(reading, true);
        });
        meter.on('exhausted', (reading) => this.#announce(reading, true));
        this.#meter = meter;
        this.reading = meter.reading();
      })
      .catch((error: unknown) => globalThis.reportError(error));
  }

  #showReading(reading: MeterReading): void {
    this.reading = reading;
    this.#announce(reading, !reading.running);
  }

  #announce(reading: MeterReading, now: boolean): void {
    const time = performance.now();
    if (!now && time - this.#lastAnnouncedAt < ANNOUNCE_EVERY_MS) return;
    this.#lastAnnouncedAt = time;
    this.announcement = this.term(
      'meterAnnouncement',
      formatDuration(reading.elapsedSeconds),
      this.#formatCredits(reading.credits),
      reading.budgetFraction === undefined ? undefined : Math.round(reading.budgetFraction * 100),
    );
  }

  #formatCredits(credits: number): string {
    return this.formatNumber(credits, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  }

  override render() {
    const reading = this.reading;
    const costValue = reading?.cost ?? (this.pricePerCredit === undefined ? undefined : 0);
    const cost =
      costValue === undefined
        ? nothing
        : html`<div><dt>${this.term('estimate')}</dt><dd data-figure="cost">${this.formatNumber(costValue, { style: 'currency', currency: this.currency, maximumFractionDigits: 3 })}</dd></div>`;
    return html`
      <dl part="figures">
        <div><dt>${this.term('elapsed')}</dt><dd data-figure="elapsed">${formatDuration(reading?.elapsedSeconds ?? 0)}</dd></div>
        <div><dt>${this.term('credits')}</dt><dd data-figure="credits">${this.#formatCredits(reading?.credits ?? 0)}</dd></div>
        ${cost}
      </dl>
      ${
        this.maxCredits === undefined
          ? nothing
          : html`<progress
              part="budget"
              aria-label=${this.term('budgetUsed')}
              max=${this.maxCredits}
              .value=${Math.min(reading?.credits ?? 0, this.maxCredits)}
            ></progress>`
      }
      <div part="announcer" class="visually-hidden" aria-live="polite">${this.announcement}</div>
    `;
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

customElements.define('avatar-credit-meter', AvatarCreditMeterElement);

declare global {
  interface HTMLElementTagNameMap {
    'avatar-credit-meter': AvatarCreditMeterElement;
  }
}
