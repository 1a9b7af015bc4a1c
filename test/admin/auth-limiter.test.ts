// The failed-login limiter with a fake clock: growing back-offs, the cap, the bounded table, IPv6 /64 keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthLimiter } from '../../src/admin/auth-limiter.js';
import { ADMIN_AUTH_MAX_FAILURES } from '../../src/admin/constants.js';

describe('AuthLimiter', () => {
  it('backs off after maxFailures, doubling each time up to the cap', () => {
    let now = 1_000_000;
    const limiter = new AuthLimiter(
      { maxFailures: 3, baseBackoffMs: 1000, maxBackoffMs: 3000, windowMs: 60_000 },
      () => now,
    );
    const backoffs: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) {
        assert.equal(limiter.retryAfterMs('192.0.2.1'), 0);
        const b = limiter.fail('192.0.2.1');
        if (b > 0) backoffs.push(b);
      }
      assert.ok(limiter.retryAfterMs('192.0.2.1') > 0);
      assert.equal(limiter.retryAfterMs('192.0.2.2'), 0, 'another address is not affected');
      now += limiter.retryAfterMs('192.0.2.1');
    }
    assert.deepEqual(backoffs, [1000, 2000, 3000, 3000]);
    limiter.succeed('192.0.2.1');
    assert.equal(limiter.fail('192.0.2.1'), 0, 'a success starts afresh');
  });

  it('uses ADMIN_AUTH_MAX_FAILURES by default', () => {
    const limiter = new AuthLimiter();
    for (let i = 1; i < ADMIN_AUTH_MAX_FAILURES; i++) assert.equal(limiter.fail('198.51.100.7'), 0);
    assert.ok(limiter.fail('198.51.100.7') > 0);
  });

  it('tracks at most maxTracked addresses, forgetting the least recently seen', () => {
    const limiter = new AuthLimiter({ maxTracked: 3, maxFailures: 2 });
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) limiter.fail(a);
    limiter.fail('10.0.0.1');
    assert.ok(limiter.retryAfterMs('10.0.0.1') > 0);
    limiter.fail('10.0.0.4');
    assert.equal(limiter.size, 3);
    assert.equal(limiter.fail('10.0.0.2'), 0, '10.0.0.2 was forgotten (its count started again)');
    assert.ok(limiter.retryAfterMs('10.0.0.1') > 0, 'the recently seen one is kept');
  });

  it('counts IPv6 by /64 and v4-mapped addresses as IPv4', () => {
    const limiter = new AuthLimiter({ maxFailures: 1, baseBackoffMs: 1_000, maxBackoffMs: 1_000 }, () => 1_000_000);
    limiter.fail('2001:db8:1:2::5');
    assert.ok(limiter.retryAfterMs('2001:db8:1:2:aaaa::9') > 0, 'same /64: backed off too');
    assert.equal(limiter.retryAfterMs('2001:db8:1:3::5'), 0, 'another /64 is not');
    limiter.fail('::ffff:127.0.0.1');
    assert.ok(limiter.retryAfterMs('127.0.0.1') > 0, 'a v4-mapped address counts as its IPv4 address');
    assert.equal(limiter.size, 2);
  });
});
