// The join client's CA pin: on a mismatch (a man in the middle) the connection is dropped before any byte — the token least of all — is sent.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEnrollToken, joinServer, noAllowances } from '../../src/enroll/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { certFingerprint } from '../../src/pki/index.js';
import { x509 } from '../../src/pki/crypto-provider.js';
import { exportPkcs8Pem } from '../../src/pki/private-key.js';
import { makePki, removeDir, startRecorder, tempDir, type Pki, type Recorder } from './fixtures.js';

/** A server certificate that names `caPem` as its issuer (name and key id) but is signed by another key. */
async function forgeLeaf(caPem: string): Promise<{ certPem: string; keyPem: string }> {
  const ca = new x509.X509Certificate(caPem);
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: 'CN=127.0.0.1',
    issuer: ca.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(caKeyId),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await exportPkcs8Pem(keys.privateKey) };
}

/** Most polls while waiting for the recorder to see the client hang up. */
const MAX_POLLS = 100;
/** Pause between polls. */
const POLL_MS = 20;

describe('join: CA fingerprint pin', () => {
  let dir: string;
  let pki: Pki;
  let evil: Pki;
  let token: string;
  before(async () => {
    dir = tempDir();
    pki = await makePki(dir, 'real');
    evil = await makePki(dir, 'evil');
    token = (await createEnrollToken(pki.caDir, { identity: 'alice', ttlMs: 60_000, allowances: noAllowances() })).text;
  });
  after(() => removeDir(dir));

  /** Runs a join against `recorder` and returns the error, after the recorder saw the connection end. */
  async function joinAgainst(
    recorder: Recorder,
    out: string,
    fingerprint = pki.caFingerprint,
    serverName?: string,
  ): Promise<unknown> {
    let error: unknown;
    try {
      await joinServer({
        server: `127.0.0.1:${recorder.port}`,
        token,
        fingerprint,
        dir: out,
        ...(serverName ? { serverName } : {}),
      });
    } catch (err) {
      error = err;
    }
    for (let i = 0; i < MAX_POLLS && recorder.open() > 0; i++) await new Promise((r) => setTimeout(r, POLL_MS));
    return error;
  }

  it('refuses a server whose chain has no certificate with the pinned fingerprint, naming both, and sends nothing', async () => {
    const evilCa = readFileSync(evil.caCert, 'utf8');
    const recorder = await startRecorder(evil.serverCert, evil.serverKey, evilCa);
    try {
      const out = join(dir, 'mitm');
      const err = await joinAgainst(recorder, out);
      assert.ok(isBurrowError(err, ErrorCode.TLS), String(err));
      const leafPrint = certFingerprint(readFileSync(evil.serverCert, 'utf8'));
      assert.match(
        err.message,
        new RegExp(
          `server CA fingerprint mismatch: expected ${pki.caFingerprint}, the server presented ${leafPrint}, ${evil.caFingerprint}\\. Nothing was sent`,
        ),
      );
      assert.ok(recorder.handshakes() >= 1 || recorder.connections() >= 1, 'the client did reach the server');
      assert.equal(recorder.received().length, 0, 'not one byte after the handshake');
      assert.equal(existsSync(out), false, 'nothing written');
    } finally {
      await recorder.close();
    }
  });

  it('refuses a server that shows the real CA certificate but holds a certificate the CA did not sign', async () => {
    // The real CA's certificate is public: an attacker can put it in the chain and name it as the
    // issuer of their own certificate (same issuer name and key id), but cannot sign with it.
    const forged = await forgeLeaf(readFileSync(pki.caCert, 'utf8'));
    const certFile = join(dir, 'forged.crt');
    const keyFile = join(dir, 'forged.key');
    writeFileSync(certFile, forged.certPem);
    writeFileSync(keyFile, forged.keyPem);
    const recorder = await startRecorder(certFile, keyFile, readFileSync(pki.caCert, 'utf8'));
    try {
      const err = await joinAgainst(recorder, join(dir, 'borrowed-ca'));
      assert.ok(isBurrowError(err, ErrorCode.TLS), String(err));
      assert.match(
        err.message,
        /the server certificate does not verify with the pinned CA sha256:[0-9a-f]{64}: not signed by the given CA/,
      );
      assert.equal(recorder.received().length, 0);
    } finally {
      await recorder.close();
    }
  });

  it('refuses a server certificate that does not hold the name dialled, pointing at --server-name', async () => {
    const recorder = await startRecorder(pki.serverCert, pki.serverKey, readFileSync(pki.caCert, 'utf8'));
    try {
      const err = await joinAgainst(recorder, join(dir, 'name'), pki.caFingerprint, 'tunnel.example.com');
      assert.ok(isBurrowError(err, ErrorCode.TLS), String(err));
      assert.match(err.message, /tunnel\.example\.com .*\(use --server-name with a name the certificate holds\)/);
      assert.equal(recorder.received().length, 0);
    } finally {
      await recorder.close();
    }
  });

  it('explains a genuine server that demands a client certificate (it takes no enrollments)', async () => {
    const recorder = await startRecorder(pki.serverCert, pki.serverKey, readFileSync(pki.caCert, 'utf8'), pki.caCert);
    try {
      const err = await joinAgainst(recorder, join(dir, 'no-enroll'));
      // TLS 1.3 refuses right after the handshake: an alert, or just a close; the same explanation either way.
      assert.ok(isBurrowError(err, ErrorCode.TLS) || isBurrowError(err, ErrorCode.UNEXPECTED_EOF), String(err));
      assert.match(err.message, /does not accept enrollment \(no token was ever created there/);
    } finally {
      await recorder.close();
    }
  });

  it('refuses a malformed fingerprint before connecting', async () => {
    const recorder = await startRecorder(pki.serverCert, pki.serverKey);
    try {
      const err = await joinAgainst(recorder, join(dir, 'bad-pin'), 'sha256:1234');
      assert.ok(isBurrowError(err, ErrorCode.USAGE), String(err));
      assert.match(err.message, /--fingerprint: invalid fingerprint "sha256:1234"/);
      assert.equal(recorder.connections(), 0);
    } finally {
      await recorder.close();
    }
  });
});
