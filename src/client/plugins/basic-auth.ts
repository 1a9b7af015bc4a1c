// HTTP Basic credentials of the HTTP-serving plugins (http_proxy, static_file), compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

/** frp sleeps this long before answering a wrong or missing password, to slow down guessing. */
export const AUTH_FAIL_DELAY_MS = 200;

/** A plugin's httpUser/httpPassword; both empty = no authentication (frp's rule). */
export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** True when the plugin asks for credentials. */
export function authRequired(creds: BasicCredentials): boolean {
  return creds.user !== '' || creds.password !== '';
}

/** Equal-length digests, so timingSafeEqual neither throws nor leaks the secret's length. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * True when `header` (an Authorization or Proxy-Authorization value) is "Basic base64(user:password)"
 * with the configured pair, or when none is configured. User and password are both compared, in
 * constant time, whatever the header holds, so the answer time says nothing about which part failed.
 */
export function basicAuthOk(header: string | undefined, creds: BasicCredentials): boolean {
  if (!authRequired(creds)) return true;
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userOk = timingSafeEqual(digest(user), digest(creds.user));
  const passwordOk = timingSafeEqual(digest(password), digest(creds.password));
  return m !== null && colon >= 0 && userOk && passwordOk;
}

/** Resolves after AUTH_FAIL_DELAY_MS (the wait before a refusal). */
export function authFailDelay(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, AUTH_FAIL_DELAY_MS));
}
