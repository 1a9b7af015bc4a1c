// Server-side TLS: the secure context from settings (files or generated identity) and socket wrapping.
import { constants as cryptoConstants } from 'node:crypto';
import * as tls from 'node:tls';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { certFingerprint } from '../pki/fingerprint.js';
import { HANDSHAKE_TIMEOUT_MS, INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from './constants.js';
import { checkCertKeyPair, readPemFile } from './key-material.js';
import { loadOrCreateServerIdentity } from './state-dir.js';
import { awaitHandshake } from './handshake.js';
import { tlsError } from './tls-errors.js';
import { loadCrl, loadTrustedCa } from './trust.js';

/** The server's TLS settings (transport.tls.* of the server config, plus the state directory). */
export interface ServerTlsSettings {
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  force: boolean;
  stateDir: string;
  /** burrow's own: the client CA inline (PEM, hex: or base64: DER). */
  trustedCaData?: string;
  /** burrow's own: a CRL; client certificates it lists are refused. */
  crlFile?: string;
}

/** Everything the listener needs to speak TLS, and what to print at start. */
export interface ServerTls {
  secureContextOptions: tls.SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  /** Built once from `secureContextOptions`; shared by every connection. */
  secureContext: tls.SecureContext;
  /** "sha256:<hex>" of the server certificate. */
  fingerprint: string;
  /** True when the certificate is burrow's own (state directory), false when from certFile/keyFile. */
  generated: boolean;
  /** True when the generated identity was created by this call (first start). */
  created: boolean;
  /** The certificate file in use (user's certFile or the state directory's server.crt). */
  certSource: string;
  /** Plain connections are refused: `force` set, or implied by `trustedCaFile`. */
  force: boolean;
}

/**
 * Builds the server TLS configuration. certFile + keyFile set: they are read and checked (error
 * naming the file); only one of them set: error. Neither: the persisted generated identity from
 * `stateDir`. trustedCaFile or trustedCaData set: client certificates are required and verified
 * against it (and the CRL, when crlFile is set), and `force` is implied. TLS 1.2 minimum, Mozilla intermediate ciphers, server cipher order.
 */
export async function buildServerTls(settings: ServerTlsSettings): Promise<ServerTls> {
  const { certFile, keyFile, trustedCaFile } = settings;
  if ((certFile === '') !== (keyFile === '')) {
    const [set, unset] = certFile ? ['certFile', 'keyFile'] : ['keyFile', 'certFile'];
    throw new BurrowError(
      ErrorCode.TLS,
      `transport.tls.${set} is set but transport.tls.${unset} is not; set both, or neither to use the generated certificate`,
    );
  }

  let certPem: string;
  let keyPem: string;
  let certSource: string;
  let generated = false;
  let created = false;
  if (certFile) {
    // Both read at once, but a failure is reported in a fixed order (the certificate first).
    const [cert, key] = await Promise.allSettled([
      readPemFile(certFile, 'certificate file'),
      readPemFile(keyFile, 'private key file'),
    ]);
    if (cert.status === 'rejected') throw cert.reason;
    if (key.status === 'rejected') throw key.reason;
    [certPem, keyPem] = [cert.value, key.value];
    checkCertKeyPair(certPem, certFile, keyPem, keyFile);
    certSource = certFile;
  } else {
    const id = await loadOrCreateServerIdentity(settings.stateDir);
    ({ certPem, keyPem } = id);
    certSource = id.certFile;
    generated = true;
    created = id.created;
  }

  const ca = await loadTrustedCa(trustedCaFile, settings.trustedCaData ?? '');
  if (settings.crlFile && ca === undefined) {
    throw new BurrowError(
      ErrorCode.TLS,
      'transport.tls.crlFile needs transport.tls.trustedCaFile (or trustedCaData): a CRL only applies to verified client certificates',
    );
  }
  // Node turns on CRL checking for the whole chain when a CRL is added to the context.
  const crl = settings.crlFile ? await loadCrl(settings.crlFile) : undefined;

  const secureContextOptions = {
    cert: certPem,
    key: keyPem,
    ...(ca !== undefined ? { ca } : {}),
    ...(crl !== undefined ? { crl } : {}),
    minVersion: MIN_TLS_VERSION,
    // No client-initiated renegotiation (a CPU DoS vector; testssl.sh flags it). TLS 1.3 has none anyway.
    secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
    ciphers: INTERMEDIATE_CIPHERS,
    honorCipherOrder: true,
    requestCert: ca !== undefined,
    rejectUnauthorized: ca !== undefined,
  };
  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext(secureContextOptions);
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `cannot build the TLS context from ${certSource}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return {
    secureContextOptions,
    secureContext,
    fingerprint: certFingerprint(certPem),
    generated,
    created,
    certSource,
    force: settings.force || ca !== undefined,
  };
}

/**
 * Runs the server side of a TLS handshake over an accepted socket (bytes already buffered in
 * `socket`, e.g. put back by the sniffer, are fed to TLS first). Resolves with the secure socket;
 * on failure destroys it and rejects with BurrowError(TLS) giving the reason, or TIMEOUT.
 * With a trusted CA, a client certificate that does not verify is refused here.
 */
export function wrapServerSocket(
  socket: net.Socket | Duplex,
  tlsInfo: ServerTls,
  opts: { handshakeTimeoutMs?: number; deferClientCertCheck?: boolean } = {},
): Promise<tls.TLSSocket> {
  const timeoutMs = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const { requestCert } = tlsInfo.secureContextOptions;
  // Deferred: the handshake completes without a (valid) client certificate; the caller enforces
  // the verdict with clientCertRefusal() once it knows the connection is not an enrollment.
  const rejectUnauthorized = tlsInfo.secureContextOptions.rejectUnauthorized && !opts.deferClientCertCheck;
  // A net.Socket given to TLSSocket lends it its native handle; Node feeds any bytes already in
  // the socket's JS read buffer (the sniffer's unshift) to TLS first. test/tls/sniff.test.ts
  // checks this on real sockets.
  const tlsSocket = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: tlsInfo.secureContext,
    requestCert,
    rejectUnauthorized,
  });
  return awaitHandshake(tlsSocket, {
    event: 'secure',
    timeoutMs,
    peerCertificate: 'client certificate',
    peer: 'client',
    check: () => {
      // Without a tls.Server around it, Node does not act on a failed client-certificate check
      // itself: the handshake completes and the verdict is only recorded, so enforce it here.
      if (!requestCert) return undefined;
      // Private but stable since Node 0.x: tls.Server itself reads the verdict this way.
      const handle = (tlsSocket as unknown as { _handle?: { verifyError(): Error | null } })._handle;
      const verifyError = handle ? handle.verifyError() : null;
      if (!verifyError) {
        tlsSocket.authorized = true;
        return undefined;
      }
      tlsSocket.authorizationError = verifyError;
      return rejectUnauthorized ? tlsError(verifyError, 'client certificate') : undefined;
    },
  });
}

/** Why a server socket's client certificate is not acceptable (none, or failed verification), or undefined. */
export function clientCertRefusal(socket: tls.TLSSocket, tlsInfo: ServerTls): BurrowError | undefined {
  const { requestCert, rejectUnauthorized } = tlsInfo.secureContextOptions;
  if (!requestCert || !rejectUnauthorized) return undefined;
  if (!socket.getPeerX509Certificate())
    return new BurrowError(ErrorCode.TLS, 'TLS handshake failed: client certificate required');
  // wrapServerSocket recorded the verdict at the handshake; anything but an explicit pass fails closed.
  if (socket.authorized) return undefined;
  const reason = socket.authorizationError;
  return reason instanceof Error
    ? tlsError(reason, 'client certificate')
    : new BurrowError(ErrorCode.TLS, 'TLS handshake failed: client certificate not verified');
}
