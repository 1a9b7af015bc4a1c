// Small parsers and rules: allowances, durations, server addresses, renewal timing, the rate limiter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeAllowances,
  parseAllowances,
  parseDuration,
  formatDuration,
  parseServerAddress,
  renewalDue,
  renewalTime,
  RequestRateLimiter,
} from '../../src/enroll/index.js';
import { remoteIp } from '../../src/enroll/rate-limit.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { generateSelfSignedServerCert } from '../../src/pki/index.js';

const usage = (err: unknown): boolean => isBurrowError(err, ErrorCode.USAGE);

describe('parsing', () => {
  it('reads allowances from repeated and comma-separated options', () => {
    const a = parseAllowances({
      allowProxies: ['web-*,api', 'db'],
      allowPorts: ['6000-6010, 7000'],
      allowDomains: ['*.example.com'],
    });
    assert.deepEqual(a, {
      allowProxies: ['web-*', 'api', 'db'],
      allowPorts: [
        { start: 6000, end: 6010 },
        { start: 7000, end: 7000 },
      ],
      allowDomains: ['*.example.com'],
    });
    assert.equal(describeAllowances(a), 'proxies web-*, api, db; ports 6000-6010, 7000; domains *.example.com');
    assert.throws(() => parseAllowances({ allowPorts: ['6010-6000'] }), /"6010-6000" is not a port/);
    assert.throws(() => parseAllowances({ allowPorts: ['0'] }), usage);
    assert.throws(() => parseAllowances({ allowPorts: ['70000'] }), usage);
    assert.throws(() => parseAllowances({ allowProxies: ['a"b'] }), usage);
  });

  it('reads durations', () => {
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(formatDuration(5_400_000), '1h30m');
    for (const bad of ['', '15', 'm', '1w', '-5m', '0s']) assert.throws(() => parseDuration(bad), usage, bad);
  });

  it('reads server addresses', () => {
    assert.deepEqual(parseServerAddress('tunnel.example.com:7000'), { host: 'tunnel.example.com', port: 7000 });
    assert.deepEqual(parseServerAddress('[2001:db8::1]:7000'), { host: '2001:db8::1', port: 7000 });
    for (const bad of ['tunnel.example.com', '2001:db8::1:7000', 'host:0', 'host:65536', ':7000'])
      assert.throws(() => parseServerAddress(bad), usage, bad);
  });

  it('makes renewal due after two thirds of the lifetime', async () => {
    const { certPem } = await generateSelfSignedServerCert();
    const due = renewalTime(certPem).getTime();
    assert.equal(renewalDue(certPem, due - 1000), false);
    assert.equal(renewalDue(certPem, due), true);
  });

  it('extracts the IP of every address form and limits attempts per window', () => {
    assert.equal(remoteIp('1.2.3.4:5'), '1.2.3.4');
    assert.equal(remoteIp('[::1]:5'), '::1');
    assert.equal(remoteIp('::ffff:1.2.3.4'), '1.2.3.4');
    const limiter = new RequestRateLimiter(2, 1000, 2);
    assert.deepEqual([limiter.attempt('a', 0), limiter.attempt('a', 1), limiter.attempt('a', 2)], [true, true, false]);
    assert.equal(limiter.attempt('a', 1000), true, 'a new window');
    // Beyond the tracked IPs, newcomers share one bucket instead of growing memory.
    limiter.attempt('b', 1000);
    assert.deepEqual(
      [limiter.attempt('c', 1001), limiter.attempt('d', 1002), limiter.attempt('e', 1003)],
      [true, true, false],
    );
  });
});
