// Keys frp reads but never uses (burrow reads them too): a warning for those that look like they would secure something.
import type { ClientTopInput, ServerInput } from './schema.js';

/** The warning's reason, after the key. */
const UNUSED_BY_FRP = 'has no effect (frp reads it but does not use it either); ignored';

/** The keys of a [webServer].tls table that frp's admin server never reads (it loads only certFile and keyFile). */
function webServerTls(web: ServerInput['webServer'] | ClientTopInput['webServer']): string[] {
  const tls = web?.tls;
  const keys: string[] = [];
  if (tls?.trustedCaFile !== undefined && tls.trustedCaFile !== '') keys.push('webServer.tls.trustedCaFile');
  if (tls?.serverName !== undefined && tls.serverName !== '') keys.push('webServer.tls.serverName');
  return keys;
}

/**
 * One warning per set key that frp ignores: webServer.tls.trustedCaFile / serverName (no client
 * certificates on the admin API, no name to check) and, on the server, transport.tls.serverName
 * (frps uses no server name: it presents its certificate whatever name a client asks for).
 */
export function noEffectWarnings(
  input: ServerInput | ClientTopInput,
  file: string,
  role: 'server' | 'client',
): string[] {
  const keys = webServerTls(input.webServer);
  if (role === 'server') {
    const name = (input as ServerInput).transport?.tls?.serverName;
    if (name !== undefined && name !== '') keys.unshift('transport.tls.serverName');
  }
  return keys.map((key) => `${file}: ${key}: ${UNUSED_BY_FRP}`);
}
