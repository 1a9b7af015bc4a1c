// Client side: the files a join writes (key, certificate, CA, frpc.toml) — rendered, then written all or nothing.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, link, rename, rm, writeFile } from 'node:fs/promises';
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

/** A temporary name beside `path`. */
function besidePath(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(TEMP_NAME_BYTES).toString('hex')}.${suffix}`);
}

/**
 * Writes every file or none: each goes to a temporary name first (with its final mode, so a key
 * is never readable by others), an existing file is kept under a second name (a hard link or a
 * copy; it stays in place too), then all are renamed into place. On a failure the temporary files are
 * removed and every file already renamed is undone: the old one put back, a new one removed — so
 * a renewal never leaves a new key beside the old certificate. BurrowError(PKI) names the file,
 * and any file that could not be put back.
 */
export async function writeAllOrNothing(files: readonly FileToWrite[]): Promise<void> {
  const temps = files.map((f) => besidePath(f.path, 'tmp'));
  const backups: (string | undefined)[] = files.map(() => undefined);
  const placed: number[] = [];
  let current = '';
  try {
    for (const [i, f] of files.entries()) {
      current = f.path;
      await writeFile(temps[i]!, f.data, { mode: f.mode, flag: 'wx' });
      await chmod(temps[i]!, f.mode);
    }
    for (const [i, f] of files.entries()) {
      current = f.path;
      backups[i] = await keepOld(f.path);
    }
    for (const [i, f] of files.entries()) {
      current = f.path;
      await rename(temps[i]!, f.path);
      placed.push(i);
    }
  } catch (err) {
    const notRestored = await undo(files, placed, backups);
    await Promise.all(temps.map((p) => rm(p, { force: true })));
    const left = notRestored.length === 0 ? '' : ` (could not put back: ${notRestored.join('; ')})`;
    throw new BurrowError(ErrorCode.PKI, `cannot write ${current}: ${errorMessage(err)}${left}`, { cause: err });
  }
  await Promise.all(backups.filter((b) => b !== undefined).map((b) => rm(b, { force: true })));
}

/** Keeps an existing file under a second name (a hard link, else a copy); undefined when there is none. */
async function keepOld(path: string): Promise<string | undefined> {
  const backup = besidePath(path, 'old');
  try {
    await link(path, backup);
    return backup;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // Some file systems have no hard links: a copy keeps the old content (and mode) just as well.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  }
  await copyFile(path, backup, constants.COPYFILE_EXCL);
  return backup;
}

/** Undoes the renames of a failed writeAllOrNothing: old files back, new ones removed; returns what failed, with why. */
async function undo(
  files: readonly FileToWrite[],
  placed: readonly number[],
  backups: readonly (string | undefined)[],
): Promise<string[]> {
  const failed: string[] = [];
  for (const i of placed) {
    const path = files[i]!.path;
    const backup = backups[i];
    try {
      if (backup === undefined) await rm(path, { force: true });
      else await rename(backup, path);
    } catch (err) {
      failed.push(`${path}: ${errorMessage(err)}${backup === undefined ? '' : `; the old file is ${backup}`}`);
    }
  }
  // Backups of files never replaced are extra links to files still in place.
  for (const [i, backup] of backups.entries()) {
    if (backup !== undefined && !placed.includes(i)) await rm(backup, { force: true });
  }
  return failed;
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
