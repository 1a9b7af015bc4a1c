// Cross-process file locks: a lock file created exclusively, refreshed while held, taken over when stale; one holder per path in-process too.
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, utimes } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { SECRET_FILE_MODE } from './files.js';

/** How long a process waits for another one's lock. */
export const LOCK_TIMEOUT_MS = 5_000;

/** Pause between attempts to take a busy lock. */
export const LOCK_RETRY_MS = 20;

/** A lock file not refreshed for this long is left over from a crash and may be taken over. */
export const LOCK_STALE_MS = 30_000;

/** How often a holder refreshes its lock file's time: well inside LOCK_STALE_MS, so a long critical section keeps its lock. */
export const LOCK_HEARTBEAT_MS = LOCK_STALE_MS / 3;

/** Random bytes of the owner value written into a lock file (and of the names a lock is moved aside to). */
export const LOCK_OWNER_BYTES = 16;

/** Mode of a lock file: it holds only a pid and a random value, but nobody else needs to read it. */
const LOCK_FILE_MODE = SECRET_FILE_MODE;

/** Tail of each in-process critical section, per absolute file path. */
const inProcess = new Map<string, Promise<unknown>>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** A unique value: "<pid> <random hex>", written into a lock file by whoever takes it. */
function newOwner(): string {
  return `${process.pid} ${randomBytes(LOCK_OWNER_BYTES).toString('hex')}`;
}

/** A unique name beside `path` (for moving a lock aside). */
function besidePath(path: string, suffix: string): string {
  return `${path}.${randomBytes(LOCK_OWNER_BYTES).toString('hex')}.${suffix}`;
}

function lockError(path: string, what: string, err: unknown): BurrowError {
  return new BurrowError(ErrorCode.PKI, `cannot ${what} lock file ${path}: ${errorMessage(err)}`, { cause: err });
}

/** Creates `path` exclusively holding `owner`; false when it exists already. */
async function createExclusive(path: string, owner: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', LOCK_FILE_MODE);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw lockError(path, 'create', err);
  }
  try {
    await fh.writeFile(owner);
    await fh.close();
    return true;
  } catch (err) {
    // The write's error is the one to report; a close failing after it adds nothing.
    await fh.close().catch(() => undefined);
    // We created it: a half-written lock must not block others until it goes stale.
    await rm(path, { force: true });
    throw lockError(path, 'write', err);
  }
}

/** Who holds a lock file and how long since it was last refreshed; undefined when there is none. */
async function lockState(path: string): Promise<{ owner: string; ageMs: number } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw lockError(path, 'read', err);
  }
  try {
    // Owner and age of one and the same file (one handle), even if the name is replaced meanwhile.
    const [s, owner] = [await fh.stat(), await fh.readFile('utf8')];
    return { owner, ageMs: Date.now() - s.mtimeMs };
  } catch (err) {
    throw lockError(path, 'read', err);
  } finally {
    await fh.close();
  }
}

/**
 * Removes `path` only if it holds `owner`: moves it aside in one atomic rename, looks at what was
 * moved, and puts back (with link, which never replaces a file) one that held something else.
 * True when it removed it. Throws BurrowError(PKI) when a lock it must put back was replaced meanwhile.
 */
