// Tests for verifyCert and host matching: every success path and every failure reason, word for word.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import {
  canonicalIp,
  dnsMatches,
  generateCrl,
  generateSelfSignedServerCert,
  matchHost,
  revoke,
  verifyCert,
  type IssueCertResult,
} from '../../src/pki/index.js';
import { formatDate } from '../../src/pki/dates.js';
import { burrowError, makeOpensslChain, makeTestPki, openssl, type TestPki } from './helpers.js';
import { issueLeaf, makeCa } from '../tls/helpers.js';

const DAY_MS = 24 * 3600_000;

/** Asserts verifyCert fails with exactly `reason` (string) or a reason matching it (RegExp). */
async function assertFails(opts: Parameters<typeof verifyCert>[0], reason: string | RegExp): Promise<void> {
  const r = await verifyCert(opts);
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) return;
  if (typeof reason === 'string') assert.equal(r.reason, reason);
  else assert.match(r.reason, reason);
}

describe('verifyCert', () => {
  let pki: TestPki;
  let other: TestPki;
  let server: IssueCertResult;
  let client: IssueCertResult;
  before(async () => {
    [pki, other] = await Promise.all([makeTestPki('verify'), makeTestPki('verify-other', 'Other CA')]);
    server = await pki.issue('server', ['localhost', '127.0.0.1', '*.apps.example.com'], 'server');
    client = await pki.issue('client', ['alice'], 'alice');
  });
  after(() => {
    pki.remove();
    other.remove();
  });

  it('accepts a good certificate with host and purpose, returning the leaf', async () => {
    const r = await verifyCert({ certPem: server.certPem, caPem: pki.caPem, host: 'localhost', purpose: 'server' });
    assert.ok(r.ok);
    assert.equal(r.leaf.subject, 'CN=localhost');
    assert.ok((await verifyCert({ certPem: server.certPem, caPem: pki.caPem, host: '127.0.0.1' })).ok);
    assert.ok((await verifyCert({ certPem: server.certPem, caPem: pki.caPem, host: 'web.apps.example.com' })).ok);
    assert.ok((await verifyCert({ certPem: client.certPem, caPem: pki.caPem, purpose: 'client' })).ok);
    // A bundle of CAs: the right one is found.
    assert.ok((await verifyCert({ certPem: server.certPem, caPem: other.caPem + pki.caPem })).ok);
  });

  it('fails: not signed by the given CA', async () => {
    await assertFails(
      { certPem: server.certPem, caPem: other.caPem },
      'not signed by the given CA: the certificate was issued by "CN=Test CA", the CA is "CN=Other CA"',
    );
  });

  it('fails: same issuer name, different key (a forged CA)', async () => {
    const forged = await makeTestPki('verify-forged', 'Test CA');
    try {
      await assertFails({ certPem: server.certPem, caPem: forged.caPem }, /^not signed by the given CA/);
    } finally {
      forged.remove();
    }
  });

  it('fails: expired on <date> and not yet valid until <date>', async () => {
    const after = new Date(server.notAfter.getTime() + DAY_MS);
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, at: after },
      `expired on ${formatDate(server.notAfter)}`,
    );
    const notBefore = new Date(readNotBefore(server.certPem));
    const before = new Date(notBefore.getTime() - DAY_MS);
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, at: before },
      `not yet valid until ${formatDate(notBefore)}`,
    );
  });

  it('fails: hostname and IP mismatches list the SANs', async () => {
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, host: 'evil.example.com' },
      "hostname evil.example.com does not match the certificate's SANs (DNS:localhost, DNS:*.apps.example.com, IP:127.0.0.1)",
    );
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, host: 'a.b.apps.example.com' },
      /^hostname a\.b\.apps\.example\.com does not match/,
    );
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, host: '10.0.0.1' },
      "IP 10.0.0.1 does not match the certificate's IP SANs (127.0.0.1)",
    );
    await assertFails(
      { certPem: client.certPem, caPem: pki.caPem, host: '::1' },
      "IP ::1 does not match the certificate's IP SANs (none)",
    );
  });

  it('fails: wrong purpose both ways', async () => {
    await assertFails(
      { certPem: client.certPem, caPem: pki.caPem, purpose: 'server' },
      'wrong purpose: certificate has EKU clientAuth, server use needs serverAuth',
    );
    await assertFails(
      { certPem: server.certPem, caPem: pki.caPem, purpose: 'client' },
      'wrong purpose: certificate has EKU serverAuth, client use needs clientAuth',
    );
  });

  it('fails: revoked on <date> with the CA CRL; a CRL of another CA is named', async () => {
    const victim = await pki.issue('client', ['mallory'], 'mallory');
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    await revoke({ dir: pki.caDir, serialOrCertPem: victim.serial, at });
    const { crlPem } = await generateCrl({ dir: pki.caDir });
    await assertFails({ certPem: victim.certPem, caPem: pki.caPem, crlPem }, `revoked on ${formatDate(at)}`);
    assert.ok((await verifyCert({ certPem: client.certPem, caPem: pki.caPem, crlPem })).ok, 'others are not revoked');
    const foreign = await generateCrl({ dir: other.caDir });
    await assertFails(
      { certPem: client.certPem, caPem: pki.caPem, crlPem: foreign.crlPem },
      `the CRL (issuer "CN=Other CA") is not signed by the certificate's CA "CN=Test CA"`,
    );
    await assertFails(
      { certPem: client.certPem, caPem: pki.caPem, crlPem, at: new Date(Date.now() + 40 * DAY_MS) },
      /^the CRL expired on .* \(nextUpdate\); make a new one$/,
    );
  });

  it('fails: the "CA" is not a CA; a self-signed certificate pinned as its own CA passes', async () => {
    const self = await generateSelfSignedServerCert();
    assert.ok(
      (await verifyCert({ certPem: self.certPem, caPem: self.certPem, host: 'localhost', purpose: 'server' })).ok,
    );
    const dir = pki.root;
    const fakeCa = makeCa(dir, 'notca-root');
    const leaf = issueLeaf(dir, fakeCa, 'notca-leaf', 'DNS:x', 'serverAuth');
    await assertFails(
      { certPem: readFileSync(leaf.certFile, 'utf8'), caPem: self.certPem },
      /^not signed by the given CA: the certificate was issued by "CN=notca-root", the CA is "CN=burrow server"$/,
    );
    // A leaf (CA:FALSE) that did sign another certificate: built with openssl from the leaf's key.
    const signed = join(dir, 'signed-by-leaf.crt');
    openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'sbl.key'),
      '-out',
      join(dir, 'sbl.csr'),
      '-subj',
      '/CN=victim',
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      join(dir, 'sbl.csr'),
      '-CA',
      leaf.certFile,
      '-CAkey',
      leaf.keyFile,
      '-CAcreateserial',
      '-out',
      signed,
      '-days',
      '1',
    ]);
    await assertFails(
      { certPem: readFileSync(signed, 'utf8'), caPem: readFileSync(leaf.certFile, 'utf8') },
      'the given CA certificate (CN=notca-leaf) is not a CA: basicConstraints CA:TRUE is missing',
    );
  });

  it('walks intermediates that follow the leaf; without them the reason names the issuer', async () => {
    const chain = makeOpensslChain(pki.root);
    const leaf = issueLeaf(
      pki.root,
      { certFile: chain.interCrt, keyFile: chain.interKey },
      'via-inter',
      'DNS:via.example',
      'serverAuth',
    );
    const leafPem = readFileSync(leaf.certFile, 'utf8');
    const rootPem = readFileSync(chain.rootCrt, 'utf8');
    const interPem = readFileSync(chain.interCrt, 'utf8');
    assert.ok(
      (await verifyCert({ certPem: leafPem + interPem, caPem: rootPem, host: 'via.example', purpose: 'server' })).ok,
    );
    await assertFails(
      { certPem: leafPem, caPem: rootPem },
      'not signed by the given CA: the certificate was issued by "CN=Openssl Intermediate", the CA is "CN=Openssl Root"',
    );
    // Validity is checked along the path (here the 2-day leaf is the first to lapse).
    await assertFails(
      { certPem: leafPem + interPem, caPem: rootPem, at: new Date(Date.now() + 3 * DAY_MS) },
      /^expired on /,
    );
  });

  it('throws PKI (not a reason) when inputs do not parse', async () => {
    await assert.rejects(
      verifyCert({ certPem: 'nothing', caPem: pki.caPem }),
      burrowError(ErrorCode.PKI, /the certificate holds no PEM "CERTIFICATE" block/),
    );
    await assert.rejects(
      verifyCert({ certPem: server.certPem, caPem: '' }),
      burrowError(ErrorCode.PKI, /the CA file holds no PEM "CERTIFICATE" block/),
    );
    await assert.rejects(
      verifyCert({
        certPem: server.certPem,
        caPem: pki.caPem,
        crlPem: '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
      }),
      burrowError(ErrorCode.PKI, /the CRL does not parse/),
    );
  });
});

