// The enrollment files: JSON read with a schema, written atomically (0600), under an in-process and a cross-process lock (../pki/file-lock.ts).
import type { z } from 'zod';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { exists, readTextFile, writeFileAtomic } from '../pki/files.js';
import { ENROLL_FILE_MODE } from './constants.js';

export { acquireLock, releaseLock, withFileLock, type HeldLock, type LockTiming } from '../pki/file-lock.js';

/** Reads a JSON file checked by `schema`; a missing file gives `empty()`. Throws BurrowError(PKI) naming the file and field. */
export async function readJsonFile<T>(file: string, what: string, schema: z.ZodType<T>, empty: () => T): Promise<T> {
  if (!(await exists(file))) return empty();
  const text = await readTextFile(file, what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `${what} ${file} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BurrowError(
      ErrorCode.PKI,
      `${what} ${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Writes JSON atomically with mode 0600. */
export async function writeJsonFile(file: string, data: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, ENROLL_FILE_MODE);
}
