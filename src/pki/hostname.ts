// Matches a host name or IP address against a certificate's SANs (RFC 6125 rules, no CN fallback).
import { isIP } from 'node:net';
import type { SanList } from './inspect.js';

/** Canonical text of an IP address (IPv6 compressed, lowercase), via the URL parser; undefined when not an IP. */
export function canonicalIp(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return undefined;
  try {
    return new URL(`http://${family === 6 ? `[${bare}]` : bare}/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** Lowercase, no trailing dot. */
function canonicalDns(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** True when DNS `pattern` (possibly "*.example.com", wildcard as the whole left-most label only) covers `host`. */
export function dnsMatches(pattern: string, host: string): boolean {
  const p = canonicalDns(pattern);
  const h = canonicalDns(host);
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1); // ".example.com"
  if (!h.endsWith(suffix)) return false;
  const label = h.slice(0, h.length - suffix.length);
  // The wildcard stands for exactly one non-empty label.
  return label.length > 0 && !label.includes('.');
}

/**
 * Checks `host` against the SANs: an IP literal must equal an IP SAN; a name must match a DNS SAN.
 * The subject CN is never used (as in Go since 1.15 and browsers). Returns the reason on mismatch.
 */
export function matchHost(host: string, sans: SanList): { ok: true } | { ok: false; reason: string } {
  const ip = canonicalIp(host);
  if (ip !== undefined) {
    if (sans.ip.some((s) => canonicalIp(s) === ip)) return { ok: true };
    const list = sans.ip.length ? sans.ip.join(', ') : 'none';
    return { ok: false, reason: `IP ${host} does not match the certificate's IP SANs (${list})` };
  }
  if (sans.dns.some((p) => dnsMatches(p, host))) return { ok: true };
  const all = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ip.map((i) => `IP:${i}`)];
  return {
    ok: false,
    reason: `hostname ${host} does not match the certificate's SANs (${all.length ? all.join(', ') : 'none'})`,
  };
}
