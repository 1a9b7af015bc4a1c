// The server's TLS material from its config: loading it, and the files watched for changes.
import type { ServerConfig, TlsServerConfig } from '../config/index.js';
import { buildServerTls, defaultStateDir, type ServerTls } from '../tls/index.js';

/** Builds the server TLS set-up of a config (certificate or generated identity, client CA, CRL). */
export function loadServerTls(config: ServerConfig): Promise<ServerTls> {
  const t = config.transport.tls;
  return buildServerTls({
    certFile: t.certFile,
    keyFile: t.keyFile,
    trustedCaFile: t.trustedCaFile,
    trustedCaData: t.trustedCaData,
    crlFile: t.crlFile,
    force: t.force,
    stateDir: config.stateDir || defaultStateDir(),
  });
}

/** The TLS files a server watches for changes (unset ones are skipped by watchFiles). */
export function tlsFiles(t: TlsServerConfig): string[] {
  return [t.certFile, t.keyFile, t.trustedCaFile, t.crlFile];
}
