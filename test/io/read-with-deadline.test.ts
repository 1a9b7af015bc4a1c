// readWithDeadline: deadline, EOF, errors, buffered data, listeners and timers cleaned up, the stream's mode afterwards.
import assert from 'node:assert/strict';
import { PassThrough, type Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BurrowError, ErrorCode, isBurrowError } from '../../src/errors.js';
import { asBytes, NO_DEADLINE, readWithDeadline, type DeadlineRead } from '../../src/io/read-with-deadline.js';

/** Generous bound for reads that should succeed; keeps a broken test from hanging. */
const TEST_TIMEOUT_MS = 2000;
const EVENTS = ['readable', 'data', 'end', 'close', 'error'] as const;

function listenerCounts(s: Readable): number[] {
  return EVENTS.map((e) => s.listenerCount(e));
}

/** Reads `n` bytes, counting its steps; put back the bytes (a look, not a read) when `unshift`. */
class TakeBytes implements DeadlineRead<Buffer> {
  steps = 0;
  constructor(
    private readonly n: number,
    private readonly unshift = false,
  ) {}

  step(stream: Readable): Buffer | undefined {
    this.steps += 1;
    const chunk: unknown = stream.read(this.n);
    if (chunk === null) return undefined;
    const bytes = asBytes(chunk);
    if (this.unshift) stream.unshift(bytes);
    return bytes;
  }

  timedOut(_s: Readable, ms: number): string {
    return `no ${this.n} bytes within ${ms} ms`;
  }

  ended(s: Readable): string {
    return `ended with ${s.readableLength} of ${this.n} bytes`;
  }
}

function isCode(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => isBurrowError(err) && err.code === code && (pattern === undefined || pattern.test(err.message));
}

