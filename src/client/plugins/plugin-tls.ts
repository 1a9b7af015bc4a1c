// The TLS server side of the https2http, https2https and tls2raw plugins: their certificate (files or generated) and handshakes.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from '../../tls/constants.js';
import { generateEphemeralServerCert } from '../../tls/ephemeral-cert.js';
import { awaitHandshake } from '../../tls/handshake.js';
import { checkCertKeyPair } from '../../tls/key-material.js';

/** Largest certificate or key file a plugin reads: a long chain fits easily; anything bigger is a wrong path. */
const MAX_PLUGIN_PEM_BYTES = 4 * 1024 * 1024;

/** A user's TLS handshake with a plugin must finish within this (frp's http.Server: ReadHeaderTimeout 60 s covers it). */
export const PLUGIN_TLS_HANDSHAKE_TIMEOUT_MS = 60_000;

/** What a TLS-terminating plugin is configured with. */
export interface PluginTlsOptions {
  crtPath: string;
  keyPath: string;
  /** ALPN protocols offered, most preferred first (none: no ALPN). */
  alpn: readonly string[];
}

/** Why a file could not be read, in words (the path is already in the message). */
function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return errorMessage(err);
}

/** Reads a PEM file synchronously (the plugin factory is synchronous) with a size bound; throws BurrowError PLUGIN naming it. */
function readPem(file: string, key: 'crtPath' | 'keyPath'): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size > MAX_PLUGIN_PEM_BYTES) {
      throw new BurrowError(
        ErrorCode.PLUGIN,
        `${key} ${file} is ${size} bytes; expected a PEM file of at most ${MAX_PLUGIN_PEM_BYTES} bytes`,
      );
    }
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw new BurrowError(ErrorCode.PLUGIN, `cannot read ${key} ${file}: ${readFailure(err)}`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A secure context with burrow's TLS floor and ciphers; throws BurrowError PLUGIN when OpenSSL refuses the pair. */
function contextOf(certPem: string, keyPem: string, what: string): tls.SecureContext {
  try {
    return tls.createSecureContext({
      cert: certPem,
      key: keyPem,
      minVersion: MIN_TLS_VERSION,
      ciphers: INTERMEDIATE_CIPHERS,
      honorCipherOrder: true,
    });
  } catch (err) {
    throw new BurrowError(ErrorCode.PLUGIN, `${what}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * The certificate a plugin serves. crtPath and keyPath both set: read and checked now (missing,
 * unreadable, not PEM, key not matching → BurrowError PLUGIN naming the file). Either empty: an
 * in-memory self-signed certificate, as frp (transport.NewServerTLSConfig) does; it is generated
 * in the background and handshakes wait for it.
 */
export class PluginTls {
  private context: tls.SecureContext | undefined;
  private readonly pending: Promise<tls.SecureContext> | undefined;
  private readonly alpn: string[];

  constructor(options: PluginTlsOptions, logger: Logger, proxyName: string) {
    this.alpn = [...options.alpn];
    const { crtPath, keyPath } = options;
    if (crtPath !== '' && keyPath !== '') {
      const certPem = readPem(crtPath, 'crtPath');
      const keyPem = readPem(keyPath, 'keyPath');
      try {
        checkCertKeyPair(certPem, crtPath, keyPem, keyPath);
      } catch (err) {
        throw new BurrowError(ErrorCode.PLUGIN, errorMessage(err), { cause: err });
      }
      this.context = contextOf(certPem, keyPem, `crtPath ${crtPath} / keyPath ${keyPath}`);
      return;
    }
    if (crtPath !== '' || keyPath !== '') {
      // frp ignores a lone crtPath or keyPath and generates a certificate; say so rather than surprise.
      const [set, unset] = crtPath !== '' ? ['crtPath', 'keyPath'] : ['keyPath', 'crtPath'];
      logger.warn({ proxy: proxyName }, `plugin ${set} is set but ${unset} is not: serving a generated certificate`);
    }
    this.pending = generateEphemeralServerCert().then(({ certPem, keyPem }) => {
      this.context = contextOf(certPem, keyPem, 'generated certificate');
      return this.context;
    });
    // A failure is reported by every handshake that waits for it; this only keeps it from being unhandled.
    this.pending.catch(() => undefined);
  }

  /** Runs the server side of a handshake on `conn`; resolves with the TLS socket, or rejects (conn destroyed). */
  async accept(conn: Duplex): Promise<tls.TLSSocket> {
    let context = this.context;
    if (context === undefined) {
      try {
        context = await this.pending!;
      } catch (err) {
        conn.destroy();
        throw err;
      }
    }
    const socket = new tls.TLSSocket(conn, {
      isServer: true,
      secureContext: context,
      ...(this.alpn.length > 0 ? { ALPNProtocols: this.alpn } : {}),
    });
    // Both layers are ours: an error on either destroys both (also in the gap before a reader takes the socket).
    conn.on('error', () => conn.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => conn.destroy());
    await awaitHandshake(socket, {
      event: 'secure',
      timeoutMs: PLUGIN_TLS_HANDSHAKE_TIMEOUT_MS,
      peerCertificate: 'client certificate',
      peer: 'client',
    });
    // What Node's own tls.Server does before 'secureConnection': the http2 session reads this flag.
    (socket as tls.TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
    return socket;
  }
}
