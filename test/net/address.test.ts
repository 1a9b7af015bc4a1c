// Unit tests of the IP address text helpers: IPv4-mapped both ways, IPv6 expansion, loopback, per-host bucket keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketKey, expandIPv6, isLoopbackAddress, mapIPv4, unmapIPv4 } from '../../src/net/address.js';

describe('unmapIPv4 / mapIPv4', () => {
  it('unwraps IPv4-mapped IPv6 (any case) and leaves everything else as it is', () => {
    assert.equal(unmapIPv4('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(unmapIPv4('::FFFF:10.0.0.1'), '10.0.0.1');
    assert.equal(unmapIPv4('1.2.3.4'), '1.2.3.4');
    assert.equal(unmapIPv4('::1'), '::1');
    assert.equal(unmapIPv4('2001:db8::1'), '2001:db8::1');
    assert.equal(unmapIPv4('::ffff:7f00:1'), '::ffff:7f00:1', 'hex form is not a dotted IPv4 address');
    assert.equal(unmapIPv4('::ffff:1.2.3'), '::ffff:1.2.3');
    assert.equal(unmapIPv4(''), '');
  });

  it('maps IPv4 into IPv6 and leaves everything else as it is', () => {
    assert.equal(mapIPv4('127.0.0.1'), '::ffff:127.0.0.1');
    assert.equal(mapIPv4('::1'), '::1');
    assert.equal(mapIPv4('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
    assert.equal(mapIPv4('example.com'), 'example.com');
    assert.equal(unmapIPv4(mapIPv4('192.0.2.7')), '192.0.2.7');
  });
});

describe('expandIPv6', () => {
  it('handles ::, zone ids and a dotted IPv4 tail', () => {
    assert.deepEqual(expandIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(expandIPv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(expandIPv6('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(expandIPv6('2001:db8::'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(expandIPv6('64:ff9b::192.0.2.33'), [0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221]);
    assert.deepEqual(expandIPv6('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(expandIPv6('192.0.2.1'), undefined);
    assert.equal(expandIPv6('not an address'), undefined);
  });
});

describe('isLoopbackAddress', () => {
  it('knows 127.0.0.0/8, ::1 in any spelling and mapped loopback', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackAddress(a), true, a);
    }
    for (const a of ['::2', '128.0.0.1', '::ffff:10.0.0.1', '::', '0.0.0.0', '10.0.0.1', 'localhost', '']) {
      assert.equal(isLoopbackAddress(a), false, a);
    }
  });
});

describe('bucketKey', () => {
  it('keeps IPv4 (unmapped) and cuts IPv6 to its /64', () => {
    assert.equal(bucketKey('2001:db8:0:0:1::9'), '2001:db8:0:0::/64');
    assert.equal(bucketKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(bucketKey('10.0.0.1'), '10.0.0.1');
    assert.equal(bucketKey('2001:db8:1:2::5'), bucketKey('2001:db8:1:2:aaaa::9'));
    assert.notEqual(bucketKey('2001:db8:1:2::5'), bucketKey('2001:db8:1:3::5'));
    assert.equal(bucketKey('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(bucketKey('::1'), '0:0:0:0::/64');
    assert.equal(bucketKey('2001:DB8:0001::1'), '2001:db8:1:0::/64');
    assert.equal(bucketKey('/tmp/socket'), '/tmp/socket');
  });
});
