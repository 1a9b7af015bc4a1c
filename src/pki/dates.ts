// Validity periods: day counts, clock-skew backdating and the date format of messages.
import { BurrowError, ErrorCode } from '../errors.js';

/** Milliseconds per day. */
export const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** Backdating of notBefore, to tolerate clock skew between hosts (frps uses the same 1 h). */
export const NOT_BEFORE_SKEW_MS = 60 * 60 * 1000;

/** Longest validity we accept for anything: 100 years (beyond that, a typo is likelier than intent). */
export const MAX_VALIDITY_DAYS = 36500;

/** Checks a validity in days; throws BurrowError(USAGE) unless it is a whole number in 1…MAX_VALIDITY_DAYS. */
export function checkDays(days: number, what: string): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `${what} must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}, got ${days}`,
    );
  }
  return days;
}

/** A date as messages show it: ISO 8601 UTC to the second, e.g. "2026-03-01T12:00:00Z". */
export function formatDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
