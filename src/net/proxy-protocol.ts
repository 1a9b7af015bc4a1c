// HAProxy PROXY protocol v1 (text) and v2 (binary) headers, written to a local service before the proxied bytes.
import { isIPv4, isIPv6 } from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';

/** `transport.proxyProtocolVersion` values (frp: anything but "v1" means v2). */
export type ProxyProtocolVersion = 'v1' | 'v2';

/** The connection a header describes. */
export interface ProxyHeaderInfo {
  /** The user's address (IPv4, IPv6, or IPv4-mapped IPv6; an IPv6 zone is dropped). */
  srcAddr: string;
  srcPort: number;
  /** The address the user reached. */
  dstAddr: string;
  dstPort: number;
  protocol: 'tcp' | 'udp';
}

/** A parsed header. Addresses are present for command "proxy" with family ipv4/ipv6. */
export interface DecodedProxyHeader {
  version: ProxyProtocolVersion;
  /** v2 LOCAL (health checks) or PROXY; v1 is always "proxy" ("PROXY UNKNOWN" has family "unspec"). */
  command: 'local' | 'proxy';
  family: 'ipv4' | 'ipv6' | 'unix' | 'unspec';
  protocol: 'tcp' | 'udp' | 'unspec';
  srcAddr?: string;
  srcPort?: number;
  dstAddr?: string;
  dstPort?: number;
  /** Bytes of the header, TLVs included: the proxied data starts after them. */
  headerBytes: number;
}

/** v1: the text line starts with this. */
const V1_PREFIX = 'PROXY ';
/** v1: the whole line is at most 107 bytes, CRLF included (proxy-protocol.txt §2.1). */
export const PROXY_V1_MAX_LENGTH = 107;
/** v1 line for a connection it cannot describe (UDP, mixed, unknown): what go-proxyproto writes. */
const V1_UNKNOWN_LINE = 'PROXY UNKNOWN\r\n';
/** v2: the 12-byte signature (proxy-protocol.txt §2.2). */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** v2: signature + version/command + family/protocol + 2-byte length. */
const V2_FIXED_SIZE = 16;
/** v2: byte offsets of version/command, family/protocol and the 2-byte address length. */
const V2_VER_CMD_OFFSET = 12;
const V2_FAM_OFFSET = 13;
const V2_LEN_OFFSET = 14;
/** v2: version 2 in the high nibble. */
const V2_VERSION = 0x20;
/** v2 commands (low nibble). */
const V2_CMD_LOCAL = 0x0;
const V2_CMD_PROXY = 0x1;
/** v2 address families (high nibble of byte 13). */
const V2_AF_UNSPEC = 0x0;
const V2_AF_INET = 0x1;
const V2_AF_INET6 = 0x2;
const V2_AF_UNIX = 0x3;
/** v2 transport protocols (low nibble of byte 13). */
const V2_PROTO_STREAM = 0x1;
const V2_PROTO_DGRAM = 0x2;
/** v2 address block sizes: 2 addresses + 2 ports. */
const V2_INET_ADDR_LEN = 12;
const V2_INET6_ADDR_LEN = 36;
const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;
const MAX_PORT = 65535;

function headerError(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `PROXY protocol header: ${detail}`);
}

function ipv4ToBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

/** Parse IPv6 text (with "::" and an optional dotted IPv4 tail, zone removed) into 16 bytes. */
function ipv6ToBytes(ip: string): Buffer {
  let text = ip;
  const out = Buffer.alloc(IPV6_BYTES);
  let tail: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = ipv4ToBytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [
          ...headGroups,
          ...new Array<string>(IPV6_GROUPS - headGroups.length - restGroups.length).fill('0'),
          ...restGroups,
        ];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail !== undefined) tail.copy(out, IPV6_BYTES - IPV4_BYTES);
  return out;
}

