// `burrow probe`: one TLS handshake with a server, reporting what seed 004's server logs — version, cipher, chain, verdict.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { certFingerprint } from '../pki/fingerprint.js';
import { HANDSHAKE_TIMEOUT_MS, MIN_TLS_VERSION } from './constants.js';
import { tlsError } from './tls-errors.js';

/** The longest chain walked; a loop in issuer links stops here. */
const MAX_CHAIN_LENGTH = 10;

export interface ProbeOptions {
  host: string;
  port: number;
  /** CA file to verify against; without it the system CAs are used. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Name to send as SNI and to check; default: host. */
  servername?: string;
  /** Send frp's 0x17 byte first (a burrow/frp server accepts both). */
  customFirstByte?: boolean;
  timeoutMs?: number;
}

/** One certificate of the peer's chain. */
export interface ProbeCert {
  subject: string;
  issuer: string;
  subjectAltName: string;
  validFrom: string;
  validTo: string;
  fingerprint: string;
}

export interface ProbeResult {
  protocol: string;
  cipher: string;
  alpn: string;
  chain: ProbeCert[];
  /** Chain and name both check out. */
  verified: boolean;
  /** Why not, when not. */
  reason?: string;
}

/** Connects, completes the handshake without refusing anything, and reports what was seen and whether it verifies. */
export async function probeTls(options: ProbeOptions): Promise<ProbeResult> {
  const name = options.servername ?? options.host;
  const connectOptions: tls.ConnectionOptions = {
    host: options.host,
    port: options.port,
    minVersion: MIN_TLS_VERSION,
    rejectUnauthorized: false,
    ...(isIP(name) === 0 ? { servername: name } : {}),
    ...(options.caFile ? { ca: await readFile(options.caFile, 'utf8') } : {}),
    ...(options.certFile ? { cert: await readFile(options.certFile, 'utf8') } : {}),
    ...(options.keyFile ? { key: await readFile(options.keyFile, 'utf8') } : {}),
  };
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(connectOptions);
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new BurrowError(
          ErrorCode.TIMEOUT,
          `no TLS handshake with ${options.host}:${options.port} within ${options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS} ms`,
        ),
      );
    }, options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(tlsError(err, 'server certificate', name));
    });
  });
  try {
    const chain = peerChain(socket);
    let reason: string | undefined;
    if (!socket.authorized) {
      reason = tlsError(
        Object.assign(new Error(String(socket.authorizationError)), { code: socket.authorizationError }),
        'server certificate',
        name,
      ).message;
    } else {
      const nameError = tls.checkServerIdentity(name, socket.getPeerCertificate());
      if (nameError) reason = tlsError(nameError, 'server certificate', name).message;
    }
    return {
      protocol: socket.getProtocol() ?? '',
      cipher: socket.getCipher()?.standardName ?? '',
      alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : '',
      chain,
      verified: reason === undefined,
      ...(reason !== undefined ? { reason } : {}),
    };
  } finally {
    socket.destroy();
  }
}

/** The peer's certificates, leaf first, as the server sent them (plus the root when Node found it). */
function peerChain(socket: tls.TLSSocket): ProbeCert[] {
  const out: ProbeCert[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && out.length < MAX_CHAIN_LENGTH) {
    const fingerprint = certFingerprint(cert.raw);
    if (seen.has(fingerprint)) break;
    seen.add(fingerprint);
    out.push({
      subject: dn(cert.subject),
      issuer: dn(cert.issuer),
      subjectAltName: cert.subjectaltname ?? '',
      validFrom: cert.valid_from,
      validTo: cert.valid_to,
      fingerprint,
    });
    cert = cert.issuerCertificate;
  }
  return out;
}

function dn(name: tls.Certificate | undefined): string {
  if (!name) return '';
  try {
    return Object.entries(name)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
      .join(', ');
  } catch (err) {
    return `(${errorMessage(err)})`;
  }
}
