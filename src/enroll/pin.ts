// Client side: TLS to a server trusting nothing but a pinned CA fingerprint, checked before a single byte is sent.
import { isIP } from 'node:net';
import type * as tls from 'node:tls';
import { BurrowError, ErrorCode, isBurrowError } from '../errors.js';
import { dialTcp } from '../net/dial.js';
import { endSoon } from '../net/linger.js';
import { certFingerprint, derToPem, verifyCert } from '../pki/index.js';
import { connectTls, INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from '../tls/index.js';

/** How long a refused connection may wait for the server to close before it is destroyed. */
const REFUSED_LINGER_MS = 1_000;

/** Most certificates of a served chain we look at (real chains have 1–3). */
const MAX_CHAIN_LENGTH = 10;

/** Options of connectPinned. */
export interface PinnedConnectOptions {
  host: string;
  port: number;
  /** Canonical "sha256:<hex>" of the CA certificate (or of the server certificate itself). */
  pin: string;
  /** Name to send as SNI and to check the server certificate against; default: host. */
  serverName?: string;
  timeoutMs?: number;
}

/** A verified connection and the pinned certificate. */
export interface PinnedConnection {
  socket: tls.TLSSocket;
  /** PEM of the certificate whose fingerprint matched the pin (the CA). */
  pinnedPem: string;
}

/** DER of every certificate the server sent, leaf first, following issuer links. */
function servedChain(socket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && chain.length < MAX_CHAIN_LENGTH) {
    if (chain.some((c) => c.equals(cert!.raw))) break; // a self-signed root links to itself
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Connects to host:port with TLS, verifying the server by the pin alone: some certificate of the
 * served chain must have the pinned fingerprint (the server must send its CA in the chain), and
 * the server's certificate must verify against that certificate (signature, validity, EKU
 * serverAuth, and the name). On any mismatch the socket is destroyed before anything is written,
 * and BurrowError(TLS) names the expected and the presented fingerprints.
 */
export async function connectPinned(opts: PinnedConnectOptions): Promise<PinnedConnection> {
  const name = opts.serverName || opts.host;
  const raw = await dialTcp({
    host: opts.host,
    port: opts.port,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const options: tls.ConnectionOptions = {
    host: name,
    minVersion: MIN_TLS_VERSION,
    ciphers: INTERMEDIATE_CIPHERS,
    // Nothing is trusted but the pin, which is checked below, before anything is sent.
    rejectUnauthorized: false,
    ...(isIP(name) === 0 ? { servername: name } : {}),
  };
  let socket: tls.TLSSocket;
  try {
    socket = await connectTls(raw, options, {
      customFirstByte: false,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  } catch (err) {
    // A server that does not take enrollments demands a certificate at the handshake.
    if (isBurrowError(err, ErrorCode.TLS) && /client certificate/.test(err.message)) {
      throw new BurrowError(
        ErrorCode.TLS,
        `${err.message}: this server does not accept enrollment (no token was ever created there with "burrow server token create", or it is not a burrow server)`,
        { cause: err },
      );
    }
    throw err;
  }
  // An error arriving while the chain is checked (a TLS 1.3 alert) must not go unhandled: the
  // stream keeps it (socket.errored) and the response reader reports it.
  socket.on('error', () => undefined);
  try {
    const chain = servedChain(socket);
    const prints = chain.map((der) => certFingerprint(der));
    const at = prints.indexOf(opts.pin);
    if (at < 0) {
      const seen = prints.length === 0 ? 'no certificate' : prints.join(', ');
      throw new BurrowError(
        ErrorCode.TLS,
        `server CA fingerprint mismatch: expected ${opts.pin}, the server presented ${seen}. Nothing was sent: check the fingerprint, or someone is between you and the server`,
      );
    }
    const pinnedPem = derToPem(chain[at]!, 'CERTIFICATE');
    const leafAndIntermediates = chain
      .slice(0, Math.max(at, 1))
      .map((der) => derToPem(der, 'CERTIFICATE'))
      .join('');
    const verdict = await verifyCert({
      certPem: leafAndIntermediates,
      caPem: pinnedPem,
      host: name,
      purpose: 'server',
    });
    if (!verdict.ok) {
      const hint = /does not match/.test(verdict.reason)
        ? ' (use --server-name with a name the certificate holds)'
        : '';
      throw new BurrowError(
        ErrorCode.TLS,
        `the server certificate does not verify with the pinned CA ${opts.pin}: ${verdict.reason}${hint}`,
      );
    }
    return { socket, pinnedPem };
  } catch (err) {
    // end, not destroy: our TLS Finished still reaches the server, which then closes at once
    // instead of waiting out its handshake deadline; no application byte is ever written.
    endSoon(socket, REFUSED_LINGER_MS);
    throw err;
  }
}
