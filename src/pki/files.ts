// File helpers for PKI material: bounded reads, atomic writes, 0600 keys, 0700 directories, no silent overwrite.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';

/** Largest PKI file we read (certificate, key, CRL, index): anything bigger is a wrong path. */
export const MAX_PKI_FILE_BYTES = 4 * 1024 * 1024;

/** Mode of private key files: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;

/** Mode of public files (certificates, CRLs, the index). */
export const PUBLIC_FILE_MODE = 0o644;

/** Mode of a CA directory we create: owner only, since it holds the CA key. */
export const PRIVATE_DIR_MODE = 0o700;

/** Bytes of randomness in a temporary file name. */
const TEMP_NAME_BYTES = 6;

/** True when `file` exists (any type, links not followed). */
export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new BurrowError(ErrorCode.PKI, `cannot check ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Reads a file of at most MAX_PKI_FILE_BYTES; throws BurrowError(PKI) naming `what` and the file. */
export async function readPkiFile(file: string, what: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `cannot read ${what} ${file}: ${errorMessage(err)}`, { cause: err });
  }
  if (buf.length > MAX_PKI_FILE_BYTES) {
    throw new BurrowError(
      ErrorCode.PKI,
      `${what} ${file} is ${buf.length} bytes; expected at most ${MAX_PKI_FILE_BYTES}`,
    );
  }
  return buf;
}

/** Reads a text file of at most MAX_PKI_FILE_BYTES; throws BurrowError(PKI) naming `what` and the file. */
export async function readTextFile(file: string, what: string): Promise<string> {
  return (await readPkiFile(file, what)).toString('utf8');
}

/** Creates `dir` (and parents) with mode 0700 when missing; an existing directory is left as it is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  if (await exists(dir)) return;
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(dir, PRIVATE_DIR_MODE); // the umask may have narrowed the mode; make it exact
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `cannot create directory ${dir}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Throws BurrowError(PKI) naming the first of `files` that exists (we never overwrite silently). */
export async function refuseExisting(files: readonly string[], hint: string): Promise<void> {
  for (const file of files) {
    if (await exists(file)) throw new BurrowError(ErrorCode.PKI, `${file} already exists; ${hint}`);
  }
}

/**
 * Writes `data` to `file` atomically (temporary file in the same directory, then rename) with
 * exactly `mode`, so a key is never readable by others, even for a moment, and a crash never
 * leaves half a file.
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(TEMP_NAME_BYTES).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new BurrowError(ErrorCode.PKI, `cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
}
