// lookAhead (what the server's accept uses to match prefixes): puts every byte back and leaves the stream released, so a later 'data' listener or pipe reads it all.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { lookAhead } from '../../src/io/look-ahead.js';

describe('lookAhead leaves the stream released', () => {
  it("a 'data' listener attached afterwards sees every byte, even on a stream paused before", async () => {
    for (const pausedBefore of [false, true]) {
      const s = new PassThrough();
      if (pausedBefore) s.pause();
      const p = lookAhead(s, (b) => (b.length >= 3 ? b.subarray(0, 3).toString() : undefined), {
        maxBytes: 64,
        timeoutMs: 2_000,
      });
      s.write('GE');
      s.write('T /x');
      assert.equal(await p, 'GET');
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      s.end(' tail');
      await once(s, 'end');
      assert.equal(Buffer.concat(got).toString(), 'GET /x tail');
    }
  });

  it('rejects past maxBytes, on the deadline and on early close, removing its listeners', async () => {
    const big = new PassThrough();
    const tooBig = lookAhead(big, () => undefined, { maxBytes: 4, timeoutMs: 2_000 });
    big.write('12345');
    await assert.rejects(tooBig, (err) => isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE));
    const slow = new PassThrough();
    await assert.rejects(
      lookAhead(slow, () => undefined, { maxBytes: 4, timeoutMs: 20 }),
      (err) => isBurrowError(err, ErrorCode.TIMEOUT),
    );
    assert.equal(slow.listenerCount('readable') + slow.listenerCount('end') + slow.listenerCount('error'), 0);
    const short = new PassThrough();
    const early = lookAhead(short, () => undefined, { maxBytes: 4, timeoutMs: 2_000 });
    short.end('x');
    await assert.rejects(early, (err) => isBurrowError(err, ErrorCode.UNEXPECTED_EOF));
  });
});