describe('readWithDeadline', () => {
  it('resolves at once from bytes already buffered, without listeners or timer', async () => {
    const s = new PassThrough();
    s.write('abcdef');
    await nextTurn();
    const before = listenerCounts(s);
    const read = new TakeBytes(3);
    const p = readWithDeadline(s, read, TEST_TIMEOUT_MS);
    assert.deepEqual(listenerCounts(s), before);
    assert.equal((await p).toString(), 'abc');
    assert.equal(read.steps, 1);
    assert.equal(s.read(3)?.toString(), 'def');
  });

  it('waits across chunks and removes its listeners when done', async () => {
    const s = new PassThrough();
    const before = listenerCounts(s);
    const p = readWithDeadline(s, new TakeBytes(5), TEST_TIMEOUT_MS);
    s.write('ab');
    await sleep(1);
    s.write('cdefg');
    assert.equal((await p).toString(), 'abcde');
    assert.deepEqual(listenerCounts(s), before);
  });

  it('times out with TIMEOUT, the read text, and no listener left', async () => {
    const s = new PassThrough();
    s.write('ab');
    const started = Date.now();
    await assert.rejects(
      readWithDeadline(s, new TakeBytes(5), 40),
      isCode(ErrorCode.TIMEOUT, /no 5 bytes within 40 ms/),
    );
    assert.ok(Date.now() - started >= 35);
    assert.deepEqual(listenerCounts(s), [0, 0, 0, 0, 0]);
    assert.equal(s.readableLength, 2, 'the partial bytes stay buffered');
  });

  it('clears its timer when done early (the process is not held open)', async () => {
    const s = new PassThrough();
    const p = readWithDeadline(s, new TakeBytes(1), 60_000);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    s.write('x');
    await p;
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.equal(timersAfter, timersBefore - 1);
  });

  it('NO_DEADLINE waits as long as it takes', async () => {
    const s = new PassThrough();
    const p = readWithDeadline(s, new TakeBytes(2), NO_DEADLINE);
    await sleep(30);
    s.write('xy');
    assert.equal((await p).toString(), 'xy');
  });

  it('UNEXPECTED_EOF on end, on destroy without error, and on an already-ended stream', async () => {
    const s = new PassThrough();
    const p = readWithDeadline(s, new TakeBytes(4), TEST_TIMEOUT_MS);
    s.end();
    await assert.rejects(p, isCode(ErrorCode.UNEXPECTED_EOF, /ended with 0 of 4/));
    assert.deepEqual(listenerCounts(s), [0, 0, 0, 0, 0]);
    await assert.rejects(readWithDeadline(s, new TakeBytes(1), TEST_TIMEOUT_MS), isCode(ErrorCode.UNEXPECTED_EOF));

    const d = new PassThrough();
    const p2 = readWithDeadline(d, new TakeBytes(4), TEST_TIMEOUT_MS);
    d.destroy();
    await assert.rejects(p2, isCode(ErrorCode.UNEXPECTED_EOF));
    await assert.rejects(readWithDeadline(d, new TakeBytes(1), TEST_TIMEOUT_MS), isCode(ErrorCode.UNEXPECTED_EOF));
  });

  it("rejects with the stream's own error, during the read and when it already failed", async () => {
    const s = new PassThrough();
    const p = readWithDeadline(s, new TakeBytes(4), TEST_TIMEOUT_MS);
    s.destroy(new Error('boom'));
    await assert.rejects(p, /boom/);
    assert.deepEqual(listenerCounts(s), [0, 0, 0, 0, 0]);
    await assert.rejects(readWithDeadline(s, new TakeBytes(1), TEST_TIMEOUT_MS), /boom/);
  });

  it("rejects with the step's own error, at once or later", async () => {
    const failing: DeadlineRead<never> = {
      step: (stream) => {
        if (stream.read() === null) return undefined;
        throw new BurrowError(ErrorCode.PROTOCOL, 'bad first bytes');
      },
      timedOut: () => 'unused',
      ended: () => 'unused',
    };
    const now = new PassThrough();
    now.write('x');
    await nextTurn();
    await assert.rejects(readWithDeadline(now, failing, TEST_TIMEOUT_MS), isCode(ErrorCode.PROTOCOL));
    const later = new PassThrough();
    const p = readWithDeadline(later, failing, TEST_TIMEOUT_MS);
    later.write('x');
    await assert.rejects(p, isCode(ErrorCode.PROTOCOL));
    assert.deepEqual(listenerCounts(later), [0, 0, 0, 0, 0]);
  });

  it('a step that unshifts leaves every byte readable for the next reader', async () => {
    const s = new PassThrough();
    const p = readWithDeadline(s, new TakeBytes(3, true), TEST_TIMEOUT_MS);
    s.write('abcdef');
    assert.equal((await p).toString(), 'abc');
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.end('gh');
    await new Promise((resolve) => s.once('end', resolve));
    assert.equal(Buffer.concat(got).toString(), 'abcdefgh');
  });

  it("after a wait, a paused stream is left in no mode, so a 'data' listener starts it", async () => {
    const s = new PassThrough();
    s.pause(); // as net.Server's pauseOnConnect leaves a socket
    const p = readWithDeadline(s, new TakeBytes(1), TEST_TIMEOUT_MS);
    s.write('ab');
    assert.equal((await p).toString(), 'a');
    await nextTurn();
    assert.equal(s.readableFlowing, null);
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    await nextTurn();
    assert.equal(Buffer.concat(got).toString(), 'b');
  });

  it("'as-node' leaves a paused stream paused when the bytes were there; 'released' releases it", async () => {
    for (const after of ['as-node', 'released'] as const) {
      const s = new PassThrough();
      s.pause();
      s.write('ab');
      await nextTurn();
      assert.equal((await readWithDeadline(s, new TakeBytes(1), TEST_TIMEOUT_MS, after)).toString(), 'a');
      await nextTurn();
      assert.equal(s.readableFlowing, after === 'as-node' ? false : null, after);
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      await nextTurn();
      assert.equal(Buffer.concat(got).toString(), after === 'as-node' ? '' : 'b', after);
    }
  });

  it("'released' gives a flowing stream with 'data' listeners back its flow", async () => {
    const s = new PassThrough();
    const seen: Buffer[] = [];
    s.on('data', (c: Buffer) => seen.push(c));
    const p = readWithDeadline(s, new TakeBytes(2), TEST_TIMEOUT_MS);
    s.write('abcd');
    assert.equal((await p).toString(), 'ab');
    await nextTurn();
    assert.equal(s.readableFlowing, true);
    s.write('ef');
    await nextTurn();
    // Node's read() also emits 'data' with what it returns, so the listener saw every byte.
    assert.equal(Buffer.concat(seen).toString(), 'abcdef');
  });

  it("'paused' leaves the stream explicitly paused, on the slow path and on the fast one", async () => {
    const slow = new PassThrough();
    const p = readWithDeadline(slow, new TakeBytes(1), TEST_TIMEOUT_MS, 'paused');
    slow.write('ab');
    await p;
    await nextTurn();
    assert.equal(slow.readableFlowing, false);
    assert.ok(slow.isPaused());

    const fast = new PassThrough();
    fast.write('ab');
    await nextTurn();
    await readWithDeadline(fast, new TakeBytes(1), TEST_TIMEOUT_MS, 'paused');
    assert.equal(fast.readableFlowing, false);
    const got: Buffer[] = [];
    fast.on('data', (c: Buffer) => got.push(c));
    await nextTurn();
    assert.equal(got.length, 0, "a 'data' listener does not start a paused stream");
    fast.resume();
    await nextTurn();
    assert.equal(Buffer.concat(got).toString(), 'b');
  });

  it('asBytes refuses a stream with an encoding (INTERNAL)', async () => {
    const s = new PassThrough();
    s.setEncoding('utf8');
    s.write('abc');
    await nextTurn();
    await assert.rejects(readWithDeadline(s, new TakeBytes(2), TEST_TIMEOUT_MS), isCode(ErrorCode.INTERNAL));
  });
});
