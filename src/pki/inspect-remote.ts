// `inspectRemote`: connects with TLS (no verification) and reports the peer's chain and the negotiated session.
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { inspectCert, type CertInfo } from './inspect.js';
import { derToPem } from './pem.js';

/** How long the connect + handshake may take. */
export const INSPECT_TIMEOUT_MS = 10_000;

/** Most certificates of a peer chain we report (real chains have 1–4). */
const MAX_PEER_CHAIN = 10;

/** What inspectRemote reports. */
export interface RemoteInfo {
  host: string;
  port: number;
  /** e.g. "TLSv1.3". */
  protocol: string;
  /** e.g. "TLS_AES_256_GCM_SHA384". */
  cipher: string;
  /** Negotiated ALPN protocol, when any. */
  alpn?: string;
  /** The peer's chain, leaf first, as it sent it. */
  chain: CertInfo[];
  /** The PEM of each certificate of `chain`. */
  chainPem: string[];
}

/**
 * Opens a TLS connection to host:port (SNI `servername`, default host unless it is an IP),
 * without verifying, and reports protocol, cipher, ALPN and the certificate chain the peer sent.
 * Throws BurrowError(NETWORK) when it cannot connect, TLS when the handshake fails, TIMEOUT after
 * `timeoutMs`.
 */
export function inspectRemote(
  host: string,
  port: number,
  opts: { servername?: string; timeoutMs?: number } = {},
): Promise<RemoteInfo> {
  const timeoutMs = opts.timeoutMs ?? INSPECT_TIMEOUT_MS;
  // SNI carries names only (RFC 6066), never IP literals.
  const servername = opts.servername ?? (isIP(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BurrowError(ErrorCode.TIMEOUT, `no TLS handshake with ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    // `on`, not `once`: a reset after we are done must not become an unhandled error.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code =
        err.code && /^E(CONN|HOST|NET|ADDR|AI_)|^ENOTFOUND|^ETIMEDOUT/.test(err.code)
          ? ErrorCode.NETWORK
          : ErrorCode.TLS;
      reject(new BurrowError(code, `cannot inspect ${host}:${port}: ${errorMessage(err)}`, { cause: err }));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        const chainDer: Buffer[] = [];
        let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
        const seen = new Set<string>();
        while (cert && cert.raw && chainDer.length < MAX_PEER_CHAIN && !seen.has(cert.fingerprint256)) {
          seen.add(cert.fingerprint256);
          chainDer.push(cert.raw);
          cert = cert.issuerCertificate;
        }
        const cipher = socket.getCipher();
        const info: RemoteInfo = {
          host,
          port,
          protocol: socket.getProtocol() ?? 'unknown',
          cipher: cipher.standardName ?? cipher.name,
          chain: chainDer.map((der) => inspectCert(der)),
          chainPem: chainDer.map((der) => derToPem(der, 'CERTIFICATE')),
        };
        if (typeof socket.alpnProtocol === 'string') info.alpn = socket.alpnProtocol;
        socket.end();
        resolve(info);
      } catch (err) {
        socket.destroy();
        reject(err);
      }
    });
  });
}