/** notBefore of a PEM certificate as epoch ms. */
function readNotBefore(pem: string): number {
  return Date.parse(openssl(['x509', '-noout', '-startdate'], pem).replace('notBefore=', '').trim());
}

describe('host matching', () => {
  it('dnsMatches: exact, case and trailing dot insensitive; wildcard = exactly one left-most label', () => {
    assert.ok(dnsMatches('Example.COM', 'example.com.'));
    assert.ok(dnsMatches('*.example.com', 'a.example.com'));
    assert.ok(!dnsMatches('*.example.com', 'example.com'));
    assert.ok(!dnsMatches('*.example.com', 'a.b.example.com'));
    assert.ok(!dnsMatches('*.example.com', 'aexample.com'));
    assert.ok(!dnsMatches('example.com', 'www.example.com'));
  });

  it('canonicalIp: IPv6 forms compare equal; names are not IPs', () => {
    assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalIp('[::1]'), '::1');
    assert.equal(canonicalIp('2001:DB8::1'), '2001:db8::1');
    assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1');
    assert.equal(canonicalIp('localhost'), undefined);
  });

  it('matchHost: IPs only match IP SANs, names only DNS SANs, never the CN', () => {
    const sans = { dns: ['127.0.0.1.nip.io'], ip: ['0:0:0:0:0:0:0:1'], uri: [], email: [] };
    assert.deepEqual(matchHost('::1', sans), { ok: true });
    assert.equal(matchHost('127.0.0.1', sans).ok, false);
    assert.equal(matchHost('127.0.0.1.nip.io', sans).ok, true);
    assert.deepEqual(matchHost('x', { dns: [], ip: [], uri: [], email: [] }), {
      ok: false,
      reason: "hostname x does not match the certificate's SANs (none)",
    });
  });
});
