// Tests for revocation: revoke, generateCrl (checked by openssl), parseCrl, verifyCrl, isRevoked.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import {
  caPaths,
  generateCrl,
  isRevoked,
  parseCrl,
  readIndex,
  revoke,
  verifyCrl,
  pemToDer,
  type IssueCertResult,
} from '../../src/pki/index.js';
import { burrowError, makeTestPki, openssl, type TestPki } from './helpers.js';

const DAY_MS = 24 * 3600_000;

describe('revocation and CRLs', () => {
  let pki: TestPki;
  let other: TestPki;
  let alice: IssueCertResult;
  let bob: IssueCertResult;
  let carol: IssueCertResult;
  before(async () => {
    [pki, other] = await Promise.all([makeTestPki('crl'), makeTestPki('crl-other', 'Other CA')]);
    alice = await pki.issue('client', ['alice'], 'alice');
    bob = await pki.issue('client', ['bob'], 'bob');
    carol = await pki.issue('client', ['carol'], 'carol');
  });
  after(() => {
    pki.remove();
    other.remove();
  });

  it('an empty CRL parses (number 1, no entries), openssl reads it as v2', async () => {
    const r = await generateCrl({ dir: pki.caDir, days: 7 });
    assert.equal(r.crlFile, caPaths(pki.caDir).crl);
    assert.equal(r.crlNumber, 1);
    assert.equal(r.revokedCount, 0);
    assert.match(r.crlPem, /^-----BEGIN X509 CRL-----\n/);
    const info = parseCrl(r.crlPem);
    assert.equal(info.issuer, 'CN=Test CA');
    assert.equal(info.crlNumber, 1);
    assert.deepEqual(info.entries, []);
    assert.ok(Math.abs(info.nextUpdate!.getTime() - info.thisUpdate.getTime() - 7 * DAY_MS) < 2000);
    const text = openssl(['crl', '-in', r.crlFile, '-noout', '-text']);
    assert.match(text, /Version 2 \(0x1\)/);
    assert.match(text, /No Revoked Certificates/);
  });

  it('revoke by serial (colon form too) and by certificate; the CRL lists both, openssl agrees', async () => {
    const colon = alice.serial.toUpperCase().match(/.{2}/g)!.join(':');
    const a = await revoke({ dir: pki.caDir, serialOrCertPem: colon });
    assert.equal(a.serial, alice.serial);
    const b = await revoke({ dir: pki.caDir, serialOrCertPem: bob.certPem });
    assert.equal(b.serial, bob.serial);
    const index = await readIndex(caPaths(pki.caDir));
    assert.deepEqual(
      index.revoked.map((e) => e.serial),
      [alice.serial, bob.serial],
    );

    const r = await generateCrl({ dir: pki.caDir });
    assert.equal(r.crlNumber, 2, 'CRL numbers increase');
    assert.equal(r.revokedCount, 2);
    const text = openssl(['crl', '-in', r.crlFile, '-noout', '-text']);
    assert.match(text, new RegExp(`Serial Number: ${alice.serial.toUpperCase()}`));
    assert.match(text, new RegExp(`Serial Number: ${bob.serial.toUpperCase()}`));
    assert.match(text, /CRL Number:\s*\n\s*2/);
    assert.match(text, /ecdsa-with-SHA256/);
    const caFile = join(pki.caDir, 'ca.crt');
    assert.throws(
      () => openssl(['verify', '-crl_check', '-CRLfile', r.crlFile, '-CAfile', caFile, alice.certFile]),
      /certificate revoked/,
    );
    assert.match(openssl(['verify', '-crl_check', '-CRLfile', r.crlFile, '-CAfile', caFile, carol.certFile]), /: OK/);
    const sig = spawnSync('openssl', ['crl', '-in', r.crlFile, '-noout', '-CAfile', caFile], { encoding: 'utf8' });
    assert.match(sig.stdout + sig.stderr, /verify OK/i, 'openssl checks the CRL signature');
  });

  it('parseCrl, isRevoked and verifyCrl read it back (PEM or DER)', async () => {
    const crlPem = readFileSync(caPaths(pki.caDir).crl, 'utf8');
    const info = parseCrl(pemToDer(crlPem));
    assert.deepEqual(info.entries.map((e) => e.serial).sort(), [alice.serial, bob.serial].sort());
    assert.ok(isRevoked(alice.certPem, crlPem)?.revokedAt instanceof Date);
    assert.equal(isRevoked(carol.certPem, crlPem), null);
    assert.equal(isRevoked(pemToDer(carol.certPem), pemToDer(crlPem)), null);
    assert.equal(await verifyCrl(crlPem, pki.caPem), true);
    assert.equal(await verifyCrl(crlPem, other.caPem), false);
    // A CRL of another CA says nothing about this CA's certificates.
    const foreign = await generateCrl({ dir: other.caDir });
    assert.equal(isRevoked(alice.certPem, foreign.crlPem), null);
  });

  it('refuses: unknown serial, a certificate of another CA, a second revocation, a bad serial', async () => {
    await assert.rejects(
      revoke({ dir: pki.caDir, serialOrCertPem: '0123abcd' }),
      burrowError(ErrorCode.PKI, /serial 0123abcd is not in .*index\.json: give the certificate file instead/),
    );
    const stranger = await other.issue('client', ['eve'], 'eve');
    await assert.rejects(
      revoke({ dir: pki.caDir, serialOrCertPem: stranger.certPem }),
      burrowError(ErrorCode.PKI, /the certificate \(CN=eve\) was not issued by the CA in /),
    );
    await assert.rejects(
      revoke({ dir: pki.caDir, serialOrCertPem: alice.serial }),
      burrowError(ErrorCode.PKI, new RegExp(`serial ${alice.serial} was already revoked on \\d{4}-`)),
    );
    await assert.rejects(
      revoke({ dir: pki.caDir, serialOrCertPem: 'not-hex' }),
      burrowError(ErrorCode.USAGE, /invalid serial "not-hex"/),
    );
  });

  it('parseCrl rejects garbage', () => {
    assert.throws(() => parseCrl('nothing'), burrowError(ErrorCode.PKI, /the CRL does not parse/));
    assert.throws(() => parseCrl(new Uint8Array([1, 2, 3])), burrowError(ErrorCode.PKI, /the CRL does not parse/));
  });
});
