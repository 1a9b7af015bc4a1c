// Unit tests of the per-IP connection rate limiter: bucket refill, burst, LRU bound, loopback exemption, IPv6 prefixes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { ConnectionRateLimiter } from '../../src/net/rate-limit.js';

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** How many of `count` attempts from `ip` are allowed right now. */
function allowedOf(limiter: ConnectionRateLimiter, ip: string, count: number): number {
  let allowed = 0;
  for (let i = 0; i < count; i += 1) if (limiter.allow(ip)) allowed += 1;
  return allowed;
}

describe('ConnectionRateLimiter', () => {
  it('allows a burst, then refuses until tokens come back at the configured rate', () => {
    const clock = fakeClock();
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 10, burst: 5, now: clock.now });
    assert.equal(allowedOf(limiter, '203.0.113.7', 8), 5);
    assert.equal(limiter.refused, 3);
    clock.advance(100); // one token
    assert.equal(allowedOf(limiter, '203.0.113.7', 3), 1);
    clock.advance(250); // two and a half tokens: two whole ones
    assert.equal(allowedOf(limiter, '203.0.113.7', 5), 2);
    clock.advance(60_000); // refills to the burst, never beyond
    assert.equal(allowedOf(limiter, '203.0.113.7', 10), 5);
  });

  it('keeps a separate bucket per IP', () => {
    const clock = fakeClock();
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 2, now: clock.now });
    assert.equal(allowedOf(limiter, '198.51.100.1', 5), 2);
    assert.equal(allowedOf(limiter, '198.51.100.2', 5), 2);
    assert.equal(limiter.size, 2);
  });

  it('a clock that goes backwards adds no tokens', () => {
    const clock = fakeClock();
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 1, now: clock.now });
    assert.equal(limiter.allow('198.51.100.9'), true);
    clock.advance(-5_000);
    assert.equal(limiter.allow('198.51.100.9'), false);
  });

  it('exempts loopback by default, and charges it when told to', () => {
    const exempt = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 1 });
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
      assert.equal(allowedOf(exempt, ip, 50), 50, ip);
    assert.equal(exempt.size, 0);
    const strict = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 1, exemptLoopback: false });
    assert.equal(allowedOf(strict, '127.0.0.1', 50), 1);
  });

  it('never tracks more than maxTrackedIps: the least recently seen IP is forgotten first', () => {
    const clock = fakeClock();
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 1, maxTrackedIps: 3, now: clock.now });
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) assert.equal(limiter.allow(ip), true);
    assert.equal(limiter.allow('192.0.2.1'), false); // touched: now the most recent
    assert.equal(limiter.allow('192.0.2.4'), true); // evicts .2, the oldest
    assert.equal(limiter.size, 3);
    assert.equal(limiter.allow('192.0.2.1'), false, '.1 was kept (recently seen), its bucket still empty');
    assert.equal(limiter.allow('192.0.2.2'), true, '.2 was forgotten and starts again with a full bucket');
    // A spoofed flood of many addresses keeps the map at its bound.
    for (let i = 0; i < 10_000; i += 1) limiter.allow(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.equal(limiter.size, 3);
  });

  it('prune() forgets buckets that are full again, and only those', () => {
    const clock = fakeClock();
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 2, now: clock.now });
    limiter.allow('192.0.2.1');
    clock.advance(1_000); // .1 back to 2 tokens
    limiter.allow('192.0.2.2');
    limiter.prune();
    assert.equal(limiter.size, 1);
    assert.equal(allowedOf(limiter, '192.0.2.2', 5), 1, '.2 kept its spent token');
  });

  it('charges IPv4-mapped IPv6 as IPv4 and a whole IPv6 /64 as one bucket', () => {
    const limiter = new ConnectionRateLimiter({ connectionsPerSecond: 1, burst: 2 });
    assert.equal(limiter.allow('::ffff:192.0.2.5'), true);
    assert.equal(limiter.allow('192.0.2.5'), true);
    assert.equal(limiter.allow('192.0.2.5'), false);
    assert.equal(limiter.allow('2001:db8:1:2::1'), true);
    assert.equal(limiter.allow('2001:db8:1:2:ffff:ffff:ffff:ffff'), true);
    assert.equal(limiter.allow('2001:db8:1:2:aaaa::'), false);
    assert.equal(limiter.allow('2001:db8:1:3::1'), true, 'another /64 has its own bucket');
  });

  it('refuses nonsense settings with a CONFIG error', () => {
    for (const bad of [
      { connectionsPerSecond: 0 },
      { connectionsPerSecond: Number.NaN },
      { burst: 0.5 },
      { maxTrackedIps: 0 },
      { maxTrackedIps: 1.5 },
    ]) {
      assert.throws(
        () => new ConnectionRateLimiter(bad),
        (err: unknown) => isBurrowError(err, ErrorCode.CONFIG),
        JSON.stringify(bad),
      );
    }
  });
});
