// The cross-process lock of the enrollment files: stale takeover by one taker only, owner-checked release, heartbeat.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { acquireLock, releaseLock, withFileLock } from '../../src/enroll/locked-file.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { removeDir, sleep, tempDir, until } from './fixtures.js';

/** Concurrent takers in the stale-lock test. */
const TAKERS = 12;
/** How long each taker holds the lock (so overlaps would show). */
const HOLD_MS = 15;
/** An mtime far past LOCK_STALE_MS. */
const LONG_AGO = new Date(Date.now() - 3_600_000);
/** Most polls while waiting for the other side. */
const MAX_POLLS = 250;
/** Pause between polls. */
const POLL_MS = 20;

describe('enrollment file lock', () => {
  let dir: string;
  let real: string;
  /** Other spellings of `real` (symlinks): withFileLock then behaves as separate processes would, sharing only the lock file. */
  let spellings: string[];
  before(() => {
    dir = tempDir();
    real = join(dir, 'real');
    mkdirSync(real);
    spellings = [real];
    for (let i = 1; i < TAKERS; i++) {
      const alias = join(dir, `alias-${i}`);
      symlinkSync(real, alias);
      spellings.push(alias);
    }
  });
  after(() => removeDir(dir));

  it('lets exactly one of many takers of a stale lock hold it at a time, and leaves nothing behind', async () => {
    const lock = join(real, 'stale.json.lock');
    writeFileSync(lock, '999999 left-by-a-crash');
    utimesSync(lock, LONG_AGO, LONG_AGO);
    let holders = 0;
    let most = 0;
    const runs = spellings.map((d, i) =>
      withFileLock(join(d, 'stale.json'), async () => {
        holders += 1;
        most = Math.max(most, holders);
        await sleep(HOLD_MS);
        holders -= 1;
        return i;
      }),
    );
    assert.deepEqual(
      (await Promise.all(runs)).sort((a, b) => a - b),
      spellings.map((_, i) => i),
    );
    assert.equal(most, 1, 'never two holders at once');
    assert.deepEqual(
      readdirSync(real).filter((f) => f.startsWith('stale.json')),
      [],
      'no lock, gate or moved-aside file left',
    );
  });

  it('leaves a lock taken over from it alone, and reports that the lock was lost', async () => {
    const lock = join(real, 'long.json.lock');
    let secondHolds = false;
    let firstDone = false;
    let lockAtSecondsEnd = '';
    let second: Promise<void> | undefined;
    const first = withFileLock(join(real, 'long.json'), async () => {
      // As if this body had run past LOCK_STALE_MS without refreshing its lock.
      utimesSync(lock, LONG_AGO, LONG_AGO);
      second = withFileLock(join(spellings[1]!, 'long.json'), async () => {
        secondHolds = true;
        await until('the first holder to finish', () => firstDone, MAX_POLLS, POLL_MS);
        lockAtSecondsEnd = existsSync(lock) ? readFileSync(lock, 'utf8') : '(removed)';
      });
      await until('the second taker to take over', () => secondHolds, MAX_POLLS, POLL_MS);
    });
    const firstOutcome = await first.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    firstDone = true;
    await second;
    assert.ok(isBurrowError(firstOutcome, ErrorCode.PKI), String(firstOutcome));
    assert.match(
      firstOutcome.message,
      /lock file .*long\.json\.lock was taken over by another process while this one held it/,
    );
    assert.match(
      lockAtSecondsEnd,
      new RegExp(`^${process.pid} [0-9a-f]{32}$`),
      "the second holder's lock was still in place",
    );
    assert.equal(existsSync(lock), false, 'the second holder removed its own lock');
  });

  it('refreshes a held lock so a long critical section never looks stale, and others wait for it', async () => {
    const lock = join(real, 'beat.json.lock');
    const held = await acquireLock(lock, { heartbeatMs: POLL_MS });
    try {
      utimesSync(lock, LONG_AGO, LONG_AGO);
      await until('the heartbeat', () => Date.now() - statSync(lock).mtimeMs < 60_000, MAX_POLLS, POLL_MS);
      await assert.rejects(acquireLock(lock, { timeoutMs: 100 }), (err: unknown) =>
        isBurrowError(err, ErrorCode.TIMEOUT),
      );
      assert.equal(readFileSync(lock, 'utf8'), held.owner, 'still ours');
    } finally {
      await releaseLock(held);
    }
    assert.equal(existsSync(lock), false);
  });
});
