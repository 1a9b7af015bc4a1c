// PROXY protocol tests: exact v1/v2 bytes from HAProxy's proxy-protocol.txt layout, address families, round trips, bad input.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { BurrowError, ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  decodeProxyHeader,
  encodeProxyHeader,
  PROXY_V1_MAX_LENGTH,
  type ProxyHeaderInfo,
} from '../../src/net/proxy-protocol.js';

/** proxy-protocol.txt §2.2: the v2 signature. */
const SIG = '0d0a0d0a000d0a515549540a';
/** Random inputs tried by the fuzz test. */
const FUZZ_ROUNDS = 2000;

const tcp4: ProxyHeaderInfo = {
  srcAddr: '192.168.0.1',
  srcPort: 56324,
  dstAddr: '192.168.0.11',
  dstPort: 443,
  protocol: 'tcp',
};

function isProtocol(message: RegExp) {
  return (err: unknown): boolean => isBurrowError(err, ErrorCode.PROTOCOL) && message.test((err as Error).message);
}

describe('encodeProxyHeader v1', () => {
  test("the spec's TCP4 example: PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\\r\\n", () => {
    assert.equal(encodeProxyHeader('v1', tcp4).toString('latin1'), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  });

  test("the spec's worst cases fit in 107 bytes", () => {
    const v4 = encodeProxyHeader('v1', {
      srcAddr: '255.255.255.255',
      srcPort: 65535,
      dstAddr: '255.255.255.255',
      dstPort: 65535,
      protocol: 'tcp',
    });
    assert.equal(v4.toString(), 'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n');
    const f = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
    const v6 = encodeProxyHeader('v1', { srcAddr: f, srcPort: 65535, dstAddr: f, dstPort: 65535, protocol: 'tcp' });
    assert.equal(v6.toString(), `PROXY TCP6 ${f} ${f} 65535 65535\r\n`);
    assert.equal(v6.length, 104);
    assert.ok(v6.length <= PROXY_V1_MAX_LENGTH);
  });

  test('TCP6 with canonical (RFC 5952) addresses, whatever the input spelling', () => {
    const h = encodeProxyHeader('v1', {
      srcAddr: '2001:DB8:0:0:0:0:0:1',
      srcPort: 1,
      dstAddr: '::1',
      dstPort: 2,
      protocol: 'tcp',
    });
    assert.equal(h.toString(), 'PROXY TCP6 2001:db8::1 ::1 1 2\r\n');
    const z = encodeProxyHeader('v1', {
      srcAddr: '2001:db8:0:1:0:0:0:1',
      srcPort: 1,
      dstAddr: 'fe80::1%eth0',
      dstPort: 2,
      protocol: 'tcp',
    });
    assert.equal(
      z.toString(),
      'PROXY TCP6 2001:db8:0:1::1 fe80::1 1 2\r\n',
      'longest zero run compressed; zone dropped',
    );
  });

  test('IPv4-mapped IPv6 (as Node reports on dual-stack servers) counts as IPv4', () => {
    const h = encodeProxyHeader('v1', { ...tcp4, srcAddr: '::ffff:192.168.0.1' });
    assert.equal(h.toString(), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  });

  test('mixed families become TCP6 with the IPv4 side mapped', () => {
    const h = encodeProxyHeader('v1', {
      srcAddr: '10.0.0.1',
      srcPort: 5,
      dstAddr: '2001:db8::2',
      dstPort: 6,
      protocol: 'tcp',
    });
    assert.equal(h.toString(), 'PROXY TCP6 ::ffff:10.0.0.1 2001:db8::2 5 6\r\n');
  });

  test('UDP cannot be described in v1: PROXY UNKNOWN (as go-proxyproto)', () => {
    assert.equal(encodeProxyHeader('v1', { ...tcp4, protocol: 'udp' }).toString(), 'PROXY UNKNOWN\r\n');
  });
});

describe('encodeProxyHeader v2', () => {
  test('TCP over IPv4: signature, 0x21, 0x11, length 12, addresses, ports (exact bytes)', () => {
    assert.equal(
      encodeProxyHeader('v2', tcp4).toString('hex'),
      `${SIG}2111000c` + 'c0a80001' + 'c0a8000b' + 'dc04' + '01bb',
    );
  });

  test('UDP over IPv4: family byte 0x12', () => {
    const h = encodeProxyHeader('v2', {
      srcAddr: '192.168.1.100',
      srcPort: 12345,
      dstAddr: '10.0.0.1',
      dstPort: 3306,
      protocol: 'udp',
    });
    assert.equal(h.toString('hex'), `${SIG}2112000c` + 'c0a80164' + '0a000001' + '3039' + '0cea');
  });

  test('TCP over IPv6: family byte 0x21, length 36 (exact bytes)', () => {
    const h = encodeProxyHeader('v2', {
      srcAddr: '2001:db8::1',
      srcPort: 12345,
      dstAddr: '::1',
      dstPort: 80,
      protocol: 'tcp',
    });
    assert.equal(
      h.toString('hex'),
      `${SIG}21210024` + '20010db8000000000000000000000001' + '00000000000000000000000000000001' + '3039' + '0050',
    );
  });

  test('UDP over IPv6 with a mapped IPv4 side: 0x22, ::ffff:a.b.c.d', () => {
    const h = encodeProxyHeader('v2', {
      srcAddr: '2001:db8::1',
      srcPort: 1,
      dstAddr: '127.0.0.1',
      dstPort: 2,
      protocol: 'udp',
    });
    assert.equal(h[13], 0x22);
    assert.equal(h.subarray(32, 48).toString('hex'), '00000000000000000000ffff7f000001');
    assert.equal(h.length, 16 + 36);
  });

  test('embedded dotted IPv4 tails in IPv6 input', () => {
    const h = encodeProxyHeader('v2', {
      srcAddr: '64:ff9b::192.0.2.33',
      srcPort: 1,
      dstAddr: '::1',
      dstPort: 2,
      protocol: 'tcp',
    });
    assert.equal(h.subarray(16, 32).toString('hex'), '0064ff9b0000000000000000c0000221');
  });
});

describe('encodeProxyHeader rejects', () => {
  for (const [name, info, message] of [
    ['a host name', { ...tcp4, srcAddr: 'example.com' }, /source address "example.com" is not an IP address/],
    ['an empty destination', { ...tcp4, dstAddr: '' }, /destination address "" is not an IP address/],
    ['port 65536', { ...tcp4, srcPort: 65536 }, /source port 65536 is not in 0..65535/],
    ['a negative port', { ...tcp4, dstPort: -1 }, /destination port -1 is not in 0..65535/],
    ['a fractional port', { ...tcp4, dstPort: 1.5 }, /destination port 1.5/],
  ] as [string, ProxyHeaderInfo, RegExp][]) {
    test(name, () => {
      assert.throws(() => encodeProxyHeader('v1', info), isProtocol(message));
      assert.throws(() => encodeProxyHeader('v2', info), isProtocol(message));
    });
  }
});

describe('decodeProxyHeader', () => {
  const cases: [ProxyHeaderInfo, ProxyHeaderInfo, ...ProxyHeaderInfo[]] = [
    tcp4,
    { srcAddr: '2001:db8::1', srcPort: 0, dstAddr: '::', dstPort: 65535, protocol: 'tcp' },
    { srcAddr: '1:2:3:4:5:6:7:8', srcPort: 9, dstAddr: '1::8', dstPort: 10, protocol: 'tcp' },
    { srcAddr: '203.0.113.5', srcPort: 51234, dstAddr: '127.0.0.1', dstPort: 53, protocol: 'udp' },
  ];
  for (const info of cases) {
    for (const version of ['v1', 'v2'] as const) {
      if (version === 'v1' && info.protocol === 'udp') continue;
      test(`${version} round trip of ${info.protocol} ${info.srcAddr}:${info.srcPort} → ${info.dstAddr}:${info.dstPort}, with data after it`, () => {
        const header = encodeProxyHeader(version, info);
        const withData = Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\n')]);
        const d = decodeProxyHeader(withData);
        assert.ok(d);
        assert.equal(d.version, version);
        assert.equal(d.command, 'proxy');
        assert.equal(d.protocol, info.protocol);
        assert.equal(d.srcAddr, info.srcAddr);
        assert.equal(d.dstAddr, info.dstAddr);
        assert.equal(d.srcPort, info.srcPort);
        assert.equal(d.dstPort, info.dstPort);
        assert.equal(d.headerBytes, header.length);
        for (let n = 0; n < header.length; n++)
          assert.equal(decodeProxyHeader(header.subarray(0, n)), undefined, `prefix of ${n} bytes is incomplete`);
      });
    }
  }

  test('v1 PROXY UNKNOWN, v2 LOCAL and v2 TLVs', () => {
    assert.deepEqual(decodeProxyHeader(Buffer.from('PROXY UNKNOWN\r\nxyz')), {
      version: 'v1',
      command: 'proxy',
      family: 'unspec',
      protocol: 'unspec',
      headerBytes: 15,
    });
    const local = Buffer.from(`${SIG}20000000`, 'hex');
    assert.deepEqual(decodeProxyHeader(local), {
      version: 'v2',
      command: 'local',
      family: 'unspec',
      protocol: 'unspec',
      headerBytes: 16,
    });
    const withTlv = Buffer.concat([
      Buffer.from(`${SIG}21110013c0a80001c0a8000bdc0401bb`, 'hex'),
      Buffer.from('0400044142434d', 'hex'),
    ]);
    const d = decodeProxyHeader(withTlv);
    assert.equal(d?.headerBytes, 16 + 19);
    assert.equal(d?.srcAddr, '192.168.0.1');
  });

  const bad: [string, Buffer, RegExp][] = [
    ['neither signature', Buffer.from('GET / HTTP/1.1\r\n'), /neither the v1 "PROXY " nor the v2 signature/],
    ['a v1 line without CRLF in 107 bytes', Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`), /no CRLF within 107 bytes/],
    ['a v1 line with a bare LF', Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n'), /must end with CRLF/],
    ['a v1 unknown protocol', Buffer.from('PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n'), /"UDP4" is not TCP4, TCP6 or UNKNOWN/],
    ['v1 TCP4 with IPv6 addresses', Buffer.from('PROXY TCP4 ::1 ::1 1 2\r\n'), /are not IPv4/],
    ['a v1 port out of range', Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n'), /source port "65536"/],
    ['a v1 line with a missing field', Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n'), /must have 6 fields, has 5/],
    ['a v2 version 1 nibble', Buffer.from(`${SIG}11110000`, 'hex'), /version nibble is 0x1/],
    ['a v2 command 2', Buffer.from(`${SIG}22110000`, 'hex'), /command 0x2 is neither LOCAL nor PROXY/],
    ['a v2 family 4', Buffer.from(`${SIG}21410000`, 'hex'), /address family 0x4 is unknown/],
    ['a v2 protocol 3', Buffer.from(`${SIG}21130000`, 'hex'), /transport protocol 0x3 is unknown/],
    [
      'a v2 inet block too short',
      Buffer.from(`${SIG}21110004c0a80001`, 'hex'),
      /ipv4 address block is 4 bytes, needs 12/,
    ],
  ];
  for (const [name, buf, message] of bad) {
    test(`rejects ${name}`, () => assert.throws(() => decodeProxyHeader(buf), isProtocol(message)));
  }

  test(`${FUZZ_ROUNDS} random and mutated inputs: undefined, a header, or BurrowError PROTOCOL only`, () => {
    const seeds = [encodeProxyHeader('v2', tcp4), encodeProxyHeader('v1', tcp4), encodeProxyHeader('v2', cases[1])];
    for (let i = 0; i < FUZZ_ROUNDS; i++) {
      let buf: Buffer;
      if (i % 4 === 0) buf = randomBytes(i % 120);
      else {
        buf = Buffer.from(seeds[i % seeds.length]!); // the modulo keeps the index inside seeds
        buf[(i * 31) % buf.length] = (i * 17) & 0xff;
      }
      try {
        const d = decodeProxyHeader(buf);
        if (d !== undefined) assert.ok(d.headerBytes <= buf.length);
      } catch (err) {
        assert.ok(err instanceof BurrowError && err.code === ErrorCode.PROTOCOL, `round ${i}: ${String(err)}`);
      }
    }
  });
});
