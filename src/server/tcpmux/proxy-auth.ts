// Proxy-Authorization for tcpmux: the Basic credentials a CONNECT carries, and their constant-time check against a proxy's.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The scheme prefix frp's ParseBasicAuth takes, matched regardless of case. */
const BASIC_PREFIX = 'basic ';
/** Standard base64, as Go's base64.StdEncoding decodes it (padding required). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A user and password from a Basic header. */
export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/**
 * The credentials of a `Basic <base64(user:password)>` header, or undefined when it is absent,
 * another scheme, bad base64 or has no colon (frp then routes and checks as with no user).
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || header.length < BASIC_PREFIX.length) return undefined;
  if (header.slice(0, BASIC_PREFIX.length).toLowerCase() !== BASIC_PREFIX) return undefined;
  const encoded = header.slice(BASIC_PREFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** A fixed-length digest, so timingSafeEqual neither throws nor tells the secret's length. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * True when `given` names the proxy's user and password (frp: both equal). Both parts are compared
 * in constant time, and both always, so the answer's timing says nothing about which one failed.
 */
export function credentialsMatch(expected: BasicCredentials, given: BasicCredentials | undefined): boolean {
  const userOk = timingSafeEqual(digest(given?.user ?? ''), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(given?.password ?? ''), digest(expected.password));
  return given !== undefined && userOk && passwordOk;
}
