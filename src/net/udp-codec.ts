// UDP proxies: one datagram ↔ one frp UDPPacket body (payload as padded base64, the user's address in "r").
import { isIP, isIPv6 } from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';
import type { UDPPacket } from '../wire/messages.js';
import { unmapIPv4 } from './address.js';

/** A datagram's peer, as Node's dgram reports it (an IPv6 zone, if any, after "%"). */
export interface UdpRemote {
  address: string;
  port: number;
}

/** A decoded UDPPacket. */
export interface DecodedUdpPacket {
  payload: Buffer;
  remote: UdpRemote;
}

/** Largest UDP payload there is (65535 - 8-byte UDP header - 20-byte IPv4 header). */
export const MAX_UDP_PAYLOAD = 65507;
/** Go's base64.StdEncoding text: groups of 4, '=' padding only at the end. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIN_PORT = 1;
const MAX_PORT = 65535;

function bad(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `UDPPacket: ${detail}`);
}

/** Split "fe80::1%eth0" into IP and zone; map ::ffff:a.b.c.d to a.b.c.d as Go's net.IP prints it. */
function splitAddress(address: string): { ip: string; zone: string } {
  const pct = address.indexOf('%');
  const ip = pct < 0 ? address : address.slice(0, pct);
  const zone = pct < 0 ? '' : address.slice(pct + 1);
  return { ip: unmapIPv4(ip), zone };
}

function checkPort(port: unknown, where: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < MIN_PORT || port > MAX_PORT) {
    throw bad(`${where} port ${JSON.stringify(port)} is not in ${MIN_PORT}..${MAX_PORT}`);
  }
  return port;
}

/**
 * The UDPPacket body for a datagram from (server) or back to (client) `remote`: `c` = the payload
 * as standard padded base64 (left out when empty, as Go's omitempty), `r` = {IP, Port, Zone}.
 * `l` is never set (frp never sets it). Throws BurrowError PROTOCOL when `remote` is not an IP
 * address and port, or the payload exceeds MAX_UDP_PAYLOAD.
 */
export function encodeUdpPacket(payload: Buffer, remote: UdpRemote): UDPPacket {
  if (payload.length > MAX_UDP_PAYLOAD)
    throw bad(`payload of ${payload.length} bytes exceeds the UDP maximum of ${MAX_UDP_PAYLOAD}`);
  const { ip, zone } = splitAddress(remote.address);
  if (isIP(ip) === 0) throw bad(`remote address ${JSON.stringify(remote.address)} is not an IP address`);
  if (zone !== '' && !isIPv6(ip))
    throw bad(`remote address ${JSON.stringify(remote.address)} has a zone but is not IPv6`);
  const port = checkPort(remote.port, 'remote');
  const packet: UDPPacket = { r: { IP: ip, Port: port, Zone: zone } };
  if (payload.length > 0) packet.c = payload.toString('base64');
  return packet;
}

/**
 * The datagram a UDPPacket body carries and the peer it belongs to. A missing `c` is an empty
 * datagram. Throws BurrowError PROTOCOL when `c` is not standard padded base64 or decodes to more
 * than `maxPayload` bytes, or `r` is missing, has no valid IP, or a port outside 1..65535.
 */
export function decodeUdpPacket(msg: UDPPacket, maxPayload: number = MAX_UDP_PAYLOAD): DecodedUdpPacket {
  const content = msg.c ?? '';
  if (typeof content !== 'string' || !STD_BASE64.test(content)) {
    const shown =
      typeof content === 'string'
        ? `${JSON.stringify(content.slice(0, 16))}${content.length > 16 ? '…' : ''}`
        : typeof content;
    throw bad(`content "c" is not standard padded base64 (got ${shown})`);
  }
  // Length check before decoding, so a huge string is refused without allocating its bytes.
  const decodedLength = (content.length / 4) * 3 - (content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0);
  if (decodedLength > maxPayload) throw bad(`payload of ${decodedLength} bytes exceeds the limit of ${maxPayload}`);
  const r = msg.r;
  if (r === undefined || r === null || typeof r !== 'object') throw bad('remote address "r" is missing');
  const ip = typeof r.IP === 'string' ? r.IP : '';
  if (isIP(ip) === 0) throw bad(`remote address "r.IP" ${JSON.stringify(r.IP ?? '')} is not an IP address`);
  const port = checkPort(r.Port, 'remote "r.Port"');
  const zone = typeof r.Zone === 'string' ? r.Zone : '';
  return {
    payload: Buffer.from(content, 'base64'),
    remote: { address: zone === '' ? splitAddress(ip).ip : `${ip}%${zone}`, port },
  };
}
