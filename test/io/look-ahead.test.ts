// lookAhead: decides on gathered bytes, puts every byte back (also on a refusal), bounds size and time.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { lookAhead } from '../../src/io/look-ahead.js';

const BOUNDS = { maxBytes: 100, timeoutMs: 2_000 };

/** Everything the stream holds now. */
function drain(stream: PassThrough): string {
  const out: Buffer[] = [];
  for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null) out.push(c);
  return Buffer.concat(out).toString();
}

describe('lookAhead', () => {
  it('decides from bytes already buffered, and hands decide the chunk itself (no copy)', async () => {
    const s = new PassThrough();
    s.write('hello');
    await nextTurn();
    let seen: Buffer | undefined;
    const got = await lookAhead(
      s,
      (b) => {
        seen = b;
        return b.length;
      },
      BOUNDS,
    );
    assert.equal(got, 5);
    assert.equal(s.readableLength, 5);
    const back = s.read() as Buffer;
    assert.equal(back.buffer, seen?.buffer, 'the same memory went back');
    assert.equal(back.toString(), 'hello');
  });

  it('gathers across chunks and puts all of them back, in order', async () => {
    const s = new PassThrough();
    const p = lookAhead(s, (b) => (b.length >= 6 ? b.toString() : undefined), BOUNDS);
    for (const part of ['ab', 'cd', 'efgh']) {
      s.write(part);
      await nextTurn();
    }
    assert.equal(await p, 'abcdefgh');
    assert.equal(drain(s), 'abcdefgh');
  });

  it('puts the bytes back when decide throws and when maxBytes passes without a decision', async () => {
    const refused = new PassThrough();
    const p1 = lookAhead(
      refused,
      () => {
        throw new Error('nope');
      },
      BOUNDS,
    );
    refused.write('xyz');
    await assert.rejects(p1, /nope/);
    assert.equal(drain(refused), 'xyz');

    const big = new PassThrough();
    const p2 = lookAhead(big, () => undefined, { maxBytes: 4, timeoutMs: 2_000 });
    big.write('12');
    await nextTurn();
    big.write('345');
    await assert.rejects(p2, (err) => isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE));
    assert.equal(drain(big), '12345');
  });

  it('TIMEOUT on the deadline (0 times out at once), UNEXPECTED_EOF on an ended stream', async () => {
    await assert.rejects(
      lookAhead(new PassThrough(), () => undefined, { maxBytes: 10, timeoutMs: 0 }),
      (err) => isBurrowError(err, ErrorCode.TIMEOUT),
    );
    const ended = new PassThrough();
    ended.end();
    ended.resume();
    await nextTurn();
    await assert.rejects(
      lookAhead(ended, () => undefined, BOUNDS),
      (err) => isBurrowError(err, ErrorCode.UNEXPECTED_EOF),
    );
  });
});
