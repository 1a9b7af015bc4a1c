// Tests for fingerprints and PEM helpers, cross-checked with the openssl binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certFingerprint,
  formatFingerprint,
  generateSelfSignedServerCert,
  parseFingerprint,
  pemToDer,
  splitPemCertificates,
  type PemPair,
} from '../../src/pki/index.js';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { openssl, tempDir } from '../tls/helpers.js';

const HEX = 'ab'.repeat(32);

describe('certFingerprint', () => {
  const tmp = tempDir('fp');
  let a: PemPair;
  let b: PemPair;
  before(async () => {
    [a, b] = await Promise.all([generateSelfSignedServerCert(), generateSelfSignedServerCert()]);
  });
  after(() => tmp.remove());

  it('equals openssl x509 -fingerprint -sha256', () => {
    const file = join(tmp.dir, 'a.pem');
    writeFileSync(file, a.certPem);
    const out = openssl(['x509', '-in', file, '-noout', '-fingerprint', '-sha256']);
    const hex = /Fingerprint=([0-9A-F:]+)/i.exec(out)![1]!;
    assert.equal(certFingerprint(a.certPem), 'sha256:' + hex.replace(/:/g, '').toLowerCase());
    assert.equal(formatFingerprint(certFingerprint(a.certPem)), hex.toUpperCase());
  });

  it('takes PEM text, PEM bytes or DER bytes, and uses the first certificate of a bundle', () => {
    const fp = certFingerprint(a.certPem);
    assert.equal(certFingerprint(Buffer.from(a.certPem)), fp);
    assert.equal(certFingerprint(pemToDer(a.certPem)), fp);
    assert.equal(certFingerprint(a.certPem + b.certPem), fp);
    assert.notEqual(certFingerprint(b.certPem), fp);
  });

  it('throws PKI without a certificate', () => {
    assert.throws(
      () => certFingerprint(a.keyPem),
      (e: unknown) => isBurrowError(e, ErrorCode.PKI),
    );
    assert.throws(
      () => certFingerprint(Buffer.alloc(0)),
      (e: unknown) => isBurrowError(e, ErrorCode.PKI),
    );
  });

  it('splitPemCertificates returns each block; pemToDer decodes', () => {
    const parts = splitPemCertificates(`junk\n${a.certPem}\n${a.keyPem}${b.certPem}`);
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.trim(), a.certPem.trim());
    assert.equal(parts[1]!.trim(), b.certPem.trim());
    assert.equal(pemToDer(a.certPem)[0], 0x30, 'DER SEQUENCE');
    assert.deepEqual(splitPemCertificates('nothing here'), []);
    assert.throws(
      () => pemToDer('nothing'),
      (e: unknown) => isBurrowError(e, ErrorCode.PKI),
    );
    assert.throws(
      () => pemToDer('-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n-----END X-----'),
      (e: unknown) => isBurrowError(e, ErrorCode.PKI),
    );
  });
});

describe('formatFingerprint / parseFingerprint', () => {
  it('formats as upper-case colon pairs', () => {
    assert.equal(formatFingerprint('0a1b2c'), '0A:1B:2C');
    assert.equal(formatFingerprint(`sha256:${HEX}`), Array(32).fill('AB').join(':'));
  });

  it('accepts prefix/no prefix, colons/no colons, any case', () => {
    const canonical = `sha256:${HEX}`;
    for (const s of [
      canonical,
      HEX,
      HEX.toUpperCase(),
      `SHA256:${HEX.toUpperCase()}`,
      formatFingerprint(HEX),
      `sha256:${formatFingerprint(HEX)}`,
      `  ${canonical}  `,
    ]) {
      assert.equal(parseFingerprint(s), canonical, s);
    }
  });

  it('rejects wrong length, non-hex, misplaced colons and other algorithms', () => {
    for (const s of [
      '',
      'sha256:',
      HEX.slice(2),
      HEX + 'ab',
      'zz' + HEX.slice(2),
      `sha1:${HEX}`,
      `${HEX.slice(0, 3)}:${HEX.slice(3)}`,
      `md5:${HEX}`,
    ]) {
      assert.throws(
        () => parseFingerprint(s),
        (e: unknown) => isBurrowError(e, ErrorCode.PKI) && e.message.includes('invalid fingerprint'),
        s,
      );
    }
  });
});
