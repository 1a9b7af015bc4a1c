// frp's token authentication: privilege_key = lowercase hex md5(token + decimal timestamp).
import { createHash, timingSafeEqual } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';

/** Milliseconds per second, for Unix-second timestamps. */
const MS_PER_SECOND = 1000;

/** The privilege key frp sends in Login (and NewWorkConn/Ping with additional scopes): hex md5(token + timestamp). */
export function privilegeKey(token: string, timestampSec: number): string {
  if (!Number.isSafeInteger(timestampSec)) {
    throw new BurrowError(ErrorCode.AUTH, `privilege key timestamp must be an integer number of seconds, got ${timestampSec}`);
  }
  return createHash('md5').update(token + String(timestampSec), 'utf8').digest('hex');
}

/**
 * True when `key` is the privilege key of `token` at `timestampSec`. Compares in constant time;
 * a missing key or one of the wrong length is false without comparing its content.
 */
export function verifyPrivilegeKey(token: string, timestampSec: number, key: string | undefined): boolean {
  if (!Number.isSafeInteger(timestampSec)) return false;
  const expected = Buffer.from(privilegeKey(token, timestampSec), 'utf8');
  const given = Buffer.from(key ?? '', 'utf8');
  if (given.length !== expected.length) {
    // Spend the same comparison time anyway; the length of a hex md5 (32) is public.
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}

/** The current Unix time in whole seconds, as frp's timestamps. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / MS_PER_SECOND);
}
