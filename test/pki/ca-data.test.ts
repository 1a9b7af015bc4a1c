// Tests for exportCa and parseCaData: PEM, hex and base64 (DER, or PEM bytes as xpra writes), and bad input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/errors.js';
import { exportCa, parseCaData, pemToDer, splitPemCertificates } from '../../src/pki/index.js';
import { burrowError, makeTestPki, type TestPki } from './helpers.js';

describe('exportCa / parseCaData', () => {
  let pki: TestPki;
  let der: Buffer;
  before(async () => {
    pki = await makeTestPki('cadata');
    der = pemToDer(pki.caPem);
  });
  after(() => pki.remove());

  it('exports PEM, "hex:" + DER hex and "base64:" + DER base64', async () => {
    assert.equal(await exportCa({ dir: pki.caDir, format: 'pem' }), pki.caPem);
    assert.equal(await exportCa({ dir: pki.caDir, format: 'hex' }), `hex:${der.toString('hex')}`);
    assert.equal(await exportCa({ dir: pki.caDir, format: 'base64' }), `base64:${der.toString('base64')}`);
  });

  it('round-trips every export to the same PEM', async () => {
    for (const format of ['pem', 'hex', 'base64'] as const) {
      assert.equal(parseCaData(await exportCa({ dir: pki.caDir, format })), pki.caPem, format);
    }
  });

  it('reads xpra forms: hex of the PEM file (bare or prefixed), base64 of the PEM file, upper case, whitespace', () => {
    const pemHex = Buffer.from(pki.caPem).toString('hex');
    assert.equal(parseCaData(pemHex), pki.caPem);
    assert.equal(parseCaData(`hex:${pemHex.toUpperCase()}`), pki.caPem);
    assert.equal(parseCaData(`base64:${Buffer.from(pki.caPem).toString('base64')}`), pki.caPem);
    assert.equal(parseCaData(`  base64:${der.toString('base64').replace(/.{60}/g, '$&\n')}  `), pki.caPem);
  });

  it('keeps every certificate of a PEM bundle', () => {
    const other = pki.caPem;
    assert.equal(splitPemCertificates(parseCaData(pki.caPem + other)).length, 2);
  });

  it('refuses bad data with a precise message', async () => {
    assert.throws(
      () => parseCaData('hello world'),
      burrowError(ErrorCode.PKI, /CA data must be PEM .*"hex:<hex>" or "base64:<base64>"/),
    );
    assert.throws(
      () => parseCaData('hex:abc'),
      burrowError(ErrorCode.PKI, /hex CA data is not an even number of hex digits/),
    );
    assert.throws(() => parseCaData('base64:@@@'), burrowError(ErrorCode.PKI, /base64 CA data is not valid base64/));
    assert.throws(
      () => parseCaData('hex:0102'),
      burrowError(ErrorCode.PKI, /hex CA data decodes to neither PEM text nor a DER certificate/),
    );
    assert.throws(() => parseCaData('hex:3003020101'), burrowError(ErrorCode.PKI, /certificate #1 does not parse/));
    assert.throws(
      () => parseCaData('-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----'),
      burrowError(ErrorCode.PKI, /CA data holds no "CERTIFICATE"/),
    );
    await assert.rejects(
      exportCa({ dir: pki.caDir, format: 'der' as 'pem' }),
      burrowError(ErrorCode.USAGE, /unknown format "der": expected one of pem, hex, base64/),
    );
  });
});
