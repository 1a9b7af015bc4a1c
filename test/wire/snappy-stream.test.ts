// createCompressedStream tests: round trips over loopback, the real capture through the cipher, backpressure, end/error/destroy.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { createEncryptedStream, deriveCipherKey } from '../../src/wire/cipher.js';
import { decodeMessage } from '../../src/wire/codec.js';
import { createCompressedStream, SnappyFrameDecoder, STREAM_IDENTIFIER_CHUNK } from '../../src/wire/snappy/index.js';
import { fixtureText, loadCaptureReads, sampleText } from './snappy-fixture.js';

/** Bound for socket round trips (well under a second normally). */
const ROUND_TRIP_TIMEOUT_MS = 30_000;
/** Payload for the loopback round trip: larger than the kernel's socket buffers. */
const LOOPBACK_PAYLOAD = 8 * 1024 * 1024;
/** Write sizes that straddle chunk boundaries every way. */
const ODD_SIZES = [1, 65_535, 17, 65_536, 3, 65_537, 4097, 200_000, 2];

/** A Duplex standing in for a connection: records writes, lets the test push reads; optional slow writes. */
function fakeInner(opts: { holdWrites?: boolean; writableHighWaterMark?: number } = {}): Duplex & {
  written: Buffer[];
  releaseAll: () => void;
} {
  const written: Buffer[] = [];
  const held: (() => void)[] = [];
  const d = new Duplex({
    writableHighWaterMark: opts.writableHighWaterMark,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      if (opts.holdWrites === true) held.push(() => cb());
      else cb();
    },
  });
  return Object.assign(d, {
    written,
    releaseAll: () => {
      while (held.length > 0) held.shift()?.();
    },
  });
}

function sha256(bufs: Buffer[]): string {
  const h = createHash('sha256');
  for (const b of bufs) h.update(b);
  return h.digest('hex');
}

/**
 * Read everything from `s` until end; rejects on error or after the timeout. Uses events, not
 * for-await: an async iterator destroys the whole Duplex when reading stops, writable side included.
 */
function readAll(s: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('readAll timed out')), ROUND_TRIP_TIMEOUT_MS);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** A connected pair of loopback sockets, half-open allowed (each direction ends on its own). */
async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(client, 'connect');
  const [srv] = await accepted;
  return [client, srv, () => server.close()];
}

