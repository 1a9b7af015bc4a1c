// Tests for initCa and the CA directory: extensions (checked by openssl), modes, refusal to overwrite, key types.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import { DEFAULT_CA_DAYS, initCa, loadCa, readIndex, caPaths, type InitCaResult } from '../../src/pki/index.js';
import { burrowError, openssl, tempDir } from './helpers.js';

const DAY_MS = 24 * 3600_000;
/** Slack for the time between generating and checking (plus the 1 h backdating). */
const SLACK_MS = 2 * 3600_000;

describe('initCa', () => {
  const tmp = tempDir('ca');
  const dir = join(tmp.dir, 'nested', 'ca');
  let res: InitCaResult;
  let text: string;
  before(async () => {
    res = await initCa({ dir, name: 'Example Internal CA' });
    text = openssl(['x509', '-in', res.certFile, '-noout', '-text']);
  });
  after(() => tmp.remove());

  it('writes ca.crt, ca.key 0600, dir 0700 and an empty index', async () => {
    assert.equal(res.certFile, join(dir, 'ca.crt'));
    assert.equal(statSync(res.keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(readFileSync(res.keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(await readIndex(caPaths(dir)), { version: 1, crlNumber: 0, issued: [], revoked: [] });
  });

  it('is CA:TRUE pathlen 0 (critical), keyCertSign + cRLSign (critical), SKI = AKI, ecdsa-with-SHA256, P-256', () => {
    assert.match(text, /X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE, pathlen:0/);
    assert.match(text, /X509v3 Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign\n/);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text)?.[1];
    const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    assert.ok(ski && ski.length === 59, text);
    assert.equal(aki, ski);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /NIST CURVE: P-256/);
    assert.doesNotMatch(text, /sha1/i);
    assert.match(text, /Subject: CN\s?=\s?Example Internal CA/);
  });

  it('has a positive 128-bit serial and 10 years of validity', () => {
    const cert = new X509Certificate(res.certPem);
    assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/i);
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY_MS;
    assert.ok(Math.abs(days - DEFAULT_CA_DAYS) < SLACK_MS / DAY_MS, `validTo ${cert.validTo}`);
    assert.ok(cert.ca);
  });

  it('openssl accepts it as a trust anchor', () => {
    assert.match(openssl(['verify', '-CAfile', res.certFile, res.certFile]), /OK/);
  });

  it('refuses to overwrite an existing CA, naming the file', async () => {
    await assert.rejects(
      initCa({ dir }),
      burrowError(ErrorCode.PKI, /ca\.crt already exists; refusing to overwrite an existing CA/),
    );
    // ca.key alone also counts.
    const other = join(tmp.dir, 'keyonly');
    mkdirSync(other);
    writeFileSync(join(other, 'ca.key'), 'x');
    await assert.rejects(initCa({ dir: other }), burrowError(ErrorCode.PKI, /ca\.key already exists/));
  });

  it('loadCa returns the certificate and a signing key that matches it', async () => {
    const ca = await loadCa(dir);
    assert.equal(ca.cert.subject, 'CN=Example Internal CA');
    assert.equal(ca.key.keyObject.asymmetricKeyType, 'ec');
    assert.equal(ca.bundle.length, 1);
  });

  it('P-384 signs with SHA-384; RSA 2048 with SHA-256', async () => {
    const p384 = await initCa({ dir: join(tmp.dir, 'p384'), keyType: 'ec-p384', days: 30 });
    assert.match(
      openssl(['x509', '-in', p384.certFile, '-noout', '-text']),
      /ecdsa-with-SHA384[\s\S]*NIST CURVE: P-384/,
    );
    const rsa = await initCa({ dir: join(tmp.dir, 'rsa'), keyType: 'rsa-2048', days: 30 });
    const rsaText = openssl(['x509', '-in', rsa.certFile, '-noout', '-text']);
    assert.match(rsaText, /sha256WithRSAEncryption/);
    assert.match(rsaText, /Public-Key: \(2048 bit\)/);
  });

  it('rejects a bad validity or name with USAGE', async () => {
    await assert.rejects(
      initCa({ dir: join(tmp.dir, 'd0'), days: 0 }),
      burrowError(ErrorCode.USAGE, /CA validity must be a whole number of days from 1 to 36500, got 0/),
    );
    await assert.rejects(
      initCa({ dir: join(tmp.dir, 'd1'), name: ' ' }),
      burrowError(ErrorCode.USAGE, /CA name must not be empty/),
    );
    await assert.rejects(
      initCa({ dir: join(tmp.dir, 'd2'), name: 'x'.repeat(65) }),
      burrowError(ErrorCode.USAGE, /65 characters; X\.509 allows at most 64/),
    );
  });

  it('loadCa names a missing CA, a non-CA certificate and a key that does not belong', async () => {
    await assert.rejects(
      loadCa(join(tmp.dir, 'missing')),
      burrowError(ErrorCode.PKI, /cannot read CA certificate .*ca\.crt/),
    );
    const mixed = join(tmp.dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'ca.crt'), res.certPem);
    writeFileSync(join(mixed, 'ca.key'), readFileSync(join(tmp.dir, 'p384', 'ca.key')));
    await assert.rejects(
      loadCa(mixed),
      burrowError(ErrorCode.PKI, /CA key .*ca\.key does not match the CA certificate/),
    );
    const leafDir = join(tmp.dir, 'leafca');
    mkdirSync(leafDir);
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(leafDir, 'ca.key'),
      '-out',
      join(leafDir, 'ca.crt'),
      '-subj',
      '/CN=leaf',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ]);
    await assert.rejects(
      loadCa(leafDir),
      burrowError(ErrorCode.PKI, /is not a CA: basicConstraints CA:TRUE is missing/),
    );
  });
});
