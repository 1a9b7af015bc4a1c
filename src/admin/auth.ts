// Access checks of the admin API: HTTP Basic credentials in constant time, Host and Sec-Fetch-Site guards.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { isLoopbackAddress } from '../net/address.js';

/** Configured credentials; both empty = no authentication (frp's rule). */
export interface Credentials {
  user: string;
  password: string;
}

/** True when credentials are configured. */
export function authRequired(creds: Credentials): boolean {
  return creds.user !== '' || creds.password !== '';
}

/** Equal-length digests so timingSafeEqual neither throws nor leaks the secret's length. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * True when the Authorization header carries the configured user and password. Both parts are
 * compared in constant time, and both always, so the answer time says nothing about which failed.
 */
export function checkBasicAuth(header: string | undefined, creds: Credentials): boolean {
  if (!authRequired(creds)) return true;
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  const decoded = m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userOk = timingSafeEqual(digest(user), digest(creds.user));
  const passwordOk = timingSafeEqual(digest(password), digest(creds.password));
  return m !== null && colon >= 0 && userOk && passwordOk;
}

/** True when an address is a loopback one (127.0.0.0/8, ::1, ::ffff:127.x, "localhost"). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return isLoopbackAddress(h);
}

/** The host name of a Host header value, without port or IPv6 brackets ("" when unparsable). */
export function hostOf(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return '';
  const v = hostHeader.trim();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    return end > 0 ? v.slice(1, end) : '';
  }
  const colon = v.indexOf(':');
  return colon >= 0 ? v.slice(0, colon) : v;
}

/**
 * True when a request to an API bound to loopback names a loopback host. A page on another site
 * can point its own domain at 127.0.0.1 (DNS rebinding); its requests then carry that domain as
 * Host, which this refuses.
 */
export function hostAllowed(headers: IncomingHttpHeaders): boolean {
  return isLoopback(hostOf(headers.host));
}

/**
 * True when a request to an API that listens beyond loopback without credentials names its host
 * by an IP address or a loopback name. DNS rebinding needs a domain name of the attacker's, so
 * refusing every other name keeps another site's pages out while LAN tools using the IP work.
 */
export function hostIsAddress(headers: IncomingHttpHeaders): boolean {
  const host = hostOf(headers.host);
  return isLoopback(host) || net.isIP(host) !== 0;
}

/**
 * True when a state-changing request may proceed: browsers label cross-site requests with
 * Sec-Fetch-Site, which an <img> or form on another site cannot suppress; tools send none.
 */
export function fetchSiteAllowed(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
