// Client side: the files a join writes (key, certificate, CA, frpc.toml) — rendered, then written all or nothing.
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { describeAllowances, type Allowances } from './allowances.js';

/** Random bytes in a temporary file name. */
const TEMP_NAME_BYTES = 6;

/** Remote port of the commented example proxy when the identity may use any port. */
const EXAMPLE_REMOTE_PORT = 6000;

/** Local port of the commented example proxy. */
const EXAMPLE_LOCAL_PORT = 8080;

/** One file to write. */
export interface FileToWrite {
  path: string;
  data: string;
  mode: number;
}

/**
 * Writes every file or none: each goes to a temporary name first (with its final mode, so a key
 * is never readable by others), then all are renamed into place. On a failure the temporary files
 * are removed, and so are files already renamed when they were new (`newFiles`); BurrowError(PKI)
 * names the file.
 */
export async function writeAllOrNothing(files: readonly FileToWrite[], opts: { newFiles: boolean }): Promise<void> {
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${randomBytes(TEMP_NAME_BYTES).toString('hex')}.tmp`));
  const placed: string[] = [];
  let current = '';
  try {
    for (const [i, f] of files.entries()) {
      current = f.path;
      await writeFile(temps[i]!, f.data, { mode: f.mode, flag: 'wx' });
      await chmod(temps[i]!, f.mode);
    }
    for (const [i, f] of files.entries()) {
      current = f.path;
      await rename(temps[i]!, f.path);
      placed.push(f.path);
    }
  } catch (err) {
    await Promise.all([...temps, ...(opts.newFiles ? placed : [])].map((p) => rm(p, { force: true })));
    const replaced = opts.newFiles || placed.length === 0 ? '' : ` (already replaced: ${placed.join(', ')})`;
    throw new BurrowError(ErrorCode.PKI, `cannot write ${current}: ${errorMessage(err)}${replaced}`, { cause: err });
  }
}

/** What frpc.toml is made from. */
export interface ClientConfigFacts {
  identity: string;
  serverAddr: string;
  serverPort: number;
  serverName?: string;
  authToken: string;
  tcpMux: boolean;
  certFile: string;
  keyFile: string;
  caFile: string;
  configFile: string;
  notAfter: string;
  allowances: Allowances;
}

/** A TOML basic string (JSON's escapes are TOML's for these characters). */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** A ready frpc.toml: server, mutual TLS with the enrolled certificate, and a commented example proxy that fits the allowances. */
export function renderClientConfig(f: ClientConfigFacts): string {
  const exampleName = (f.allowances.allowProxies[0] ?? 'example').replace(/\*/g, '1').replace(/\?/g, 'x');
  const examplePort = f.allowances.allowPorts[0]?.start ?? EXAMPLE_REMOTE_PORT;
  const lines = [
    `# burrow client for identity ${tomlString(f.identity)}, written by "burrow client join" on ${new Date().toISOString()}.`,
    `# Start it:  burrow client -c ${f.configFile}`,
    `# The certificate is valid until ${f.notAfter}; the running client renews it, or: burrow client renew -c ${f.configFile}`,
    `serverAddr = ${tomlString(f.serverAddr)}`,
    `serverPort = ${f.serverPort}`,
  ];
  if (f.authToken !== '') lines.push(`auth.token = ${tomlString(f.authToken)}`);
  if (!f.tcpMux) lines.push('transport.tcpMux = false');
  lines.push(
    '',
    '# Mutual TLS: this certificate is who you are; the CA is how you know the server.',
    `transport.tls.certFile = ${tomlString(f.certFile)}`,
    `transport.tls.keyFile = ${tomlString(f.keyFile)}`,
    `transport.tls.trustedCaFile = ${tomlString(f.caFile)}`,
  );
  if (f.serverName) lines.push(`transport.tls.serverName = ${tomlString(f.serverName)}`);
  lines.push(
    '',
    `# This identity may open: ${describeAllowances(f.allowances)}.`,
    '# An example proxy: uncomment it, point localPort at your service, and start the client.',
    '# [[proxies]]',
    `# name = ${tomlString(exampleName)}`,
    '# type = "tcp"',
    '# localIP = "127.0.0.1"',
    `# localPort = ${EXAMPLE_LOCAL_PORT}`,
    `# remotePort = ${examplePort}`,
    '',
  );
  return lines.join('\n');
}
