// UDP codec tests: datagram ↔ UDPPacket body, frp's exact JSON through the message codec, validation of hostile bodies.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { decodeUdpPacket, encodeUdpPacket, MAX_UDP_PAYLOAD } from '../../src/net/udp-codec.js';
import { decodeMessage, encodeMessage } from '../../src/wire/codec.js';
import type { UDPPacket } from '../../src/wire/messages.js';

/** Size of frp's v1 message header (type byte + int64 length). */
const MESSAGE_HEADER = 9;

function isProtocol(message: RegExp) {
  return (err: unknown): boolean => isBurrowError(err, ErrorCode.PROTOCOL) && message.test((err as Error).message);
}

describe('encodeUdpPacket', () => {
  test('the body frp writes: c = padded base64, r = {IP, Port, Zone:""}, no l', () => {
    const p = encodeUdpPacket(Buffer.from('hello'), { address: '203.0.113.5', port: 51234 });
    assert.deepEqual(p, { c: 'aGVsbG8=', r: { IP: '203.0.113.5', Port: 51234, Zone: '' } });
  });

  test('through the message codec: exactly frp JSON on the wire, and back', () => {
    const body = encodeUdpPacket(Buffer.from('hi!?'), { address: '203.0.113.5', port: 51234 });
    const wire = encodeMessage({ type: 'UDPPacket', body });
    assert.equal(String.fromCharCode(wire.readUInt8(0)), 'u');
    assert.equal(
      wire.subarray(MESSAGE_HEADER).toString(),
      '{"c":"aGkhPw==","r":{"IP":"203.0.113.5","Port":51234,"Zone":""}}',
    );
    const back = decodeMessage(wire);
    assert.ok(back && back.message.type === 'UDPPacket');
    const d = decodeUdpPacket(back.message.body);
    assert.equal(d.payload.toString(), 'hi!?');
    assert.deepEqual(d.remote, { address: '203.0.113.5', port: 51234 });
  });

  test('an empty datagram leaves c out (Go omitempty) and decodes to zero bytes', () => {
    const p = encodeUdpPacket(Buffer.alloc(0), { address: '::1', port: 9 });
    assert.equal(p.c, undefined);
    assert.equal(decodeUdpPacket(p).payload.length, 0);
  });

  test('IPv4-mapped IPv6 from a dual-stack socket is written as IPv4, as Go prints it', () => {
    assert.equal(encodeUdpPacket(Buffer.from('x'), { address: '::ffff:10.1.2.3', port: 1 }).r?.IP, '10.1.2.3');
  });

  test('an IPv6 zone goes into Zone and comes back', () => {
    const p = encodeUdpPacket(Buffer.from('x'), { address: 'fe80::1%eth0', port: 5353 });
    assert.deepEqual(p.r, { IP: 'fe80::1', Port: 5353, Zone: 'eth0' });
    assert.deepEqual(decodeUdpPacket(p).remote, { address: 'fe80::1%eth0', port: 5353 });
  });

  test('round trip of every payload size class, random bytes', () => {
    for (const n of [1, 2, 3, 4, 5, 1499, 1500, 1501, 9000, MAX_UDP_PAYLOAD]) {
      const payload = randomBytes(n);
      const d = decodeUdpPacket(encodeUdpPacket(payload, { address: '2001:db8::7', port: 65535 }));
      assert.ok(d.payload.equals(payload), `size ${n}`);
      assert.deepEqual(d.remote, { address: '2001:db8::7', port: 65535 });
    }
  });

  for (const [name, address, port, message] of [
    ['a host name', 'example.com', 1, /remote address "example.com" is not an IP address/],
    ['port 0', '1.2.3.4', 0, /remote port 0 is not in 1..65535/],
    ['port 65536', '1.2.3.4', 65536, /remote port 65536/],
    ['a zone on IPv4', '1.2.3.4%eth0', 1, /has a zone but is not IPv6/],
  ] as [string, string, number, RegExp][]) {
    test(`rejects ${name}`, () =>
      assert.throws(() => encodeUdpPacket(Buffer.from('x'), { address, port }), isProtocol(message)));
  }

  test('rejects a payload over the UDP maximum', () => {
    assert.throws(
      () => encodeUdpPacket(Buffer.alloc(MAX_UDP_PAYLOAD + 1), { address: '1.2.3.4', port: 1 }),
      isProtocol(/exceeds the UDP maximum of 65507/),
    );
  });
});

describe('decodeUdpPacket rejects', () => {
  const r = { IP: '1.2.3.4', Port: 53, Zone: '' };
  const cases: [string, UDPPacket, RegExp][] = [
    ['unpadded base64', { c: 'aGVsbG8', r }, /not standard padded base64 \(got "aGVsbG8"\)/],
    ['URL-safe base64', { c: 'a-_-', r }, /not standard padded base64/],
    ['base64 with spaces', { c: 'aGVs bG8=', r }, /not standard padded base64/],
    ['padding in the middle', { c: 'aG==bG8=', r }, /not standard padded base64/],
    ['a non-string c', { c: 42 as unknown as string, r }, /not standard padded base64 \(got number\)/],
    ['a missing r', { c: 'aGk=' }, /remote address "r" is missing/],
    ['an empty r.IP', { c: 'aGk=', r: { IP: '', Port: 1 } }, /"r.IP" "" is not an IP address/],
    ['a host name in r.IP', { c: 'aGk=', r: { IP: 'localhost', Port: 1 } }, /"r.IP" "localhost" is not an IP address/],
    ['port 0', { c: 'aGk=', r: { IP: '1.2.3.4', Port: 0 } }, /remote "r.Port" port 0 is not in 1..65535/],
    ['port 70000', { c: 'aGk=', r: { IP: '1.2.3.4', Port: 70000 } }, /port 70000/],
    ['a string port', { c: 'aGk=', r: { IP: '1.2.3.4', Port: '53' as unknown as number } }, /port "53"/],
  ];
  for (const [name, msg, message] of cases) {
    test(name, () => assert.throws(() => decodeUdpPacket(msg), isProtocol(message)));
  }

  test('a payload over the caller limit, refused before decoding', () => {
    const p = encodeUdpPacket(randomBytes(1501), { address: '1.2.3.4', port: 1 });
    assert.equal(decodeUdpPacket(p, 1501).payload.length, 1501);
    assert.throws(() => decodeUdpPacket(p, 1500), isProtocol(/payload of 1501 bytes exceeds the limit of 1500/));
  });
});
