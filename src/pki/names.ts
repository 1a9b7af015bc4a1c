// Sorts the names given for a certificate into SAN types (IP, DNS, URI, email) and checks each.
import { isIP } from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';
import type { x509 } from './crypto-provider.js';

/** Longest DNS name (RFC 1035), without the trailing dot. */
const MAX_DNS_NAME_LENGTH = 253;

/** One DNS label: letters, digits, hyphens (underscores tolerated, as in service names), 1–63 chars, no edge hyphen. */
const DNS_LABEL_RE = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** A URI with a scheme and an authority or path after "://" (e.g. spiffe://example.org/agent). */
const URI_RE = /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i;

/** A mailbox: something @ a domain, no spaces. */
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** The SAN kinds a name can be. */
export type SanKind = 'ip' | 'dns' | 'uri' | 'email';

/** A name with its SAN kind. */
export interface ClassifiedName {
  kind: SanKind;
  value: string;
}

/** True for a DNS name (one or more labels), optionally with a leading "*." wildcard label. */
export function isDnsName(name: string): boolean {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > MAX_DNS_NAME_LENGTH) return false;
  const labels = n.split('.');
  const rest = labels[0] === '*' && labels.length > 1 ? labels.slice(1) : labels;
  return rest.every((l) => DNS_LABEL_RE.test(l));
}

/** The SAN kind of `name`, or undefined when it is none of IP, URI, email, DNS name. */
export function classifyName(name: string): ClassifiedName | undefined {
  const value = name.trim();
  if (isIP(value)) return { kind: 'ip', value };
  if (URI_RE.test(value)) return { kind: 'uri', value };
  if (EMAIL_RE.test(value)) return { kind: 'email', value };
  if (isDnsName(value)) return { kind: 'dns', value: value.replace(/\.$/, '').toLowerCase() };
  return undefined;
}

/** The @peculiar/x509 GeneralName type of each SAN kind. */
const JSON_TYPE: Record<SanKind, x509.JsonGeneralName['type']> = { ip: 'ip', dns: 'dns', uri: 'url', email: 'email' };

/**
 * SAN entries for `names`, de-duplicated (case-insensitively), in the order given. Names that are
 * none of the four kinds throw BurrowError(USAGE), except `allowPlainFirst` lets the first one (a
 * client ID such as "Alice Smith") stay CN-only.
 */
export function sanEntries(names: readonly string[], opts: { allowPlainFirst?: boolean } = {}): x509.JsonGeneralNames {
  const seen = new Set<string>();
  const out: x509.JsonGeneralNames = [];
  names.forEach((raw, i) => {
    const c = classifyName(raw);
    if (c === undefined) {
      if (i === 0 && opts.allowPlainFirst) return;
      throw new BurrowError(
        ErrorCode.USAGE,
        `name "${raw}" is not an IP address, DNS name, URI (scheme://…) or email address (x@y)`,
      );
    }
    const key = `${c.kind}:${c.value.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ type: JSON_TYPE[c.kind], value: c.value });
  });
  return out;
}
