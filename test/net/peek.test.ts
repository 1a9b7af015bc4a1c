// peekUntil: decides on gathered bytes, puts every byte back, bounds size and time.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { peekUntil } from '../../src/net/peek.js';

/** Reads everything a stream holds now (it was paused and unshifted by peekUntil). */
function drain(stream: PassThrough): Buffer {
  const out: Buffer[] = [];
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null)
    out.push(chunk);
  return Buffer.concat(out);
}

describe('peekUntil', () => {
  it('waits for enough bytes, then puts them all back', async () => {
    const stream = new PassThrough();
    const pending = peekUntil(stream, (b) => (b.length >= 5 ? b.subarray(0, 5).toString() : undefined), {
      maxBytes: 100,
      timeoutMs: 1_000,
    });
    stream.write('ab');
    stream.write('cdefg');
    assert.equal(await pending, 'abcde');
    assert.equal(drain(stream).toString(), 'abcdefg');
  });

  it('grows its buffer linearly across many one-byte chunks', async () => {
    const stream = new PassThrough();
    const total = 10_000;
    const pending = peekUntil(stream, (b) => (b.length >= total ? b.length : undefined), {
      maxBytes: total,
      timeoutMs: 5_000,
    });
    for (let i = 0; i < total; i += 1) stream.write(Buffer.from([i & 0xff]));
    assert.equal(await pending, total);
    const back = drain(stream);
    assert.equal(back.length, total);
    assert.equal(back[total - 1], (total - 1) & 0xff);
  });

  it('rejects past maxBytes, on the deadline, on early close, and with the decider own error', async () => {
    const big = new PassThrough();
    const tooBig = peekUntil(big, () => undefined, { maxBytes: 10, timeoutMs: 1_000 });
    big.write(Buffer.alloc(11));
    await assert.rejects(tooBig, (err) => isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE));
    const slow = new PassThrough();
    await assert.rejects(
      peekUntil(slow, () => undefined, { maxBytes: 10, timeoutMs: 20 }),
      (err) => isBurrowError(err, ErrorCode.TIMEOUT),
    );
    const short = new PassThrough();
    const early = peekUntil(short, () => undefined, { maxBytes: 10, timeoutMs: 1_000 });
    short.end('x');
    await assert.rejects(early, (err) => isBurrowError(err, ErrorCode.UNEXPECTED_EOF));
    const bad = new PassThrough();
    const refused = peekUntil(
      bad,
      () => {
        throw new Error('nope');
      },
      { maxBytes: 10, timeoutMs: 1_000 },
    );
    bad.write('y');
    await assert.rejects(refused, /nope/);
  });
});

describe('peekUntil leaves the stream paused', () => {
  it("a later 'data' listener does not start it; resume() does, with every byte", async () => {
    const stream = new PassThrough();
    const pending = peekUntil(stream, (b) => b.length, { maxBytes: 100, timeoutMs: 1_000 });
    stream.write('abc');
    assert.equal(await pending, 3);
    assert.equal(stream.readableFlowing, false);
    const got: Buffer[] = [];
    stream.on('data', (c: Buffer) => got.push(c));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(got.length, 0);
    stream.resume();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Buffer.concat(got).toString(), 'abc');
  });
});
