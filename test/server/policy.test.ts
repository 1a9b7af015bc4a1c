// IdentityPolicy: [[auth.clients]] and enrolled identities decide which certificate identity may open which proxy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdentityPolicy } from '../../src/server/policy.js';
import type { PeerIdentity } from '../../src/tls/index.js';

const alice: PeerIdentity = {
  cn: 'alice',
  dns: ['alice.example'],
  ips: [],
  uris: ['spiffe://burrow/alice'],
  emails: [],
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  subject: 'CN=alice',
  issuer: 'CN=ca',
  validTo: '2030-01-01T00:00:00.000Z',
};

const policy = new IdentityPolicy([
  {
    id: 'alice',
    allowProxies: ['web-*', 'api?'],
    allowPorts: [{ start: 6000, end: 6010 }],
    allowDomains: ['*.alice.example'],
  },
  { id: `SHA256:${'CD'.repeat(32)}`, allowProxies: [], allowPorts: [], allowDomains: [] },
]);

describe('IdentityPolicy', () => {
  it('lets everything through when no rule is configured', () => {
    assert.equal(new IdentityPolicy([]).refusal(undefined, 'x', { proxy_type: 'tcp' }, ''), undefined);
  });

  it('matches identities by CN, SANs and fingerprint (any case, colons allowed)', () => {
    for (const id of ['alice', 'alice.example', 'spiffe://burrow/alice', `sha256:${'AB:'.repeat(31)}AB`]) {
      assert.ok(new IdentityPolicy([{ id, allowProxies: [], allowPorts: [], allowDomains: [] }]).ruleFor(alice), id);
    }
    assert.equal(
      new IdentityPolicy([{ id: 'bob', allowProxies: [], allowPorts: [], allowDomains: [] }]).ruleFor(alice),
      undefined,
    );
  });

  it('allows proxies, ports and domains inside the rule', () => {
    assert.equal(policy.refusal(alice, 'web-1', { proxy_type: 'tcp', remote_port: 6005 }, ''), undefined);
    assert.equal(
      policy.refusal(alice, 'api1', { proxy_type: 'http', custom_domains: ['x.alice.example'] }, ''),
      undefined,
    );
  });

  it('refuses with the reason', () => {
    assert.equal(
      policy.refusal(undefined, 'web-1', { proxy_type: 'tcp' }, ''),
      'no client certificate: this server authorizes proxies by certificate identity ([[auth.clients]])',
    );
    assert.match(
      policy.refusal(
        { ...alice, cn: 'bob', dns: [], uris: [], fingerprint: 'sha256:00' },
        'web-1',
        { proxy_type: 'tcp' },
        '',
      ) ?? '',
      /client identity CN=bob has no \[\[auth.clients\]\] entry/,
    );
    assert.equal(
      policy.refusal(alice, 'db', { proxy_type: 'tcp', remote_port: 6001 }, ''),
      'proxy name "db" is not allowed for identity "alice" (allowProxies: web-*, api?)',
    );
    assert.equal(
      policy.refusal(alice, 'web-1', { proxy_type: 'tcp', remote_port: 7000 }, ''),
      'port 7000 is not allowed for identity "alice" (allowPorts: 6000-6010)',
    );
    assert.equal(
      policy.refusal(alice, 'web-1', { proxy_type: 'tcp', remote_port: 0 }, ''),
      'identity "alice" may only use ports 6000-6010: set remotePort',
    );
    assert.equal(
      policy.refusal(alice, 'web-1', { proxy_type: 'http', subdomain: 'evil' }, 'tunnel.example'),
      'domain "evil.tunnel.example" is not allowed for identity "alice" (allowDomains: *.alice.example)',
    );
  });

  it('stays enforced with no rule when asked (every enrolled identity revoked): a certificate opens nothing', () => {
    const none = new IdentityPolicy([], { enforce: true });
    assert.equal(none.enabled, true);
    assert.match(
      none.refusal(alice, 'web-1', { proxy_type: 'tcp', remote_port: 6005 }, '') ?? '',
      /client identity CN=alice .* has no \[\[auth.clients\]\] entry/,
    );
    assert.match(none.refusal(undefined, 'web-1', { proxy_type: 'tcp' }, '') ?? '', /^no client certificate/);
  });

  it('gives a revoked identity no rule, not even one written in frps.toml, and says it was revoked', () => {
    const withRevoked = new IdentityPolicy(
      [
        { id: 'alice', allowProxies: [], allowPorts: [], allowDomains: [] },
        { id: 'bob', allowProxies: [], allowPorts: [], allowDomains: [] },
      ],
      { revoked: ['alice'] },
    );
    assert.equal(withRevoked.isRevoked(alice), true);
    assert.equal(withRevoked.ruleFor(alice), undefined);
    assert.equal(
      withRevoked.refusal(alice, 'web-1', { proxy_type: 'tcp', remote_port: 6005 }, ''),
      'client identity CN=alice (DNS:alice.example, URI:spiffe://burrow/alice) was revoked (burrow server revoke): it may open no proxy',
    );
    const bob = { ...alice, cn: 'bob', dns: [], uris: [], fingerprint: 'sha256:00' };
    assert.equal(withRevoked.refusal(bob, 'anything', { proxy_type: 'tcp', remote_port: 1 }, ''), undefined);
  });

  it('is enforced by a revoked identity alone', () => {
    const onlyRevoked = new IdentityPolicy([], { revoked: ['alice'] });
    assert.equal(onlyRevoked.enabled, true);
    assert.match(onlyRevoked.refusal(alice, 'x', { proxy_type: 'tcp' }, '') ?? '', /was revoked/);
  });

  it("binds a Login's user to the certificate: empty or the rule id; otherwise refused", () => {
    assert.equal(new IdentityPolicy([]).userRefusal(undefined, 'anyone'), undefined, 'no policy: frp behaviour');
    assert.equal(policy.userRefusal(alice, ''), undefined);
    assert.equal(policy.userRefusal(alice, 'alice'), undefined);
    assert.match(
      policy.userRefusal(alice, 'bob') ?? '',
      /login user "bob" is not the identity of the client certificate \(expected "alice" or no user\)/,
    );
    assert.match(
      policy.userRefusal(alice, 'alice.example') ?? '',
      /expected "alice"/,
      'the rule id, not another of its names',
    );
    assert.match(policy.userRefusal(undefined, 'alice') ?? '', /needs a client certificate/);
    const noRule = new IdentityPolicy([{ id: 'bob', allowProxies: [], allowPorts: [], allowDomains: [] }]);
    assert.equal(noRule.userRefusal(alice, 'alice'), undefined, 'without an entry: one of its names');
    assert.match(noRule.userRefusal(alice, 'bob') ?? '', /expected a name of CN=alice/);
    assert.match(
      new IdentityPolicy([], { revoked: ['alice'] }).userRefusal(alice, 'alice') ?? '',
      /is not the identity/,
    );
  });
});
