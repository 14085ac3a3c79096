/**
 * Checks of constructor options, so a bad value fails at once with an {@link InvalidOptionError}
 * naming the option, instead of misbehaving later (a budget of -1 that never stops a session).
 */
import { InvalidOptionError } from '../errors.js';

/** Bounds of a numeric option; both ends inclusive unless `exclusiveMin`. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** `min` itself is not allowed (a positive number: `{ min: 0, exclusiveMin: true }`). */
  exclusiveMin?: boolean;
  integer?: boolean;
  /** How the expected value is described in the error, e.g. "a number of seconds from 30 to 3600". */
  expected: string;
}

/**
 * Throws unless `value` is undefined or a finite number within `bounds`.
 * @throws {InvalidOptionError} naming `option`.
 */
export function checkNumberOption(option: string, value: unknown, bounds: NumberBounds): void {
  if (value === undefined) return;
  const fits =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!bounds.integer || Number.isInteger(value)) &&
    (bounds.min === undefined || (bounds.exclusiveMin ? value > bounds.min : value >= bounds.min)) &&
    (bounds.max === undefined || value <= bounds.max);
  if (!fits) throw new InvalidOptionError(option, bounds.expected, value);
}

/**
 * Throws unless `value` is undefined or one of `allowed`.
 * @throws {InvalidOptionError} naming `option`.
 */
export function checkEnumOption(option: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined || (typeof value === 'string' && allowed.includes(value))) return;
  throw new InvalidOptionError(option, `one of ${allowed.map((name) => `"${name}"`).join(', ')}`, value);
}
