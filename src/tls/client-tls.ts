// Client-side TLS: connection options from settings, the handshake (with optional 0x17 byte) and the peer fingerprint.
import * as tls from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { certFingerprint, parseFingerprint } from '../pki/fingerprint.js';
import { CUSTOM_TLS_FIRST_BYTE, HANDSHAKE_TIMEOUT_MS, INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from './constants.js';
import { checkCertKeyPair, readPemFile } from './key-material.js';
import { loadTrustedCa } from './trust.js';
import { awaitHandshake } from './handshake.js';

/** The client's TLS settings (transport.tls.* of the client config, plus serverAddr). */
export interface ClientTlsSettings {
  enable: boolean;
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  serverName: string;
  serverAddr: string;
  disableCustomTLSFirstByte: boolean;
  /** burrow's own: the CA inline (PEM, hex: or base64: DER). */
  trustedCaData?: string;
  /** burrow's own: "sha256:…" the server certificate must have; "" = no pin. */
  serverFingerprint?: string;
  /** burrow's own: auto (verify when a CA or pin is set), full (always; system roots without a CA), none. */
  verify?: 'auto' | 'full' | 'none';
}

/** What the client will check about the server, decided from the settings. */
export interface ClientTls {
  options: tls.ConnectionOptions;
  /** True when the server is verified at all (by a CA chain, system roots or a pin). */
  verifies: boolean;
  /** The pinned fingerprint (canonical "sha256:<hex>"), when set. */
  pin?: string;
  /** One line saying how the server is verified, for the log at login. */
  mode: string;
}

/** The one-byte buffer sent before the ClientHello; shared, never mutated. */
const CUSTOM_FIRST_BYTE_BUF = Buffer.of(CUSTOM_TLS_FIRST_BYTE);

/**
 * Builds `tls.connect` options. The name checked (and sent as SNI unless it is an IP, which
 * Node and RFC 6066 forbid as SNI) is serverName, else serverAddr. certFile + keyFile: a client
 * certificate (both or neither). A CA (trustedCaFile and/or trustedCaData): the chain must lead
 * to it and the name must match — a client that finds a CA verifies (SkyWalking's rule).
 * serverFingerprint: the server certificate must have that SHA-256 (checked by connectTls), with
 * or without a CA. verify = "full" without a CA uses the system roots; verify = "none" checks
 * nothing even when a CA is set. Otherwise nothing is verified (verifies = false) and the caller
 * warns and prints the peer fingerprint. TLS 1.2 minimum, Mozilla intermediate ciphers. `enable`
 * is not consulted: the caller decides whether to use TLS at all.
 */
export async function buildClientTlsOptions(settings: ClientTlsSettings): Promise<ClientTls> {
  const { certFile, keyFile, trustedCaFile } = settings;
  const verify = settings.verify ?? 'auto';
  const name = settings.serverName || settings.serverAddr;
  const options: tls.ConnectionOptions = {
    // `host` is what Node checks the certificate against when no SNI is sent (IP addresses).
    host: name,
    minVersion: MIN_TLS_VERSION,
    ciphers: INTERMEDIATE_CIPHERS,
  };
  if (name && isIP(name) === 0) options.servername = name;

  if ((certFile === '') !== (keyFile === '')) {
    const [set, unset] = certFile ? ['certFile', 'keyFile'] : ['keyFile', 'certFile'];
    throw new BurrowError(
      ErrorCode.TLS,
      `transport.tls.${set} is set but transport.tls.${unset} is not; set both or neither`,
    );
  }
  if (certFile) {
    const [cert, key] = await Promise.all([
      readPemFile(certFile, 'certificate file'),
      readPemFile(keyFile, 'private key file'),
    ]);
    checkCertKeyPair(cert, certFile, key, keyFile);
    options.cert = cert;
    options.key = key;
  }

  const pin = settings.serverFingerprint ? parseFingerprint(settings.serverFingerprint) : undefined;
  const ca = await loadTrustedCa(trustedCaFile, settings.trustedCaData ?? '');
  if (verify === 'none') {
    options.rejectUnauthorized = false;
    return { options, verifies: false, mode: 'not verified (transport.tls.verify = "none")' };
  }
  if (ca !== undefined || verify === 'full') {
    if (ca !== undefined) options.ca = ca;
    options.rejectUnauthorized = true;
    options.checkServerIdentity = tls.checkServerIdentity;
    const by = ca !== undefined ? 'the configured CA' : 'the system CAs';
    return {
      options,
      verifies: true,
      ...(pin ? { pin } : {}),
      mode: `chain verified against ${by}, name ${name}${pin ? `, pinned to ${pin}` : ''}`,
    };
  }
  options.rejectUnauthorized = false;
  if (pin) return { options, verifies: true, pin, mode: `pinned to ${pin}` };
  return { options, verifies: false, mode: 'not verified (no CA and no pin configured)' };
}

/**
 * Runs the client side of a TLS handshake over a connected socket, writing the 0x17 byte first
 * when `customFirstByte`. Resolves on 'secureConnect'; on failure destroys the socket and rejects
 * with BurrowError(TLS) giving the precise reason, or TIMEOUT. Note: under TLS 1.3 a server that
 * refuses our client certificate does so after this resolves (the error arrives on the socket).
 */
export function connectTls(
  socket: Duplex,
  options: tls.ConnectionOptions,
  opts: { customFirstByte: boolean; timeoutMs?: number; pin?: string },
): Promise<tls.TLSSocket> {
  const timeoutMs = opts.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  const name = options.servername || options.host || '';
  if (opts.customFirstByte) socket.write(CUSTOM_FIRST_BYTE_BUF);
  // The TLS socket takes allowHalfOpen from `socket` (Node's TLSSocket copies it when wrapping).
  const tlsSocket = tls.connect({ ...options, socket });
  return awaitHandshake(tlsSocket, {
    event: 'secureConnect',
    timeoutMs,
    peerCertificate: 'server certificate',
    peer: 'server',
    name,
    check: () => {
      if (!opts.pin) return undefined;
      const seen = peerFingerprint(tlsSocket);
      return seen === opts.pin
        ? undefined
        : new BurrowError(
            ErrorCode.TLS,
            `server certificate fingerprint mismatch: expected ${opts.pin}, got ${seen ?? 'no certificate'}`,
          );
    },
  });
}

/** "sha256:<hex>" of the certificate the peer presented, or undefined when it presented none. */
export function peerFingerprint(socket: tls.TLSSocket): string | undefined {
  const cert = socket.getPeerX509Certificate();
  return cert ? certFingerprint(cert.raw) : undefined;
}
