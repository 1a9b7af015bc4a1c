// frp's token authentication: privilege_key = lowercase hex md5(token + decimal timestamp).
import { createHash, timingSafeEqual } from 'node:crypto';
import { BurrowError, ErrorCode } from '../errors.js';

/** Milliseconds per second, for Unix-second timestamps. */
const MS_PER_SECOND = 1000;

/** The privilege key frp sends in Login (and NewWorkConn/Ping with additional scopes): hex md5(token + timestamp). */
export function privilegeKey(token: string, timestampSec: number): string {
  if (!Number.isSafeInteger(timestampSec)) {
    throw new BurrowError(
      ErrorCode.AUTH,
      `privilege key timestamp must be an integer number of seconds, got ${timestampSec}`,
    );
  }
  return createHash('md5')
    .update(token + String(timestampSec), 'utf8')
    .digest('hex');
}

/**
 * True when `key` is the privilege key of `token` at `timestampSec`. Compares in constant time;
 * a missing key or one of the wrong length is false without comparing its content.
 */
export function verifyPrivilegeKey(token: string, timestampSec: number, key: string | undefined): boolean {
  if (!Number.isSafeInteger(timestampSec)) return false;
  return secretEquals(privilegeKey(token, timestampSec), key);
}

/**
 * Constant-time equality of an `expected` secret text (a hex digest, whose length is public) and a
 * `given` one. A missing value or one of another length is false without comparing content.
 */
export function secretEquals(expected: string, given: string | undefined): boolean {
  const want = Buffer.from(expected, 'utf8');
  const got = Buffer.from(given ?? '', 'utf8');
  if (got.length !== want.length) {
    // Spend the same comparison time anyway.
    timingSafeEqual(want, want);
    return false;
  }
  return timingSafeEqual(want, got);
}

/** The current Unix time in whole seconds, as frp's timestamps. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / MS_PER_SECOND);
}
