// WorkConnPool: bounded, FIFO, drops closed connections, hands over to waiters, times out.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { WorkConnPool } from '../../src/server/work-conn-pool.js';

describe('WorkConnPool', () => {
  it('holds up to its capacity and hands connections out in order', () => {
    const pool = new WorkConnPool(2);
    const [a, b, c] = [new PassThrough(), new PassThrough(), new PassThrough()];
    assert.equal(pool.put(a), true);
    assert.equal(pool.put(b), true);
    assert.equal(pool.put(c), false, 'third is refused: pool full');
    assert.equal(pool.take(), a);
    assert.equal(pool.take(), b);
    assert.equal(pool.take(), undefined);
  });

  it('forgets a connection that closes while pooled', async () => {
    const pool = new WorkConnPool(4);
    const conn = new PassThrough();
    pool.put(conn);
    conn.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pool.size, 0);
    assert.equal(pool.take(), undefined);
  });

  it('gives the next connection to a waiter, and times a waiter out', async () => {
    const pool = new WorkConnPool(1);
    const waiting = pool.wait(1000);
    const conn = new PassThrough();
    pool.put(conn);
    assert.equal(await waiting, conn);
    await assert.rejects(pool.wait(20), (err) => isBurrowError(err, ErrorCode.TIMEOUT) && /timeout trying to get work connection/.test(err.message));
  });

  it('rejects waiters and destroys idle connections on close', async () => {
    const pool = new WorkConnPool(2);
    const idle = new PassThrough();
    pool.put(idle);
    const waiting = pool.wait(1000);
    pool.close();
    await assert.rejects(waiting, (err) => isBurrowError(err, ErrorCode.CLOSED));
    assert.equal(idle.destroyed, true);
    assert.equal(pool.put(new PassThrough()), false);
  });
});
