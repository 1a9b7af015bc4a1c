// IP address text helpers: IPv4-mapped IPv6 both ways, loopback test, IPv6 expansion and the per-host bucket key.
import net from 'node:net';

/** How a dual-stack socket writes an IPv4 peer: this prefix, then the dotted address. */
const IPV4_MAPPED_PREFIX = '::ffff:';
/** IPv6 addresses are bucketed by this prefix: one host usually owns a whole /64. */
export const IPV6_BUCKET_PREFIX_BITS = 64;
/** Groups of 16 bits in an IPv6 address. */
const IPV6_GROUPS = 8;
/** Bits per IPv6 group. */
const IPV6_GROUP_BITS = 16;
/** The first octet of IPv4 loopback (127.0.0.0/8). */
const IPV4_LOOPBACK_PREFIX = '127.';

/** The IPv4 address inside "::ffff:a.b.c.d" (any case), or undefined when `address` is not one. */
function mappedIPv4(address: string): string | undefined {
  if (address.slice(0, IPV4_MAPPED_PREFIX.length).toLowerCase() !== IPV4_MAPPED_PREFIX) return undefined;
  const v4 = address.slice(IPV4_MAPPED_PREFIX.length);
  return net.isIPv4(v4) ? v4 : undefined;
}

/** "::ffff:1.2.3.4" → "1.2.3.4" (as Go prints IPv4 peers of dual-stack sockets); any other text unchanged. */
export function unmapIPv4(address: string): string {
  return mappedIPv4(address) ?? address;
}

/** "1.2.3.4" → "::ffff:1.2.3.4" (the form an IPv6 socket can send to); any other text unchanged. */
export function mapIPv4(address: string): string {
  return net.isIPv4(address) ? `${IPV4_MAPPED_PREFIX}${address}` : address;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. */
export function expandIPv6(address: string): number[] | undefined {
  const bare = address.split('%')[0] ?? '';
  if (!net.isIPv6(bare)) return undefined;
  let text = bare;
  // A trailing dotted IPv4 part counts as two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const missing = IPV6_GROUPS - front.length - back.length;
  return [...front, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...back];
}

/** True for 127.0.0.0/8, ::1 (in any spelling) and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = unmapIPv4(address);
  if (net.isIPv4(v4)) return v4.startsWith(IPV4_LOOPBACK_PREFIX);
  const groups = expandIPv6(address);
  return groups !== undefined && groups.slice(0, IPV6_GROUPS - 1).every((g) => g === 0) && groups[7] === 1;
}

/**
 * The key a peer is counted under by per-address limits: an IPv4 address (unmapped) as is, an
 * IPv6 address by its /64 prefix ("2001:db8:0:0::/64"), anything else (a Unix socket path?) as is.
 */
export function bucketKey(address: string): string {
  const v4 = unmapIPv4(address);
  if (net.isIPv4(v4)) return v4;
  const groups = expandIPv6(address);
  if (groups === undefined) return address;
  const kept = IPV6_BUCKET_PREFIX_BITS / IPV6_GROUP_BITS;
  return `${groups
    .slice(0, kept)
    .map((g) => g.toString(16))
    .join(':')}::/${IPV6_BUCKET_PREFIX_BITS}`;
}
