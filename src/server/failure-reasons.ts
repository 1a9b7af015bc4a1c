// Short metric reasons for failed tunnel handshakes and logins: a small fixed set, whatever the error says.
import { reasonCode } from '../observe/index.js';
import { BurrowError, ErrorCode } from '../errors.js';

/** How deep the cause chain is searched for a Node error code. */
const MAX_CAUSE_DEPTH = 3;

/** OpenSSL and Node codes of a failed TLS handshake, grouped into the reasons the metrics show. */
const TLS_CODE_REASONS: Record<string, string> = {
  CERT_REVOKED: 'tls_cert_revoked',
  CERT_HAS_EXPIRED: 'tls_cert_expired',
  CERT_NOT_YET_VALID: 'tls_cert_not_yet_valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls_cert_untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls_cert_untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls_cert_untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'tls_cert_untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls_cert_untrusted',
  CERT_UNTRUSTED: 'tls_cert_untrusted',
  CERT_SIGNATURE_FAILURE: 'tls_cert_untrusted',
  INVALID_CA: 'tls_cert_untrusted',
  INVALID_PURPOSE: 'tls_cert_wrong_purpose',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'tls_no_client_cert',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'tls_no_client_cert',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls_version',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'tls_version',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'tls_version',
  ERR_SSL_NO_SHARED_CIPHER: 'tls_no_shared_cipher',
};

/** The first string `code` on an error's cause chain ("" when none); tlsError keeps Node's error as the cause. */
function nodeCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && e !== undefined && e !== null; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

/**
 * The reason label of a tunnel connection that failed before its first message was read (TCP,
 * TLS, yamux): a BurrowError's code, refined for TLS by the OpenSSL code. Always one of a fixed,
 * small set (the metrics' reason label stays bounded whatever a peer sends).
 */
export function handshakeReason(err: unknown): string {
  if (!(err instanceof BurrowError)) return 'internal';
  switch (err.code) {
    case ErrorCode.TLS: {
      const code = nodeCode(err.cause);
      return TLS_CODE_REASONS[code] ?? 'tls_handshake';
    }
    case ErrorCode.TLS_REQUIRED:
      return 'tls_required';
    default:
      // ERR_TIMEOUT → "timeout", ERR_UNEXPECTED_EOF → "unexpected_eof": the ErrorCode set is fixed.
      return reasonCode(err.code.replace(/^ERR_/, ''));
  }
}

/** Reasons a login is refused, as the metrics label them. */
export const LoginFailure = {
  badToken: 'bad_token',
  clientIdInUse: 'client_id_in_use',
  missingHello: 'missing_hello',
  badHello: 'bad_hello',
  shuttingDown: 'shutting_down',
} as const;
