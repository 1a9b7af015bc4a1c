// PKCS#10 certificate requests: the client builds one for its identity; the server checks names, key strength and signature.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { x509, type webcrypto } from '../pki/crypto-provider.js';
import { generateKeyPair, signingAlgorithmOf, type KeyType } from '../pki/key-types.js';
import { sanEntries } from '../pki/names.js';
import { exportPkcs8Pem } from '../pki/private-key.js';
import { pemToDer } from '../pki/pem.js';

/** Smallest RSA modulus accepted (NIST: 2048 bits until 2030). */
export const MIN_RSA_BITS = 2048;

/** Largest RSA modulus accepted: bigger keys only cost the server time to verify. */
export const MAX_RSA_BITS = 8192;

/** Largest CSR (PEM text) accepted. */
export const MAX_CSR_PEM_LENGTH = 16 * 1024;

/** Node's names of the curves accepted, mapped to NIST names. */
const ACCEPTED_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** NIST names of other curves, for messages. */
const OTHER_CURVES: Record<string, string> = { secp521r1: 'P-521', secp256k1: 'secp256k1' };

/** OID of the subjectAltName extension. */
const SAN_OID = '2.5.29.17';

/** PEM labels of a CSR (the second is what old tools write). */
const CSR_LABEL_RE = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;

/** A CSR refusal: `reason` is what the client is told. */
export class CsrRefusal extends BurrowError {
  constructor(readonly reason: string) {
    super(ErrorCode.PKI, reason);
    this.name = 'CsrRefusal';
  }
}

/** A new key and the CSR for it. */
export interface NewRequest {
  csrPem: string;
  /** PKCS#8 PEM; stays on this machine. */
  keyPem: string;
  /** SubjectPublicKeyInfo DER, to check that the certificate received certifies this key. */
  publicKeyDer: Buffer;
}

/** The SAN entries burrow puts in an identity's certificate (signLeaf's rule: the CN also as a SAN when it has a SAN form). */
function identitySans(identity: string): x509.JsonGeneralNames {
  return sanEntries([identity], { allowPlainFirst: true });
}

/** Generates a key (EC P-256 by default) and a CSR for CN=identity with the SANs signLeaf would give it. */
export async function createCsr(identity: string, keyType: KeyType = 'ec-p256'): Promise<NewRequest> {
  try {
    const keys = await generateKeyPair(keyType);
    const sans = identitySans(identity);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: [identity] }],
      keys,
      signingAlgorithm: signingAlgorithmOf(keyType).signingAlgorithm,
      extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
    });
    return {
      csrPem: `${csr.toString('pem')}\n`,
      keyPem: await exportPkcs8Pem(keys.privateKey),
      publicKeyDer: Buffer.from(csr.publicKey.rawData),
    };
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `could not create the certificate request: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** "EC P-256", "RSA 2048", … for messages. */
function keyDescription(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    const curve = d?.namedCurve ?? '?';
    return `EC ${ACCEPTED_CURVES[curve] ?? OTHER_CURVES[curve] ?? curve}`;
  }
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d?.modulusLength ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** WebCrypto import parameters for an accepted key, or the refusal. */
function importParams(key: KeyObject): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  const what = keyDescription(key);
  const accepted = `accepted: EC P-256, EC P-384, RSA ${MIN_RSA_BITS}-${MAX_RSA_BITS}`;
  if (key.asymmetricKeyType === 'ec') {
    const curve = ACCEPTED_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new CsrRefusal(`the CSR's key is ${what}, which is not accepted (${accepted})`);
    return { name: 'ECDSA', namedCurve: curve };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new CsrRefusal(`the CSR's key is weak: ${what} (${accepted})`);
    if (bits > MAX_RSA_BITS) throw new CsrRefusal(`the CSR's key is ${what}, larger than accepted (${accepted})`);
    return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  }
  throw new CsrRefusal(`the CSR's key is ${what}, which is not accepted (${accepted})`);
}

