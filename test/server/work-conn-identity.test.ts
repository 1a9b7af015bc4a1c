// Unit: which client certificate a work connection may present to join its session (same certificate, or its renewal).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityLogField, workConnMatchesControl } from '../../src/server/work-conn-identity.js';
import type { PeerIdentity } from '../../src/tls/index.js';

function identity(cn: string, fingerprint: string, overrides: Partial<PeerIdentity> = {}): PeerIdentity {
  return {
    cn,
    dns: [cn],
    ips: [],
    uris: [],
    emails: [],
    fingerprint,
    subject: `CN=${cn}`,
    issuer: 'CN=test CA',
    validTo: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('workConnMatchesControl', () => {
  const alice = identity('alice', `sha256:${'a'.repeat(64)}`);
  it('the same certificate, or neither side with one, matches', () => {
    assert.equal(workConnMatchesControl(alice, { ...alice }), true);
    assert.equal(workConnMatchesControl(undefined, undefined), true);
  });
  it('a renewal (same subject, names and issuer, new fingerprint) matches', () => {
    assert.equal(workConnMatchesControl(alice, identity('alice', `sha256:${'b'.repeat(64)}`)), true);
  });
  it('another identity, another issuer, other names or a missing certificate do not', () => {
    assert.equal(workConnMatchesControl(alice, identity('bob', `sha256:${'c'.repeat(64)}`)), false);
    assert.equal(
      workConnMatchesControl(alice, identity('alice', `sha256:${'d'.repeat(64)}`, { issuer: 'CN=other CA' })),
      false,
    );
    assert.equal(
      workConnMatchesControl(alice, identity('alice', `sha256:${'e'.repeat(64)}`, { dns: ['alice', 'bob'] })),
      false,
    );
    assert.equal(workConnMatchesControl(alice, undefined), false);
    assert.equal(workConnMatchesControl(undefined, alice), false);
  });
  it('the log field names the certificate and its fingerprint', () => {
    assert.equal(identityLogField(alice), `CN=alice (DNS:alice) sha256:${'a'.repeat(64)}`);
    assert.equal(identityLogField(undefined), 'no client certificate');
  });
});
