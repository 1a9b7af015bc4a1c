// Automatic renewal of a running client: a certificate past two thirds of its life is renewed; a refused one stops the renewer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { defaultClientConfig, loadClientConfig } from '../../src/config/index.js';
import {
  clientsFile,
  createEnrollToken,
  joinServer,
  noAllowances,
  renewalDue,
  startAutoRenewal,
} from '../../src/enroll/index.js';
import { recordEnrollment } from '../../src/enroll/clients-store.js';
import { createCsr } from '../../src/enroll/csr.js';
import { x509 } from '../../src/pki/crypto-provider.js';
import { certFingerprint, loadCa } from '../../src/pki/index.js';
import { makePki, removeDir, startEndpoint, tempDir, until, type Endpoint, type Pki } from './fixtures.js';

const DAY = 86_400_000;
/** Most polls while waiting for the renewer. */
const MAX_POLLS = 250;
/** Pause between polls. */
const POLL_MS = 20;

/** A logger whose lines are kept in `lines`. */
function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('automatic renewal', () => {
  let dir: string;
  let pki: Pki;
  let endpoint: Endpoint;
  before(async () => {
    dir = tempDir();
    pki = await makePki(dir);
    endpoint = await startEndpoint(pki);
  });
  after(async () => {
    await endpoint.close();
    removeDir(dir);
  });

  /** A certificate for `identity` from the CA, 20 of its 21 days old, with its new key, written to PREFIX.crt/.key. */
  async function mintAged(
    identity: string,
    serial: string,
    prefix: string,
  ): Promise<{ cert: string; key: string; certPem: string; notBefore: Date; notAfter: Date }> {
    const req = await createCsr(identity);
    const ca = await loadCa(pki.caDir);
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${identity}`,
      issuer: ca.cert.subjectName,
      notBefore: new Date(now - 20 * DAY),
      notAfter: new Date(now + DAY),
      publicKey: await new x509.PublicKey(req.publicKeyDer).export({ name: 'ECDSA', namedCurve: 'P-256' }, ['verify']),
      signingKey: ca.key.cryptoKey,
      signingAlgorithm: ca.key.algorithm.signingAlgorithm,
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
    const certPem = `${cert.toString('pem')}\n`;
    writeFileSync(`${prefix}.crt`, certPem);
    writeFileSync(`${prefix}.key`, req.keyPem);
    return { cert: `${prefix}.crt`, key: `${prefix}.key`, certPem, notBefore: cert.notBefore, notAfter: cert.notAfter };
  }

  it('renews a certificate that is due, and leaves a fresh one alone', async () => {
    const token = (await createEnrollToken(pki.caDir, { identity: 'ivan', ttlMs: 60_000, allowances: noAllowances() }))
      .text;
    const joined = await joinServer({
      server: `127.0.0.1:${endpoint.port}`,
      token,
      fingerprint: pki.caFingerprint,
      dir: join(dir, 'ivan'),
    });
    // Swap the fresh certificate for an aged one, recorded as enrolled.
    const aged = await mintAged('ivan', '7f01', join(dir, 'ivan', 'client'));
    await recordEnrollment(clientsFile(pki.caDir), {
      identity: 'ivan',
      allowances: noAllowances(),
      certDays: 90,
      remote: 'test',
      cert: {
        serial: '7f01',
        fingerprint: certFingerprint(aged.certPem),
        notBefore: aged.notBefore.toISOString(),
        notAfter: aged.notAfter.toISOString(),
        issuedAt: new Date().toISOString(),
      },
    });
    assert.equal(renewalDue(aged.certPem), true, 'the aged certificate is due');
    const config = (await loadClientConfig(joined.files.config)).config;
    const { logger, lines } = capture();
    const renewer = startAutoRenewal(() => config, { logger });
    try {
      await until('the renewal', () => lines.some((l) => l.includes('client certificate renewed')), MAX_POLLS, POLL_MS);
      const after = readFileSync(config.transport.tls.certFile, 'utf8');
      assert.notEqual(after, aged.certPem);
      assert.equal(renewalDue(after), false);
    } finally {
      renewer.close();
    }
  });

  it('stops after a refusal (a certificate enrollment did not issue)', async () => {
    const stranger = await mintAged('judy', '7f02', join(dir, 'judy'));
    const config = defaultClientConfig();
    config.serverAddr = '127.0.0.1';
    config.serverPort = endpoint.port;
    config.transport.tls.trustedCaFile = pki.caCert;
    config.transport.tls.certFile = stranger.cert;
    config.transport.tls.keyFile = stranger.key;
    const { logger, lines } = capture();
    const renewer = startAutoRenewal(() => config, { logger });
    try {
      await until('the refusal', () => lines.some((l) => l.includes('automatic renewal stopped')), MAX_POLLS, POLL_MS);
      assert.ok(lines.some((l) => /was not issued by enrollment on this server/.test(l)));
      assert.equal(readFileSync(stranger.cert, 'utf8'), stranger.certPem, 'nothing replaced');
    } finally {
      renewer.close();
    }
  });
});
