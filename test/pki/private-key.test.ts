// Tests for readPrivateKey / toSigningKey: every PEM form users bring, encrypted keys, and the refusals.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import { parseKeyType, readPrivateKey, toSigningKey } from '../../src/pki/index.js';
import { burrowError, openssl, tempDir } from './helpers.js';

describe('readPrivateKey', () => {
  const tmp = tempDir('keys');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let legacyEncrypted: string;
  before(() => {
    const file = join(tmp.dir, 'legacy.key');
    openssl(['genrsa', '-aes128', '-passout', 'pass:sesame', '-traditional', '-out', file, '2048']);
    legacyEncrypted = readFileSync(file, 'utf8');
  });
  after(() => tmp.remove());

  const forms: [string, () => string, RegExp][] = [
    ['PKCS#1 RSA', () => rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, /BEGIN RSA PRIVATE KEY/],
    ['PKCS#8 RSA', () => rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /BEGIN PRIVATE KEY/],
    ['SEC1 EC', () => ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string, /BEGIN EC PRIVATE KEY/],
    ['PKCS#8 EC', () => ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /BEGIN PRIVATE KEY/],
  ];
  for (const [name, make, label] of forms) {
    it(`reads ${name} and signs with it through WebCrypto`, async () => {
      const pem = make();
      assert.match(pem, label);
      const key = readPrivateKey(pem);
      const signing = await toSigningKey(key);
      assert.equal(signing.cryptoKey.type, 'private');
      // Same key: Node signs, the matching public key verifies.
      const pub = name.includes('RSA') ? rsa.publicKey : ec.publicKey;
      const sig = sign('sha256', Buffer.from('x'), key);
      assert.ok(verify('sha256', Buffer.from('x'), pub, sig));
    });
  }

  it('reads encrypted PKCS#8 and legacy encrypted PEM with the passphrase', () => {
    const enc = ec.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    assert.match(enc, /BEGIN ENCRYPTED PRIVATE KEY/);
    assert.equal(readPrivateKey(enc, { passphrase: 'pw' }).asymmetricKeyType, 'ec');
    assert.equal(readPrivateKey(legacyEncrypted, { passphrase: 'sesame' }).asymmetricKeyType, 'rsa');
  });

  it('refuses: encrypted without passphrase, wrong passphrase, no key block, a corrupt key', () => {
    const enc = ec.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    assert.throws(
      () => readPrivateKey(enc),
      burrowError(ErrorCode.PKI, /^the private key is encrypted: give its passphrase \(--key-passphrase-file\)$/),
    );
    assert.throws(() => readPrivateKey(legacyEncrypted), burrowError(ErrorCode.PKI, /is encrypted/));
    assert.throws(
      () => readPrivateKey(enc, { passphrase: 'nope' }),
      burrowError(ErrorCode.PKI, /^could not decrypt the private key \(wrong passphrase\?\)/),
    );
    assert.throws(
      () => readPrivateKey('-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n'),
      burrowError(ErrorCode.PKI, /expected a PEM private key/),
    );
    assert.throws(
      () => readPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      burrowError(ErrorCode.PKI, /the "PRIVATE KEY" private key does not parse/),
    );
  });

  it('toSigningKey refuses keys that cannot sign certificates here', async () => {
    const ed = generateKeyPairSync('ed25519');
    await assert.rejects(
      toSigningKey(ed.privateKey),
      burrowError(ErrorCode.PKI, /ed25519 keys cannot sign here: expected an RSA or EC/),
    );
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    await assert.rejects(
      toSigningKey(k1.privateKey),
      burrowError(ErrorCode.PKI, /EC key on curve secp256k1 is not supported/),
    );
  });

  it('parseKeyType accepts the five types (any case) and names them on error', () => {
    assert.equal(parseKeyType('EC-P384'), 'ec-p384');
    assert.throws(
      () => parseKeyType('dsa'),
      burrowError(
        ErrorCode.USAGE,
        /unknown key type "dsa": expected one of ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096/,
      ),
    );
  });
});
