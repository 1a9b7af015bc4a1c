// Public surface of the TLS layer: contexts from settings, handshakes, sniffing, the state directory.
export {
  MIN_TLS_VERSION,
  INTERMEDIATE_CIPHERS,
  SNIFF_TIMEOUT_MS,
  CUSTOM_TLS_FIRST_BYTE,
  TLS_HANDSHAKE_RECORD,
  HANDSHAKE_TIMEOUT_MS,
} from './constants.js';
export { defaultStateDir, loadOrCreateServerIdentity, type ServerIdentity } from './state-dir.js';
export {
  buildServerTls,
  clientCertRefusal,
  wrapServerSocket,
  type ServerTls,
  type ServerTlsSettings,
} from './server-tls.js';
export {
  buildClientTlsOptions,
  connectTls,
  peerFingerprint,
  type ClientTls,
  type ClientTlsSettings,
} from './client-tls.js';
export { decodeCaData, loadCrl, loadTrustedCa } from './trust.js';
export { describeIdentity, identityMatches, identityOf, peerIdentity, type PeerIdentity } from './peer-identity.js';
export { sniffTlsFirstByte, type SniffResult } from './sniff.js';
export { tlsError } from './tls-errors.js';
export { watchFiles, TLS_WATCH_INTERVAL_MS, type FileWatch } from './watch.js';
