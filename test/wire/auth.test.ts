// Token auth tests: the md5 formula against independently computed values, and verification cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { nowSeconds, privilegeKey, verifyPrivilegeKey } from '../../src/wire/index.js';

// Computed with python3: hashlib.md5(b'fixture-token1795488217').hexdigest()
// (it is also the privilege_key in the v1-nomux Login capture).
const FIXTURE_KEY = '2ab59707bdb715aee80dfa888750200a';
// Computed with python3: hashlib.md5(b'secret-t\xc3\xa9' + b'1700000000').hexdigest() (token is UTF-8).
const UNICODE_KEY = '98dcd87d9caa8517b75b8be12e7aafed';

test('privilegeKey is lowercase hex md5(token + decimal timestamp)', () => {
  assert.equal(privilegeKey('fixture-token', 1795488217), FIXTURE_KEY);
  assert.equal(privilegeKey('secret-té', 1700000000), UNICODE_KEY);
  assert.match(privilegeKey('', 0), /^[0-9a-f]{32}$/);
  assert.throws(
    () => privilegeKey('t', 1.5),
    (err: unknown) => isBurrowError(err, ErrorCode.AUTH),
  );
});

test('verifyPrivilegeKey accepts the right key only', () => {
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488217, FIXTURE_KEY), true);
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488218, FIXTURE_KEY), false, 'other timestamp');
  assert.equal(verifyPrivilegeKey('other-token', 1795488217, FIXTURE_KEY), false, 'other token');
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488217, undefined), false, 'missing key');
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488217, ''), false, 'empty key');
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488217, FIXTURE_KEY.slice(0, 31)), false, 'shorter');
  assert.equal(verifyPrivilegeKey('fixture-token', 1795488217, FIXTURE_KEY + '0'), false, 'longer');
  assert.equal(
    verifyPrivilegeKey('fixture-token', 1795488217, FIXTURE_KEY.toUpperCase()),
    false,
    'frp compares exact hex',
  );
  assert.equal(
    verifyPrivilegeKey('fixture-token', 1795488217, 'é'.repeat(16)),
    false,
    'same char count, other byte length',
  );
  assert.equal(verifyPrivilegeKey('fixture-token', Number.NaN, FIXTURE_KEY), false, 'bad timestamp');
});

test('nowSeconds is the Unix time in whole seconds', () => {
  const before = Math.floor(Date.now() / 1000);
  const now = nowSeconds();
  assert.ok(Number.isInteger(now));
  assert.ok(now >= before && now <= before + 1);
});
