// Who a TLS peer is: the names and fingerprint of the certificate it presented, and matching policy ids to them.
import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { certFingerprint } from '../pki/fingerprint.js';

/** The identity a client certificate carries. */
export interface PeerIdentity {
  /** Subject CN ("" when none). */
  cn: string;
  dns: string[];
  ips: string[];
  uris: string[];
  emails: string[];
  /** "sha256:<hex>" of the certificate. */
  fingerprint: string;
  /** Subject as one line, e.g. "CN=alice, O=acme". */
  subject: string;
  /** Issuer as one line. */
  issuer: string;
  /** notAfter as an ISO date. */
  validTo: string;
}

/** The identity of a certificate. */
export function identityOf(cert: X509Certificate): PeerIdentity {
  const names = parseSubjectAltNames(cert.subjectAltName ?? '');
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
  return {
    cn,
    ...names,
    fingerprint: certFingerprint(cert.raw),
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

/** The identity of the peer of a TLS socket, or undefined when it presented no certificate. */
export function peerIdentity(socket: tls.TLSSocket): PeerIdentity | undefined {
  const cert = socket.getPeerX509Certificate();
  return cert ? identityOf(cert) : undefined;
}

/**
 * True when a policy id names this identity: equal to the CN, a DNS, URI or email SAN, or its
 * fingerprint ("sha256:…", any case, colons allowed).
 */
export function identityMatches(identity: PeerIdentity, id: string): boolean {
  if (id.toLowerCase().startsWith('sha256:')) {
    return id.slice(7).replace(/:/g, '').toLowerCase() === identity.fingerprint.slice(7);
  }
  return id === identity.cn || identity.dns.includes(id) || identity.uris.includes(id) || identity.emails.includes(id);
}

/** A short description for logs: "CN=alice (DNS:alice.example, sha256:ab12…)". */
export function describeIdentity(identity: PeerIdentity | undefined): string {
  if (!identity) return 'no client certificate';
  const sans = [
    ...identity.dns.map((d) => `DNS:${d}`),
    ...identity.uris.map((u) => `URI:${u}`),
    ...identity.ips.map((i) => `IP:${i}`),
  ];
  return `CN=${identity.cn}${sans.length > 0 ? ` (${sans.join(', ')})` : ''}`;
}

function parseSubjectAltNames(text: string): Pick<PeerIdentity, 'dns' | 'ips' | 'uris' | 'emails'> {
  const out = { dns: [] as string[], ips: [] as string[], uris: [] as string[], emails: [] as string[] };
  // Node's format: 'DNS:a.example, IP Address:127.0.0.1, URI:spiffe://x, email:a@b' (values may be quoted).
  for (const part of text.split(/,\s*/)) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const kind = part.slice(0, i);
    const value = part.slice(i + 1).replace(/^"|"$/g, '');
    if (kind === 'DNS') out.dns.push(value);
    else if (kind === 'IP Address') out.ips.push(value);
    else if (kind === 'URI') out.uris.push(value);
    else if (kind === 'email') out.emails.push(value);
  }
  return out;
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