/** RFC 5952 text of 16 bytes, IPv4-mapped addresses as ::ffff:a.b.c.d (as Go's netip). */
function ipv6ToText(b: Uint8Array): string {
  const isMapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (isMapped) return `::ffff:${Array.from(b.subarray(12)).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < IPV6_BYTES; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)); // i + 1 < IPV6_BYTES: both bytes exist
  // Longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < IPV6_GROUPS;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_GROUPS && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}

/** An address as 4 bytes (IPv4, including IPv4-mapped IPv6) or 16 bytes (IPv6). */
function addressBytes(addr: string, which: string): Buffer {
  const ip = addr.replace(/%.*$/, ''); // drop an IPv6 zone: the header has no room for it
  if (isIPv4(ip)) return ipv4ToBytes(ip);
  if (isIPv6(ip)) {
    const b = ipv6ToBytes(ip);
    const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    return mapped ? Buffer.from(b.subarray(12)) : b;
  }
  throw headerError(`${which} address ${JSON.stringify(addr)} is not an IP address`);
}

function checkPort(port: number, which: string): void {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT)
    throw headerError(`${which} port ${port} is not in 0..${MAX_PORT}`);
}

function toIpv6(b: Buffer): Buffer {
  if (b.length === IPV6_BYTES) return b;
  const out = Buffer.alloc(IPV6_BYTES);
  out[10] = 0xff;
  out[11] = 0xff;
  b.copy(out, 12);
  return out;
}

/**
 * The PROXY protocol header for a connection, as frp's client writes it (go-proxyproto
 * HeaderProxyFromAddrs): IPv4 when both addresses are IPv4 (IPv4-mapped IPv6 counts as IPv4),
 * otherwise IPv6 with any IPv4 side mapped (::ffff:a.b.c.d). v1 is `PROXY TCP4|TCP6 src dst sport
 * dport\r\n`; v1 cannot describe UDP, so it gives `PROXY UNKNOWN\r\n`. v2 is the signature,
 * 0x21 (version 2, PROXY), family/protocol (0x11 TCP4, 0x12 UDP4, 0x21 TCP6, 0x22 UDP6), the
 * address length and the addresses and ports, big-endian, no TLVs. Throws BurrowError PROTOCOL
 * when an address is not an IP or a port is out of range.
 */
export function encodeProxyHeader(version: ProxyProtocolVersion, info: ProxyHeaderInfo): Buffer {
  let src = addressBytes(info.srcAddr, 'source');
  let dst = addressBytes(info.dstAddr, 'destination');
  checkPort(info.srcPort, 'source');
  checkPort(info.dstPort, 'destination');
  const v4 = src.length === IPV4_BYTES && dst.length === IPV4_BYTES;
  if (!v4) {
    src = toIpv6(src);
    dst = toIpv6(dst);
  }
  if (version === 'v1') {
    if (info.protocol !== 'tcp') return Buffer.from(V1_UNKNOWN_LINE, 'latin1');
    const text = (b: Buffer): string => (v4 ? Array.from(b).join('.') : ipv6ToText(b));
    const line = `${V1_PREFIX}${v4 ? 'TCP4' : 'TCP6'} ${text(src)} ${text(dst)} ${info.srcPort} ${info.dstPort}\r\n`;
    return Buffer.from(line, 'latin1');
  }
  const addrLen = v4 ? V2_INET_ADDR_LEN : V2_INET6_ADDR_LEN;
  const out = Buffer.alloc(V2_FIXED_SIZE + addrLen);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[V2_VER_CMD_OFFSET] = V2_VERSION | V2_CMD_PROXY;
  out[V2_FAM_OFFSET] =
    ((v4 ? V2_AF_INET : V2_AF_INET6) << 4) | (info.protocol === 'tcp' ? V2_PROTO_STREAM : V2_PROTO_DGRAM);
  out.writeUInt16BE(addrLen, V2_LEN_OFFSET);
  src.copy(out, V2_FIXED_SIZE);
  dst.copy(out, V2_FIXED_SIZE + src.length);
  out.writeUInt16BE(info.srcPort, V2_FIXED_SIZE + 2 * src.length);
  out.writeUInt16BE(info.dstPort, V2_FIXED_SIZE + 2 * src.length + 2);
  return out;
}

function parseV1Port(s: string, which: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > MAX_PORT)
    throw headerError(`v1 ${which} port ${JSON.stringify(s)} is not in 0..${MAX_PORT}`);
  return Number(s);
}

function decodeV1(buf: Buffer): DecodedProxyHeader | undefined {
  const limit = Math.min(buf.length, PROXY_V1_MAX_LENGTH);
  const lf = buf.subarray(0, limit).indexOf(0x0a);
  if (lf < 0) {
    if (buf.length >= PROXY_V1_MAX_LENGTH) throw headerError(`v1 line has no CRLF within ${PROXY_V1_MAX_LENGTH} bytes`);
    return undefined;
  }
  if (lf === 0 || buf[lf - 1] !== 0x0d) throw headerError('v1 line must end with CRLF');
  const line = buf.subarray(0, lf - 1).toString('latin1');
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') {
    return { version: 'v1', command: 'proxy', family: 'unspec', protocol: 'unspec', headerBytes: lf + 1 };
  }
  if (parts.length !== 6) throw headerError(`v1 line ${JSON.stringify(line)} must have 6 fields, has ${parts.length}`);
  const [, proto = '', srcAddr = '', dstAddr = '', srcPort = '', dstPort = ''] = parts;
  const check = proto === 'TCP4' ? isIPv4 : proto === 'TCP6' ? isIPv6 : undefined;
  if (check === undefined) throw headerError(`v1 protocol ${JSON.stringify(proto)} is not TCP4, TCP6 or UNKNOWN`);
  if (!check(srcAddr) || !check(dstAddr))
    throw headerError(
      `v1 ${proto} addresses ${JSON.stringify(srcAddr)} ${JSON.stringify(dstAddr)} are not ${proto === 'TCP4' ? 'IPv4' : 'IPv6'}`,
    );
  return {
    version: 'v1',
    command: 'proxy',
    family: proto === 'TCP4' ? 'ipv4' : 'ipv6',
    protocol: 'tcp',
    srcAddr,
    dstAddr,
    srcPort: parseV1Port(srcPort, 'source'),
    dstPort: parseV1Port(dstPort, 'destination'),
    headerBytes: lf + 1,
  };
}

function decodeV2(buf: Buffer): DecodedProxyHeader | undefined {
  if (buf.length < V2_FIXED_SIZE) return undefined;
  const verCmd = buf.readUInt8(V2_VER_CMD_OFFSET);
  if ((verCmd & 0xf0) !== V2_VERSION)
    throw headerError(`v2 version nibble is 0x${(verCmd >> 4).toString(16)}, expected 0x2`);
  const cmd = verCmd & 0x0f;
  if (cmd !== V2_CMD_LOCAL && cmd !== V2_CMD_PROXY)
    throw headerError(`v2 command 0x${cmd.toString(16)} is neither LOCAL nor PROXY`);
  const af = buf.readUInt8(V2_FAM_OFFSET) >> 4;
  const tp = buf.readUInt8(V2_FAM_OFFSET) & 0x0f;
  const len = buf.readUInt16BE(V2_LEN_OFFSET);
  const headerBytes = V2_FIXED_SIZE + len;
  if (buf.length < headerBytes) return undefined;
  const family =
    af === V2_AF_INET
      ? 'ipv4'
      : af === V2_AF_INET6
        ? 'ipv6'
        : af === V2_AF_UNIX
          ? 'unix'
          : af === V2_AF_UNSPEC
            ? 'unspec'
            : undefined;
  if (family === undefined) throw headerError(`v2 address family 0x${af.toString(16)} is unknown`);
  const protocol = tp === V2_PROTO_STREAM ? 'tcp' : tp === V2_PROTO_DGRAM ? 'udp' : tp === 0 ? 'unspec' : undefined;
  if (protocol === undefined) throw headerError(`v2 transport protocol 0x${tp.toString(16)} is unknown`);
  const result: DecodedProxyHeader = {
    version: 'v2',
    command: cmd === V2_CMD_LOCAL ? 'local' : 'proxy',
    family,
    protocol,
    headerBytes,
  };
  if (result.command === 'local' || (family !== 'ipv4' && family !== 'ipv6')) return result;
  const ipLen = family === 'ipv4' ? IPV4_BYTES : IPV6_BYTES;
  const need = family === 'ipv4' ? V2_INET_ADDR_LEN : V2_INET6_ADDR_LEN;
  if (len < need) throw headerError(`v2 ${family} address block is ${len} bytes, needs ${need}`);
  const a = buf.subarray(V2_FIXED_SIZE);
  const text = (b: Buffer): string => (family === 'ipv4' ? Array.from(b).join('.') : ipv6ToText(b));
  result.srcAddr = text(a.subarray(0, ipLen));
  result.dstAddr = text(a.subarray(ipLen, 2 * ipLen));
  result.srcPort = a.readUInt16BE(2 * ipLen);
  result.dstPort = a.readUInt16BE(2 * ipLen + 2);
  return result;
}

/**
 * Parse a PROXY protocol header (v1 or v2) at the start of `buf`, for tests and for a server that
 * accepts one. Returns undefined while more bytes are needed; throws BurrowError PROTOCOL as soon
 * as the bytes present cannot start a valid header. TLVs (v2) are skipped, counted in headerBytes.
 */
export function decodeProxyHeader(buf: Buffer): DecodedProxyHeader | undefined {
  if (buf.length === 0) return undefined;
  const sigPrefix = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
  if (buf.subarray(0, sigPrefix).equals(PROXY_V2_SIGNATURE.subarray(0, sigPrefix))) {
    return sigPrefix < PROXY_V2_SIGNATURE.length ? undefined : decodeV2(buf);
  }
  const v1Prefix = Math.min(buf.length, V1_PREFIX.length);
  if (buf.subarray(0, v1Prefix).toString('latin1') === V1_PREFIX.slice(0, v1Prefix)) {
    return v1Prefix < V1_PREFIX.length ? undefined : decodeV1(buf);
  }
  throw headerError(
    `starts with 0x${buf.subarray(0, Math.min(buf.length, 8)).toString('hex')}, neither the v1 "PROXY " nor the v2 signature`,
  );
}
