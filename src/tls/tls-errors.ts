// Turns Node/OpenSSL TLS error codes into precise, human sentences.
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';

/** Sentences for OpenSSL certificate-verification codes (Node sets them as `err.code`). */
const VERIFY_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed, not signed by the trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'is not signed by the trusted CA (self-signed certificate in chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is not signed by the trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'is not signed by the trusted CA (issuer unknown)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is not signed by the trusted CA (issuer unknown)',
  CERT_SIGNATURE_FAILURE: 'has an invalid signature',
  CERT_REVOKED: 'is revoked',
  INVALID_CA: 'has an issuer in its chain that is not a valid CA',
  INVALID_PURPOSE: 'may not be used for this purpose (extended key usage)',
  CERT_UNTRUSTED: 'is not trusted',
  CERT_REJECTED: 'is rejected',
};

/** Sentences for handshake failures reported as OpenSSL errors or TLS alerts. */
const HANDSHAKE_REASONS: Record<string, string> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'client certificate required',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the peer aborted the handshake (handshake failure alert)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the peer does not trust our certificate (unknown CA)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the peer rejected our certificate (bad certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the peer says our certificate has expired',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'the peer does not support TLS 1.2 or later',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the peer offered a TLS version below TLS 1.2',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version in common (TLS 1.2 or later is required)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the peer did not speak TLS (wrong version number)',
  ERR_SSL_HTTP_REQUEST: 'the peer sent plain HTTP, not TLS',
  ERR_SSL_NO_SHARED_CIPHER: 'no cipher suite in common',
  ECONNRESET: 'the peer reset the connection during the TLS handshake',
  EPIPE: 'the peer closed the connection during the TLS handshake',
};

/**
 * Wraps a Node TLS error as BurrowError(TLS) whose message names the side (`what`, e.g.
 * "server certificate") and the precise reason. `serverName` is used for host-name mismatches.
 */
export function tlsError(err: unknown, what: string, serverName?: string): BurrowError {
  if (err instanceof BurrowError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  let reason: string;
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID' || c === 'HOSTNAME_MISMATCH') {
    // Node's `reason` lists the names the certificate is valid for.
    const detail = (err as { reason?: unknown }).reason;
    reason = `${what} does not match name ${serverName ?? '(unknown)'}: ${typeof detail === 'string' ? detail : errorMessage(err)}`;
  } else if (c in VERIFY_REASONS) {
    reason = `certificate verify failed: ${what} ${VERIFY_REASONS[c]} (${c})`;
  } else if (c in HANDSHAKE_REASONS) {
    reason = `TLS handshake failed: ${HANDSHAKE_REASONS[c]} (${c})`;
  } else {
    reason = `TLS handshake failed: ${errorMessage(err)}${c ? ` (${c})` : ''}`;
  }
  return new BurrowError(ErrorCode.TLS, reason, { cause: err });
}
