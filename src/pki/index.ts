// Public surface of the PKI layer: self-signed certificates, fingerprints, PEM helpers.
export {
  generateSelfSignedServerCert,
  DEFAULT_SERVER_CERT_DAYS,
  DEFAULT_SERVER_CN,
  type PemPair,
} from './self-signed.js';
export { certFingerprint, formatFingerprint, parseFingerprint } from './fingerprint.js';
export { splitPemCertificates, pemToDer } from './pem.js';
