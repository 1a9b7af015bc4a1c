// The enrollment files: JSON read with a schema, written atomically (0600), under an in-process and a cross-process lock.
import { open, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { exists, readTextFile, writeFileAtomic } from '../pki/files.js';
import { ENROLL_FILE_MODE, LOCK_RETRY_MS, LOCK_STALE_MS, LOCK_TIMEOUT_MS } from './constants.js';

/** Tail of each in-process critical section, per absolute file path. */
const inProcess = new Map<string, Promise<unknown>>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Creates FILE.lock exclusively, waiting for another process's lock (removing a stale one). */
async function takeLockFile(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx', ENROLL_FILE_MODE);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BurrowError(ErrorCode.PKI, `cannot create lock file ${lock}: ${errorMessage(err)}`, { cause: err });
      }
    }
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > LOCK_STALE_MS) {
      // Left by a process that crashed inside its critical section.
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new BurrowError(ErrorCode.TIMEOUT, `${lock} is held by another burrow process for more than ${LOCK_TIMEOUT_MS} ms; remove it if no burrow command is running`);
    }
    await sleep(LOCK_RETRY_MS);
  }
}

/**
 * Runs `body` while holding the lock of `file`: callers in this process run one after another, and
 * other processes (the CLI beside a running server) wait on FILE.lock. Read, change and write the
 * file inside `body` so no update is lost and a token is consumed once.
 */
export async function withFileLock<T>(file: string, body: () => Promise<T>): Promise<T> {
  const key = resolve(file);
  const previous = inProcess.get(key) ?? Promise.resolve();
  const run = previous.then(async () => {
    const lock = `${key}.lock`;
    await takeLockFile(lock);
    try {
      return await body();
    } finally {
      await rm(lock, { force: true });
    }
  });
  // The chain continues whether this body succeeds or fails; the caller gets the outcome.
  const tail = run.catch(() => undefined);
  inProcess.set(key, tail);
  void tail.then(() => {
    if (inProcess.get(key) === tail) inProcess.delete(key);
  });
  return run;
}

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
    throw new BurrowError(ErrorCode.PKI, `${what} ${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** Writes JSON atomically with mode 0600. */
export async function writeJsonFile(file: string, data: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, ENROLL_FILE_MODE);
}
