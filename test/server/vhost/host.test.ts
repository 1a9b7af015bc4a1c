// The vhost's Host rules: frp's canonical host name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalHost } from '../../../src/server/vhost/index.js';

describe('canonicalHost', () => {
  test('as frp CanonicalHost: lower-case, port and trailing dot removed, bare IPv6 kept', () => {
    assert.equal(canonicalHost('A.B.C:1'), 'a.b.c');
    assert.equal(canonicalHost('[2001:DB8::1]:443'), '2001:db8::1');
    assert.equal(canonicalHost('2001:db8::1'), '2001:db8::1');
    assert.equal(canonicalHost('x.'), 'x');
  });
});
