// TLS constants: protocol floor, cipher list, first-byte values and timeouts.

/** Lowest TLS version burrow accepts or offers (ARCHITECTURE.md security defaults). */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

/**
 * Mozilla "intermediate" configuration (v5.7) as an OpenSSL cipher string: the TLS 1.3 suites
 * (Node routes `TLS_*` names to the TLS 1.3 list) followed by the TLS 1.2 ECDHE/DHE AEAD suites.
 */
export const INTERMEDIATE_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Deadline for the first byte of a new connection (frps uses 10 s for the same read). */
export const SNIFF_TIMEOUT_MS = 10_000;

/** Byte frpc sends before its ClientHello when `disableCustomTLSFirstByte = false`; the server consumes it. */
export const CUSTOM_TLS_FIRST_BYTE = 0x17;

/** First byte of a TLS handshake record (a ClientHello); left in place for the TLS layer. */
export const TLS_HANDSHAKE_RECORD = 0x16;

/** Deadline for a whole TLS handshake, so a silent peer cannot hold a socket open. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/** File names of the generated server identity inside the state directory. */
export const SERVER_CERT_FILE = 'server.crt';
export const SERVER_KEY_FILE = 'server.key';

/** Mode of the state directory: only the owner may list or enter it. */
export const STATE_DIR_MODE = 0o700;

/** Mode of private key files: owner read/write only. */
export const KEY_FILE_MODE = 0o600;

/** Mode of certificate files: public data, world-readable. */
export const CERT_FILE_MODE = 0o644;
