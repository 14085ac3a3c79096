/**
 * The elements' base: a `lang` that re-renders when it changes, a `messages` property for one
 * element's own wording, and `term()` to read a message in the element's language.
 */
import { type FunctionParams, LocalizeController, registerTranslation } from '@shoelace-style/localize';
import { LitElement, type PropertyDeclarations } from 'lit';
import { type AvatarMessages, english } from './messages.js';

registerTranslation(english);

export class LocalizedElement extends LitElement {
  /** @internal */
  static override properties: PropertyDeclarations = {
    lang: { reflect: true },
    messages: { attribute: false },
  };

  /** The element's language, e.g. `de`; unset, the page's (`<html lang>`), else English. */
  override lang!: string;

  /** Messages of this element's own, over its language's (e.g. `{ start: 'Talk to Ava' }`). */
  messages: Partial<AvatarMessages> = {};

  readonly #localize = new LocalizeController<AvatarMessages>(this);

  /** Message `key` in the element's language, `messages` first (for the element and its parts). @internal */
  term<K extends keyof AvatarMessages>(key: K, ...args: FunctionParams<AvatarMessages[K]>): string {
    const own: unknown = this.messages[key];
    if (typeof own === 'string') return own;
    if (typeof own === 'function') return own(...args);
    return this.#localize.term(key, ...args);
  }

  /** `value` formatted for the element's language. */
  protected formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
    return this.#localize.number(value, options);
  }
}

export { registerTranslation };
