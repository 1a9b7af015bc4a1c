// The state directory and the generated server identity (server.crt + server.key) persisted in it.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { withFileLock } from '../pki/file-lock.js';
import { certFingerprint } from '../pki/fingerprint.js';
import { CERT_FILE_MODE, KEY_FILE_MODE, SERVER_CERT_FILE, SERVER_KEY_FILE, STATE_DIR_MODE } from './constants.js';
import { checkCertKeyPair, readPemFile } from './key-material.js';

/** Name of burrow's folder under the platform's state/data directory. */
const APP_DIR_NAME = 'burrow';

/** Random bytes in a temporary file name, so concurrent writers never share one. */
const TMP_SUFFIX_BYTES = 6;

/** The generated (or previously generated) server identity and where it lives. */
export interface ServerIdentity {
  certPem: string;
  keyPem: string;
  /** "sha256:<hex>" of the certificate. */
  fingerprint: string;
  /** True when this call generated the files; false when it reused existing ones. */
  created: boolean;
  certFile: string;
  keyFile: string;
}

/**
 * burrow's state directory: $BURROW_STATE_DIR, else $XDG_STATE_HOME/burrow (absolute paths
 * only, per the XDG spec), else ~/.local/state/burrow; on Windows %LOCALAPPDATA%\burrow.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BURROW_STATE_DIR) return env.BURROW_STATE_DIR;
  if (process.platform === 'win32') {
    return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), APP_DIR_NAME);
  }
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, APP_DIR_NAME);
  return join(env.HOME || homedir(), '.local', 'state', APP_DIR_NAME);
}

/** True when `file` exists (any type); other stat failures are reported, not hidden. */
async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new BurrowError(ErrorCode.TLS, `cannot access ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Writes `data` to `file` atomically: a fresh temporary file created with `mode` (so a key is
 * never readable by others, even briefly), flushed, then renamed over the final name.
 */
async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(TMP_SUFFIX_BYTES).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new BurrowError(ErrorCode.TLS, `cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Reads the identity both files hold, checking that they parse and match. */
async function loadIdentity(certFile: string, keyFile: string): Promise<ServerIdentity> {
  const [certPem, keyPem] = await Promise.all([
    readPemFile(certFile, 'server certificate'),
    readPemFile(keyFile, 'server key'),
  ]);
  checkCertKeyPair(certPem, certFile, keyPem, keyFile);
  return { certPem, keyPem, fingerprint: certFingerprint(certPem), created: false, certFile, keyFile };
}

/** The error for a state directory holding one of the two files. */
function halfIdentity(haveCert: boolean, certFile: string, keyFile: string): BurrowError {
  const [present, missing] = haveCert ? [certFile, keyFile] : [keyFile, certFile];
  return new BurrowError(
    ErrorCode.TLS,
    `${missing} is missing but ${present} exists; restore it, or remove ${present} to generate a new server identity`,
  );
}

/**
 * Loads the server identity from `stateDir/server.crt` + `stateDir/server.key`, or generates and
 * stores one when neither exists (directory created 0700, key written 0600), so the fingerprint
 * stays the same across restarts. When only one file exists, or they do not parse or match,
 * throws BurrowError(TLS) naming the file: a user's key is never overwritten. Generation runs
 * under a lock file (server.crt.lock), so servers started at once on a fresh state directory
 * agree on one identity: the first generates it, the others wait and load it.
 */
export async function loadOrCreateServerIdentity(stateDir: string): Promise<ServerIdentity> {
  const certFile = join(stateDir, SERVER_CERT_FILE);
  const keyFile = join(stateDir, SERVER_KEY_FILE);
  const [haveCert, haveKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (haveCert && haveKey) return loadIdentity(certFile, keyFile);

  try {
    await mkdir(stateDir, { recursive: true, mode: STATE_DIR_MODE });
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `cannot create state directory ${stateDir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return withFileLock(certFile, async () => {
    // Looked at again under the lock: another server may have generated them meanwhile.
    const [cert, key] = await Promise.all([exists(certFile), exists(keyFile)]);
    if (cert && key) return loadIdentity(certFile, keyFile);
    if (cert !== key) throw halfIdentity(cert, certFile, keyFile);
    // Loaded only here: certificate generation needs @peculiar/x509, which a server with its identity never loads.
    const { generateSelfSignedServerCert } = await import('../pki/self-signed.js');
    const { certPem, keyPem } = await generateSelfSignedServerCert();
    // Key first: a crash between the two writes leaves a lone key, which the next start reports.
    await writeFileAtomic(keyFile, keyPem, KEY_FILE_MODE);
    await writeFileAtomic(certFile, certPem, CERT_FILE_MODE);
    return { certPem, keyPem, fingerprint: certFingerprint(certPem), created: true, certFile, keyFile };
  });
}
