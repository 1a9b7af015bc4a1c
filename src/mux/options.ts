// Checking of Session options: integers with defaults, refused with ERR_MUX_BAD_OPTION naming the option.

import { badOptionError } from './errors.js';

/** An option that must be an integer >= 0, or its default. */
export function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw badOptionError(name, 'an integer >= 0', value);
  return value;
}

/** An option that must be an integer > 0, or its default. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw badOptionError(name, 'an integer > 0', value);
  return value;
}
