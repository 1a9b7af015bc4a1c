// The store file (frp's [store] path): `{ "proxies": [...], "visitors": [...] }`, read bounded, written atomically with mode 0600.
import { open, readFile, rename, unlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { parseFileEntry, type StoredEntry } from './store-definition.js';
import { isJsonObject } from './store-format.js';

/** Largest store file read (bytes); a larger one is refused rather than read into memory. */
export const MAX_STORE_FILE_BYTES = 16 * 1024 * 1024;

/** Mode of the store file and its temporary twin: it may hold secret keys and passwords (frp writes 0600). */
export const STORE_FILE_MODE = 0o600;

/** Mode of a store directory created on the first write (frp's 0755). */
const STORE_DIR_MODE = 0o755;

/** The entries of a store file. */
export interface StoreContents {
  proxies: StoredEntry[];
  visitors: StoredEntry[];
}

function storeError(file: string, message: string, cause?: unknown): BurrowError {
  return new BurrowError(ErrorCode.CONFIG, `store ${file}: ${message}`, { cause });
}

/** Reads the store file; a missing one is an empty store (as frp). Throws BurrowError CONFIG when unreadable or invalid. */
export async function readStoreFile(file: string): Promise<StoreContents> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_STORE_FILE_BYTES)
        throw storeError(file, `${size} bytes is over the limit of ${MAX_STORE_FILE_BYTES} bytes`);
      text = await readFile(handle, 'utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { proxies: [], visitors: [] };
    if (err instanceof BurrowError) throw err;
    throw storeError(file, `cannot read: ${errorMessage(err)}`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw storeError(file, `failed to parse JSON: ${errorMessage(err)}`, err);
  }
  if (!isJsonObject(parsed)) throw storeError(file, 'failed to parse JSON: expected a JSON object');
  const list = (key: 'proxies' | 'visitors', kind: 'proxy' | 'visitor'): StoredEntry[] => {
    const raw = parsed[key];
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw storeError(file, `${key}: expected an array`);
    return raw.map((item: unknown, i) => parseFileEntry(kind, item, `store ${file}: ${key}[${i}]`));
  };
  return { proxies: list('proxies', 'proxy'), visitors: list('visitors', 'visitor') };
}

/** The file's text: frp's MarshalIndent with two spaces, empty lists left out (omitempty). */
export function storeFileText(contents: StoreContents): string {
  const out: Record<string, unknown> = {};
  if (contents.proxies.length > 0) out.proxies = contents.proxies.map((e) => e.entry);
  if (contents.visitors.length > 0) out.visitors = contents.visitors.map((e) => e.entry);
  return JSON.stringify(out, null, 2);
}

/**
 * Writes the store: a temporary file beside it (mode 0600, synced), then renamed over it, so a
 * crash leaves the old file or the new one, never half of one. Throws BurrowError INTERNAL.
 */
export async function writeStoreFile(file: string, contents: StoreContents): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: STORE_DIR_MODE });
    const handle = await open(tmp, 'w', STORE_FILE_MODE);
    try {
      // open() keeps the mode of a temporary file left by a crash: set it again.
      await handle.chmod(STORE_FILE_MODE);
      await handle.writeFile(storeFileText(contents), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // The write's error is the one reported; a temporary file that is already gone needs no cleanup.
    await unlink(tmp).catch(() => undefined);
    throw new BurrowError(ErrorCode.INTERNAL, `store ${file}: failed to persist: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
