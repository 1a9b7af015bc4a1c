// WorkConnPool: bounded, FIFO, drops closed connections, hands over to waiters, times out.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { wrapWire, type WireConn } from '../../src/wire/index.js';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { WorkConnPool } from '../../src/server/work-conn-pool.js';

/** A work connection over an in-memory stream. */
const conn = (): WireConn => wrapWire(new PassThrough(), 'v1');

describe('WorkConnPool', () => {
  it('holds up to its capacity and hands connections out in order', () => {
    const pool = new WorkConnPool(2);
    const [a, b, c] = [conn(), conn(), conn()];
    assert.equal(pool.put(a), true);
    assert.equal(pool.put(b), true);
    assert.equal(pool.put(c), false, 'third is refused: pool full');
    assert.equal(pool.take(), a);
    assert.equal(pool.take(), b);
    assert.equal(pool.take(), undefined);
  });

  it('forgets a connection that closes while pooled', async () => {
    const pool = new WorkConnPool(4);
    const pooled = conn();
    pool.put(pooled);
    pooled.stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pool.size, 0);
    assert.equal(pool.take(), undefined);
  });

  it('gives the next connection to a waiter, and times a waiter out', async () => {
    const pool = new WorkConnPool(1);
    const waiting = pool.wait(1000);
    const offered = conn();
    pool.put(offered);
    assert.equal(await waiting, offered);
    await assert.rejects(
      pool.wait(20),
      (err) => isBurrowError(err, ErrorCode.TIMEOUT) && /timeout trying to get work connection/.test(err.message),
    );
  });

  it('rejects waiters and destroys idle connections on close', async () => {
    const pool = new WorkConnPool(2);
    const idle = conn();
    pool.put(idle);
    const waiting = pool.wait(1000);
    pool.close();
    await assert.rejects(waiting, (err) => isBurrowError(err, ErrorCode.CLOSED));
    assert.equal(idle.stream.destroyed, true);
    assert.equal(pool.put(conn()), false);
  });
});
