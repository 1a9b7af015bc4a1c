// CSR checks on the server: the right name only, strong keys only, a signature that verifies; and the client's CSR passes them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { checkCsr, createCsr, CsrRefusal } from '../../src/enroll/csr.js';
import { x509 } from '../../src/pki/crypto-provider.js';
import { derToPem, pemToDer } from '../../src/pki/index.js';

type Params = webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;

/** A CSR made by hand: any key, any subject, any SANs. */
async function csrWith(opts: {
  params: Params;
  sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
  name: string;
  sans?: x509.JsonGeneralNames;
}): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(opts.params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: opts.name,
    keys,
    signingAlgorithm: opts.sign,
    extensions: opts.sans ? [new x509.SubjectAlternativeNameExtension(opts.sans)] : [],
  });
  return csr.toString('pem');
}

const P256 = { params: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
const rsa = (bits: number): { params: Params; sign: webcrypto.Algorithm } => ({
  params: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: bits,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  sign: { name: 'RSASSA-PKCS1-v1_5' },
});

async function refusal(csrPem: string, identity: string): Promise<string> {
  try {
    await checkCsr(csrPem, identity);
  } catch (err) {
    assert.ok(err instanceof CsrRefusal, `a CsrRefusal, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the CSR was accepted');
}

describe('CSR checks', () => {
  it("accepts the client's own CSR (EC P-256, CN and DNS SAN of the identity) and returns its key", async () => {
    const req = await createCsr('alice');
    const key = await checkCsr(req.csrPem, 'alice');
    assert.equal((key.algorithm as webcrypto.EcKeyAlgorithm).namedCurve, 'P-256');
    assert.match(req.keyPem, /BEGIN PRIVATE KEY/);
    // An identity with no SAN form stays CN-only and passes too.
    await checkCsr((await createCsr('Alice Smith')).csrPem, 'Alice Smith');
  });

  it('accepts EC P-384 and RSA 2048 keys', async () => {
    await checkCsr(
      await csrWith({
        params: { name: 'ECDSA', namedCurve: 'P-384' },
        sign: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
        name: 'CN=alice',
      }),
      'alice',
    );
    await checkCsr(await csrWith({ ...rsa(2048), name: 'CN=alice' }), 'alice');
  });

  it('refuses a CSR for another name', async () => {
    const msg = await refusal((await createCsr('bob')).csrPem, 'alice');
    assert.match(msg, /asks for subject "CN=bob", but this enrollment is for identity "alice"/);
  });

  it('refuses extra subject attributes and extra SANs', async () => {
    assert.match(
      await refusal(await csrWith({ ...P256, name: 'CN=alice, O=Evil' }), 'alice'),
      /asks for subject .*O=Evil/,
    );
    const extra = await csrWith({
      ...P256,
      name: 'CN=alice',
      sans: [
        { type: 'dns', value: 'alice' },
        { type: 'dns', value: 'bank.example' },
      ],
    });
    assert.match(
      await refusal(extra, 'alice'),
      /asks for names dns:alice, dns:bank\.example, but identity "alice" may only have dns:alice/,
    );
    const ip = await csrWith({ ...P256, name: 'CN=alice', sans: [{ type: 'ip', value: '10.0.0.1' }] });
    assert.match(await refusal(ip, 'alice'), /asks for names ip:10\.0\.0\.1/);
  });

  it('refuses weak and unsupported keys', async () => {
    assert.match(
      await refusal(await csrWith({ ...rsa(1024), name: 'CN=alice' }), 'alice'),
      /the CSR's key is weak: RSA 1024/,
    );
    const p521 = await csrWith({
      params: { name: 'ECDSA', namedCurve: 'P-521' },
      sign: { name: 'ECDSA', hash: 'SHA-512' } as webcrypto.EcdsaParams,
      name: 'CN=alice',
    });
    assert.match(
      await refusal(p521, 'alice'),
      /key is EC P-521, which is not accepted \(accepted: EC P-256, EC P-384, RSA 2048-8192\)/,
    );
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const der = pemToDer((await createCsr('alice')).csrPem);
    const at = der.length - 3; // inside the signature value
    der[at] = (der[at] ?? 0) ^ 0xff;
    const msg = await refusal(derToPem(der, 'CERTIFICATE REQUEST'), 'alice');
    assert.match(msg, /signature does not verify/);
  });

  it('refuses what is not a CSR', async () => {
    assert.match(await refusal('hello', 'alice'), /expected a PEM "CERTIFICATE REQUEST"/);
    assert.match(
      await refusal('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', 'alice'),
      /does not parse/,
    );
    assert.match(
      await refusal(`-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(20_000)}\n`, 'alice'),
      /at most 16384/,
    );
  });
});
