// SOCKS5 (RFC 1928) and its username/password sub-negotiation (RFC 1929): the constants, reply bytes and error mapping.
import net from 'node:net';

export const SOCKS_VERSION = 0x05;
/** RFC 1929's sub-negotiation version. */
export const USERPASS_VERSION = 0x01;

export const METHOD_NO_AUTH = 0x00;
export const METHOD_USERPASS = 0x02;
export const METHOD_NONE_ACCEPTABLE = 0xff;

export const CMD_CONNECT = 0x01;
export const CMD_BIND = 0x02;
export const CMD_UDP_ASSOCIATE = 0x03;

export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;

/** RFC 1928 §6 reply codes. */
export const Reply = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;
export type ReplyCode = (typeof Reply)[keyof typeof Reply];

/** RFC 1929 status bytes. */
export const USERPASS_OK = 0x00;
export const USERPASS_FAILED = 0x01;

/** A reply: VER REP RSV ATYP BND.ADDR BND.PORT; the bound address is 0.0.0.0:0 unless given (IPv4 or IPv6). */
export function encodeReply(code: ReplyCode, bound?: { address: string; port: number }): Buffer {
  const address = bound?.address ?? '0.0.0.0';
  const port = bound?.port ?? 0;
  const v4 = net.isIPv4(address) ? address : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const addr = v4 !== undefined ? Buffer.from(v4.split('.').map(Number)) : ipv6Bytes(address);
  const head = Buffer.from([SOCKS_VERSION, code, 0x00, addr.length === 4 ? ATYP_IPV4 : ATYP_IPV6]);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return Buffer.concat([head, addr, portBytes]);
}

/** The 16 bytes of an IPv6 address (zeros when it is not one). */
export function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  if (!net.isIPv6(address)) return out;
  let text = address;
  // A dotted IPv4 tail ("::ffff:1.2.3.4") becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.includes('::') ? text.split('::') : [text, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const groups = [
    ...leftGroups,
    ...Array<string>(8 - leftGroups.length - rightGroups.length).fill('0'),
    ...rightGroups,
  ];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The text form of 16 IPv6 bytes ("::1"), as net accepts it. */
export function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** The reply code for a failed dial, as go-socks5 (frp's library) maps Go's errors. */
export function replyForDialError(err: unknown): ReplyCode {
  const code =
    (err as { cause?: { code?: unknown }; code?: unknown } | undefined)?.cause?.code ??
    (err as { code?: unknown })?.code;
  if (code === 'ECONNREFUSED') return Reply.CONNECTION_REFUSED;
  if (code === 'ENETUNREACH') return Reply.NETWORK_UNREACHABLE;
  return Reply.HOST_UNREACHABLE;
}