describe('createCompressedStream', () => {
  test(`round trip of ${LOOPBACK_PAYLOAD / 1024 / 1024} MiB (text and random, odd write sizes) over loopback, both directions`, async () => {
    const [a, b, close] = await socketPair();
    try {
      const ca = createCompressedStream(a);
      const cb = createCompressedStream(b);
      const payload = Buffer.concat([sampleText(LOOPBACK_PAYLOAD / 2), randomBytes(LOOPBACK_PAYLOAD / 2)]);
      const pieces: Buffer[] = [];
      for (let off = 0, i = 0; off < payload.length; i++) {
        const n = ODD_SIZES[i % ODD_SIZES.length]!; // the modulo keeps the index inside the constant list
        pieces.push(payload.subarray(off, off + n));
        off += n;
      }
      // Writer honours backpressure: wait for 'drain' whenever write() says so.
      const writeAll = async (s: Duplex): Promise<void> => {
        for (const p of pieces) if (!s.write(p)) await once(s, 'drain');
        s.end();
      };
      const [gotB, gotA] = await Promise.all([readAll(cb), readAll(ca), writeAll(ca), writeAll(cb)]);
      assert.equal(gotB.length, payload.length);
      assert.equal(sha256([gotB]), sha256([payload]));
      assert.equal(sha256([gotA]), sha256([payload]));
    } finally {
      a.destroy();
      b.destroy();
      close();
    }
  });

  test('the real echo-ez capture, fed in its recorded reads through createEncryptedStream, yields the fixture lines', async () => {
    const reads = loadCaptureReads('v1-nomux', 4);
    for (const dir of ['c2s', 's2c'] as const) {
      const all = Buffer.concat(reads[dir]);
      const first = decodeMessage(all);
      assert.ok(first);
      const inner = new Duplex({
        read() {},
        write(_c, _e, cb) {
          cb();
        },
      });
      const plain = createCompressedStream(createEncryptedStream(inner, deriveCipherKey('fixture-token')));
      // Replay the cipher bytes in small irregular slices, as a slow network would deliver them.
      const cipherBytes = all.subarray(first.bytesUsed);
      for (let off = 0, i = 0; off < cipherBytes.length; i++) {
        const n = 1 + ((i * 997) % 1500);
        inner.push(cipherBytes.subarray(off, off + n));
        off += n;
      }
      inner.push(null);
      const out = await readAll(plain);
      assert.ok(out.equals(fixtureText()), `${dir}: decoded ${out.length} bytes`);
    }
  });

  test('first write sends the stream identifier and a chunk; each write is framed at once (unbuffered, as frp)', () => {
    const inner = fakeInner();
    const s = createCompressedStream(inner);
    s.write(Buffer.from('hello'));
    s.write(Buffer.alloc(0));
    s.write(Buffer.from('world'));
    const bytes = Buffer.concat(inner.written);
    assert.deepEqual(bytes.subarray(0, STREAM_IDENTIFIER_CHUNK.length), STREAM_IDENTIFIER_CHUNK);
    const d = new SnappyFrameDecoder();
    assert.deepEqual(d.push(bytes).map(String), ['hello', 'world']);
    s.destroy();
  });

  test('backpressure: write() turns false while inner holds writes, and drain follows inner draining', async () => {
    const inner = fakeInner({ holdWrites: true, writableHighWaterMark: 1024 });
    const s = createCompressedStream(inner);
    let accepted = 0;
    const data = randomBytes(16 * 1024);
    for (let i = 0; i < 100 && s.write(data); i++) accepted++;
    assert.ok(accepted < 100, `write() returned false after ${accepted} writes`);
    const written = inner.written.length;
    await new Promise((r) => setImmediate(r));
    assert.equal(inner.written.length, written, 'nothing more reaches inner while it is blocked');
    const drained = once(s, 'drain');
    // Release inner repeatedly until our Duplex drains (bounded).
    for (let i = 0; i < 1000 && s.writableNeedDrain; i++) {
      inner.releaseAll();
      await new Promise((r) => setImmediate(r));
    }
    await drained;
    const d = new SnappyFrameDecoder();
    const got = Buffer.concat(d.push(Buffer.concat(inner.written)));
    assert.equal(got.length, (accepted + 1) * data.length);
    s.destroy();
  });

  test('read backpressure: inner is paused while our reader does not read, resumed after', async () => {
    const inner = fakeInner();
    const s = createCompressedStream(inner);
    const big = sampleText(1024 * 1024);
    inner.push(frameAsPeer(big));
    await new Promise((r) => setImmediate(r));
    assert.ok(inner.isPaused(), 'inner paused: 1 MiB exceeds our readable buffer');
    const out = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        if (chunks.reduce((n, x) => n + x.length, 0) === big.length) resolve(Buffer.concat(chunks));
      });
    });
    assert.ok(out.equals(big));
    s.destroy();
  });

  test('end() ends inner; inner ending ends our readable', async () => {
    const inner = fakeInner();
    const s = createCompressedStream(inner);
    const finished = once(inner, 'finish');
    s.end(Buffer.from('bye'));
    await finished;
    inner.push(null);
    const out = await readAll(s);
    assert.equal(out.length, 0);
  });

  test('garbage from inner destroys both with BurrowError PROTOCOL', async () => {
    const inner = fakeInner();
    const s = createCompressedStream(inner);
    const err = once(s, 'error');
    inner.push(Buffer.from('GET / HTTP/1.1\r\n'));
    const [e] = (await err) as [Error];
    assert.ok(isBurrowError(e, ErrorCode.PROTOCOL));
    assert.match(e.message, /expected the stream identifier chunk \(0xff\) first, got chunk type 0x47/);
    assert.ok(inner.destroyed);
  });

  test('inner ending inside a chunk is UNEXPECTED_EOF', async () => {
    const inner = fakeInner();
    const s = createCompressedStream(inner);
    const err = once(s, 'error');
    inner.push(Buffer.concat([STREAM_IDENTIFIER_CHUNK, Buffer.from([0x01, 0x09, 0x00])]));
    inner.push(null);
    const [e] = (await err) as [Error];
    assert.ok(isBurrowError(e, ErrorCode.UNEXPECTED_EOF), String(e));
  });

  test('destroy() destroys inner; inner destroyed closes us; writes after inner closed fail with CLOSED', async () => {
    const inner1 = fakeInner();
    const s1 = createCompressedStream(inner1);
    s1.destroy();
    assert.ok(inner1.destroyed);

    const inner2 = fakeInner();
    const s2 = createCompressedStream(inner2);
    const closed = once(s2, 'close');
    inner2.destroy();
    await closed;
    assert.ok(s2.destroyed);

    const inner3 = fakeInner();
    const s3 = createCompressedStream(inner3);
    inner3.end();
    await once(inner3, 'finish');
    const err = once(s3, 'error');
    s3.write(Buffer.from('late'));
    const [e] = (await err) as [Error];
    assert.ok(isBurrowError(e, ErrorCode.CLOSED));
  });
});

/** Frame `data` as a peer would: through a second compressed stream over a recording inner. */
function frameAsPeer(data: Buffer): Buffer {
  const inner = fakeInner();
  const s = createCompressedStream(inner);
  s.write(data);
  const out = Buffer.concat(inner.written);
  s.destroy();
  return out;
}
