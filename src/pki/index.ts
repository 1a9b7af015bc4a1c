// Public surface of the PKI layer: CA, issuing, inspecting, verifying, revocation, keys, fingerprints, PEM and inline-CA helpers.
export {
  generateSelfSignedServerCert,
  DEFAULT_SERVER_CERT_DAYS,
  DEFAULT_SERVER_CN,
  type PemPair,
} from './self-signed.js';
export { certFingerprint, formatFingerprint, parseFingerprint } from './fingerprint.js';
export { splitPemCertificates, pemToDer, derToPem, firstCertDer } from './pem.js';
export { KEY_TYPES, DEFAULT_KEY_TYPE, parseKeyType, type KeyType } from './key-types.js';
export { readPrivateKey, toSigningKey, type SigningKey } from './private-key.js';
export { normalizeSerial, formatSerial } from './serial.js';
export {
  caPaths,
  loadCa,
  readIndex,
  type CaPaths,
  type CaIndex,
  type IssuedEntry,
  type RevokedEntry,
  type LoadedCa,
} from './ca-store.js';
export { initCa, DEFAULT_CA_DAYS, DEFAULT_CA_NAME, type InitCaOptions, type InitCaResult } from './ca-init.js';
export {
  issueCert,
  signLeaf,
  DEFAULT_LEAF_DAYS,
  type IssueCertOptions,
  type IssueCertResult,
  type LeafRequest,
  type SignedLeaf,
} from './issue.js';
export { classifyName, isDnsName, type SanKind, type ClassifiedName } from './names.js';
export { inspectCert, type CertInfo, type SanList } from './inspect.js';
export { inspectRemote, INSPECT_TIMEOUT_MS, type RemoteInfo } from './inspect-remote.js';
export { matchHost, dnsMatches, canonicalIp } from './hostname.js';
export { verifyCert, type VerifyCertOptions, type VerifyResult, type CertPurpose } from './verify.js';
export {
  revoke,
  generateCrl,
  parseCrl,
  verifyCrl,
  isRevoked,
  DEFAULT_CRL_DAYS,
  type RevokeOptions,
  type GenerateCrlOptions,
  type GenerateCrlResult,
  type CrlInfo,
  type CrlEntryInfo,
} from './crl.js';
export { exportCa, parseCaData, CA_EXPORT_FORMATS, HEX_PREFIX, BASE64_PREFIX, type CaExportFormat } from './ca-data.js';