async function removeIfHolds(path: string, owner: string): Promise<boolean> {
  const aside = besidePath(path, 'old');
  try {
    await rename(path, aside);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw lockError(path, 'move', err);
  }
  try {
    if ((await lockState(aside))?.owner === owner) return true;
    try {
      await link(aside, path);
    } catch (err) {
      throw lockError(path, 'put back', err);
    }
    return false;
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * Removes a stale lock that still holds `staleOwner`. One process at a time does so: it must
 * first create FILE.lock.takeover exclusively (a takeover gate left by a crash goes stale too).
 * Without the gate, two processes that both saw the lock stale could each remove it, and the
 * slower one would remove the lock the faster one had just taken. True when it removed it.
 */
async function removeStale(path: string, staleOwner: string, staleMs: number): Promise<boolean> {
  const gate = `${path}.takeover`;
  const gateOwner = newOwner();
  if (!(await createExclusive(gate, gateOwner))) {
    const g = await lockState(gate);
    if (g && g.ageMs > staleMs) await removeIfHolds(gate, g.owner);
    return false;
  }
  try {
    const now = await lockState(path);
    return (
      now !== undefined && now.owner === staleOwner && now.ageMs > staleMs && (await removeIfHolds(path, staleOwner))
    );
  } finally {
    await removeIfHolds(gate, gateOwner);
  }
}

/** Lock timing (tests shorten the heartbeat). */
export interface LockTiming {
  /** A lock not refreshed for this long was left by a crash and may be taken over. */
  staleMs: number;
  /** How often the holder refreshes its lock file's time, so a long critical section never looks stale. */
  heartbeatMs: number;
  /** How long to wait for another holder. */
  timeoutMs: number;
}

const DEFAULT_TIMING: LockTiming = {
  staleMs: LOCK_STALE_MS,
  heartbeatMs: LOCK_HEARTBEAT_MS,
  timeoutMs: LOCK_TIMEOUT_MS,
};

/** A lock file this process holds. */
export interface HeldLock {
  readonly path: string;
  /** The unique value written into it: it is ours only while it holds this. */
  readonly owner: string;
  /** Stops refreshing it. */
  stop(): void;
  /** The last failure to refresh it, if any (reported when the lock turns out lost). */
  heartbeatError(): unknown;
}

/** Refreshes the lock's time while it is still ours. */
async function touch(path: string, owner: string): Promise<void> {
  if ((await lockState(path))?.owner !== owner) return;
  const now = new Date();
  await utimes(path, now, now);
}

/**
 * Takes the lock file `path` for this process: creates it exclusively holding a unique owner
 * value, waiting for another holder (BurrowError TIMEOUT after `timeoutMs`) and taking over a
 * stale one (see removeStale). While held its time is refreshed every `heartbeatMs`.
 */
export async function acquireLock(path: string, timing: Partial<LockTiming> = {}): Promise<HeldLock> {
  const t = { ...DEFAULT_TIMING, ...timing };
  const owner = newOwner();
  const deadline = Date.now() + t.timeoutMs;
  for (;;) {
    if (await createExclusive(path, owner)) break;
    const state = await lockState(path);
    // Left by a process that crashed inside its critical section: take it over, then try again at once.
    if (state && state.ageMs > t.staleMs && (await removeStale(path, state.owner, t.staleMs))) continue;
    if (Date.now() >= deadline) {
      throw new BurrowError(
        ErrorCode.TIMEOUT,
        `${path} is held by another burrow process for more than ${t.timeoutMs} ms; remove it if no burrow command is running`,
      );
    }
    await sleep(LOCK_RETRY_MS);
  }
  let lastError: unknown;
  const timer = setInterval(() => {
    // A failed refresh is kept: it explains a lock found taken over at release.
    touch(path, owner).then(
      () => {
        lastError = undefined;
      },
      (err: unknown) => {
        lastError = err;
      },
    );
  }, t.heartbeatMs);
  timer.unref();
  return { path, owner, stop: () => clearInterval(timer), heartbeatError: () => lastError };
}

/**
 * Releases a lock taken by acquireLock, removing the file only while it still holds our owner
 * value. Throws BurrowError(PKI) when another process took it over meanwhile (its lock is left
 * alone): what was done under it may have raced with that process.
 */
export async function releaseLock(held: HeldLock): Promise<void> {
  held.stop();
  const current = await lockState(held.path);
  if (current?.owner === held.owner && (await removeIfHolds(held.path, held.owner))) return;
  const hb = held.heartbeatError();
  throw new BurrowError(
    ErrorCode.PKI,
    `lock file ${held.path} was taken over by another process while this one held it (it looked stale)${hb === undefined ? '' : `; refreshing it failed: ${errorMessage(hb)}`}; the change made under it may have raced with that process`,
  );
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
    const held = await acquireLock(`${key}.lock`);
    let result: T;
    try {
      result = await body();
    } catch (err) {
      try {
        await releaseLock(held);
      } catch (releaseErr) {
        throw new BurrowError(
          ErrorCode.PKI,
          `${errorMessage(releaseErr)} (and the work under it failed: ${errorMessage(err)})`,
          { cause: err },
        );
      }
      throw err;
    }
    await releaseLock(held);
    return result;
  });
  // The chain continues whether this body succeeds or fails; the caller gets the outcome.
  const tail = run.catch(() => undefined);
  inProcess.set(key, tail);
  void tail.then(() => {
    if (inProcess.get(key) === tail) inProcess.delete(key);
  });
  return run;
}
