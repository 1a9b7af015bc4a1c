// An in-memory self-signed server certificate (never written to disk), for a TLS server configured without files.
import { generateSelfSignedServerCert, type PemPair } from '../pki/self-signed.js';

/** Common name of a generated in-memory certificate. */
const EPHEMERAL_CN = 'burrow plugin';

/**
 * A fresh self-signed certificate and key held only in memory, as frp's transport.NewServerTLSConfig
 * makes when no certificate files are given (frp: RSA 2048, 10 years; burrow: EC P-256, 10 years).
 * Clients cannot verify it except by pinning; it exists so the connection is encrypted at all.
 */
export function generateEphemeralServerCert(): Promise<PemPair> {
  return generateSelfSignedServerCert({ commonName: EPHEMERAL_CN });
}
