// Tests for the generated self-signed server certificate, cross-checked with the openssl binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSelfSignedServerCert, DEFAULT_SERVER_CERT_DAYS, type PemPair } from '../../src/pki/index.js';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { openssl, tempDir } from '../tls/helpers.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Slack for the time between generating and checking. */
const CLOCK_SLACK_MS = 60_000;

describe('generateSelfSignedServerCert', () => {
  const tmp = tempDir('pki');
  let pair: PemPair;
  let text: string;
  let startedAt: number;
  before(async () => {
    startedAt = Date.now();
    pair = await generateSelfSignedServerCert({
      altNames: ['tunnel.example.com', '192.0.2.7', '2001:db8::1', 'localhost'],
    });
    const file = join(tmp.dir, 'cert.pem');
    writeFileSync(file, pair.certPem);
    text = openssl(['x509', '-in', file, '-noout', '-text']);
  });
  after(() => tmp.remove());

  it('openssl parses it: EC P-256, ecdsa-with-SHA256, CN "burrow server"', () => {
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /Public Key Algorithm: id-ecPublicKey/);
    assert.match(text, /NIST CURVE: P-256|ASN1 OID: prime256v1/);
    assert.match(text, /Subject: CN\s?=\s?burrow server/);
    assert.match(text, /Issuer: CN\s?=\s?burrow server/);
  });

  it('has the SANs (defaults + altNames, IPs as IP SANs, no duplicates)', () => {
    const san = /X509v3 Subject Alternative Name:\s*\n\s*(.*)/.exec(text)?.[1] ?? '';
    assert.equal(
      san.trim(),
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:tunnel.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1',
    );
  });

  it('has EKU serverAuth, keyUsage digitalSignature, CA:FALSE and an SKI', () => {
    assert.match(text, /X509v3 Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n/);
    assert.match(text, /X509v3 Key Usage: critical\s*\n\s*Digital Signature\n/);
    assert.match(text, /X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
    assert.match(text, /X509v3 Subject Key Identifier:\s*\n\s*[0-9A-F]{2}(:[0-9A-F]{2}){19}/);
  });

  it('has a positive 128-bit serial and the right validity window', () => {
    const cert = new X509Certificate(pair.certPem);
    assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/i);
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    assert.ok(Math.abs(from - (startedAt - HOUR_MS)) < CLOCK_SLACK_MS, `notBefore ${cert.validFrom}`);
    assert.ok(
      Math.abs(to - (startedAt + DEFAULT_SERVER_CERT_DAYS * DAY_MS)) < CLOCK_SLACK_MS,
      `notAfter ${cert.validTo}`,
    );
    assert.equal(DEFAULT_SERVER_CERT_DAYS, 3650);
  });

  it('key is a PKCS#8 PEM EC key matching the certificate', () => {
    assert.match(pair.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(pair.keyPem);
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.ok(new X509Certificate(pair.certPem).checkPrivateKey(key));
  });

  it('honours commonName and days; serials differ between certificates', async () => {
    const other = await generateSelfSignedServerCert({ commonName: 'edge, with=comma', days: 1 });
    const cert = new X509Certificate(other.certPem);
    // One CN holding the comma (Node escapes it when displaying), not two attributes.
    assert.equal(cert.subject, 'CN=edge\\, with=comma');
    assert.ok(Date.parse(cert.validTo) - Date.now() < 2 * DAY_MS);
    assert.notEqual(cert.serialNumber, new X509Certificate(pair.certPem).serialNumber);
  });

  it('rejects a non-positive validity', async () => {
    await assert.rejects(generateSelfSignedServerCert({ days: 0 }), (e: unknown) => isBurrowError(e, ErrorCode.PKI));
  });
});