/** Parses a CSR PEM; CsrRefusal when it is not one. */
function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  if (csrPem.length > MAX_CSR_PEM_LENGTH)
    throw new CsrRefusal(`the CSR is ${csrPem.length} characters; at most ${MAX_CSR_PEM_LENGTH} are accepted`);
  if (!CSR_LABEL_RE.test(csrPem)) throw new CsrRefusal('expected a PEM "CERTIFICATE REQUEST" (PKCS#10)');
  try {
    return new x509.Pkcs10CertificateRequest(pemToDer(csrPem));
  } catch (err) {
    throw new CsrRefusal(`the CSR does not parse: ${errorMessage(err)}`);
  }
}

/** The refusal when the CSR's subject is not exactly CN=identity. */
function checkSubject(csr: x509.Pkcs10CertificateRequest, identity: string): void {
  let rdns: x509.JsonName;
  try {
    rdns = csr.subjectName.toJSON();
  } catch (err) {
    throw new CsrRefusal(`the CSR's subject does not parse: ${errorMessage(err)}`);
  }
  const only = rdns.length === 1 ? rdns[0] : undefined;
  const keys = only ? Object.keys(only) : [];
  const cn = only?.CN;
  if (keys.length !== 1 || !cn || cn.length !== 1 || cn[0] !== identity) {
    throw new CsrRefusal(
      `the CSR asks for subject "${csr.subject}", but this enrollment is for identity "${identity}" (subject CN=${identity})`,
    );
  }
}

/** The refusal when the CSR requests SANs other than the identity's own. */
function checkSans(csr: x509.Pkcs10CertificateRequest, identity: string): void {
  let raw: x509.Extension[];
  try {
    raw = csr.extensions.filter((e) => e.type === SAN_OID);
  } catch (err) {
    throw new CsrRefusal(`the CSR's extensions do not parse: ${errorMessage(err)}`);
  }
  if (raw.length === 0) return;
  if (raw.length > 1) throw new CsrRefusal('the CSR holds more than one subjectAltName extension');
  let ext: x509.SubjectAlternativeNameExtension;
  try {
    ext = new x509.SubjectAlternativeNameExtension(raw[0]!.rawData);
  } catch (err) {
    throw new CsrRefusal(`the CSR's subjectAltName does not parse: ${errorMessage(err)}`);
  }
  const norm = (n: { type: string; value: string }): string => `${n.type}:${n.value.toLowerCase()}`;
  const asked = [...new Set(ext.names.toJSON().map(norm))].sort();
  const allowed = [...new Set(identitySans(identity).map(norm))].sort();
  if (asked.join(',') !== allowed.join(',')) {
    const show = (l: string[]): string => (l.length === 0 ? 'none' : l.join(', '));
    throw new CsrRefusal(
      `the CSR asks for names ${show(asked)}, but identity "${identity}" may only have ${show(allowed)}`,
    );
  }
}

/**
 * Checks a CSR for `identity`: it parses; its key is EC P-256/P-384 or RSA 2048–8192; its
 * signature verifies (proof the sender holds the key); its subject is exactly CN=identity and its
 * SANs, if any, exactly the identity's. Returns the public key to certify. Throws CsrRefusal.
 */
export async function checkCsr(csrPem: string, identity: string): Promise<webcrypto.CryptoKey> {
  const csr = parseCsr(csrPem);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (err) {
    throw new CsrRefusal(`the CSR's public key does not parse: ${errorMessage(err)}`);
  }
  const params = importParams(key);
  let signed: boolean;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) throw new CsrRefusal("the CSR's signature does not verify: it was not signed by the key it carries");
  checkSubject(csr, identity);
  checkSans(csr, identity);
  try {
    return await csr.publicKey.export(params, ['verify']);
  } catch (err) {
    throw new CsrRefusal(`the CSR's public key cannot be used: ${errorMessage(err)}`);
  }
}
