// Stream I/O tests: readExactly/readMessage take exactly their bytes, time out, report EOF; writeMessage writes once.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { encodeMessage, readExactly, readMessage, writeMessage, type Message } from '../../src/wire/index.js';

/** Generous bound for reads that should succeed; keeps a broken test from hanging. */
const TEST_TIMEOUT_MS = 2000;
const LISTENER_EVENTS = ['readable', 'end', 'close', 'error'] as const;

function listenerCounts(s: NodeJS.EventEmitter): number[] {
  return LISTENER_EVENTS.map((e) => s.listenerCount(e));
}

async function rejectsCode(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isBurrowError(err), `expected a BurrowError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** A connected loopback socket pair; close() ends both and the server. */
async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const a = net.connect(port, '127.0.0.1');
  await once(a, 'connect');
  const [b] = await accepted;
  return {
    a,
    b,
    close: async () => {
      a.destroy();
      b.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const START: Message = {
  type: 'StartWorkConn',
  body: { proxy_name: 'echo', src_addr: '127.0.0.1', dst_addr: '127.0.0.1', src_port: 50000, dst_port: 6000 },
};

describe('readExactly', () => {
  test('waits for bytes that arrive in pieces, with a highWaterMark smaller than n', async () => {
    const s = new PassThrough({ highWaterMark: 4 });
    const before = listenerCounts(s);
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const p = readExactly(s, 60, TEST_TIMEOUT_MS);
    for (let i = 0; i < data.length; i += 7) {
      s.write(data.subarray(i, i + 7));
      await sleep(1);
    }
    assert.deepEqual(await p, data.subarray(0, 60));
    assert.deepEqual(listenerCounts(s), before, 'no listeners left behind');
    assert.deepEqual(await readExactly(s, 40, TEST_TIMEOUT_MS), data.subarray(60));
  });

  test('resolves at once from bytes already buffered; n = 0 is empty', async () => {
    const s = new PassThrough();
    s.write(Buffer.from('abcdef'));
    await sleep(1);
    assert.equal((await readExactly(s, 0, 0)).length, 0);
    assert.equal((await readExactly(s, 3, 0)).toString(), 'abc');
    assert.equal((await readExactly(s, 3, 0)).toString(), 'def');
  });

  test('times out with TIMEOUT and removes its listeners', async () => {
    const s = new PassThrough();
    s.write(Buffer.from('ab'));
    const before = listenerCounts(s);
    const started = Date.now();
    await rejectsCode(readExactly(s, 5, 50), ErrorCode.TIMEOUT, /50 ms.*5 bytes/);
    assert.ok(Date.now() - started >= 45);
    assert.deepEqual(listenerCounts(s), before);
  });

  test('UNEXPECTED_EOF when the stream ends first (with or without a partial read)', async () => {
    const empty = new PassThrough();
    const p1 = readExactly(empty, 4, TEST_TIMEOUT_MS);
    empty.end();
    await rejectsCode(p1, ErrorCode.UNEXPECTED_EOF, /0 of 4/);

    const partial = new PassThrough();
    const p2 = readExactly(partial, 4, TEST_TIMEOUT_MS);
    partial.end(Buffer.from('ab'));
    await rejectsCode(p2, ErrorCode.UNEXPECTED_EOF, /2 of 4/);

    // Already ended before the call.
    await rejectsCode(readExactly(empty, 1, TEST_TIMEOUT_MS), ErrorCode.UNEXPECTED_EOF);
  });

  test('rejects with the stream error, and on destroy without error', async () => {
    const s = new PassThrough();
    const p = readExactly(s, 4, TEST_TIMEOUT_MS);
    s.destroy(new Error('boom'));
    await assert.rejects(p, /boom/);

    const d = new PassThrough();
    const p2 = readExactly(d, 4, TEST_TIMEOUT_MS);
    d.destroy();
    await rejectsCode(p2, ErrorCode.UNEXPECTED_EOF);
    await rejectsCode(readExactly(d, 4, TEST_TIMEOUT_MS), ErrorCode.UNEXPECTED_EOF);
  });
});

describe('readMessage', () => {
  test('reads one message and leaves the following bytes for a later pipe (real socket)', async () => {
    const { a, b, close } = await socketPair();
    try {
      const raw = Buffer.alloc(100_000, 0x61);
      // Message and raw bytes in one write, so they arrive in the same TCP read.
      a.write(Buffer.concat([encodeMessage(START), raw]));
      a.end();
      assert.deepEqual(await readMessage(b, { timeoutMs: TEST_TIMEOUT_MS }), START);
      const sink = new PassThrough();
      const got: Buffer[] = [];
      sink.on('data', (c: Buffer) => got.push(c));
      b.pipe(sink);
      await once(sink, 'end');
      assert.deepEqual(Buffer.concat(got), raw);
    } finally {
      await close();
    }
  });

  test('a later on("data") consumer sees every following byte', async () => {
    const s = new PassThrough();
    s.write(Buffer.concat([encodeMessage(START), Buffer.from('hello through frp\n')]));
    assert.equal((await readMessage(s)).type, 'StartWorkConn');
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.end(Buffer.from('more'));
    await once(s, 'end');
    assert.equal(Buffer.concat(got).toString(), 'hello through frp\nmore');
  });

  test('reads consecutive messages written byte by byte', async () => {
    const s = new PassThrough();
    const msgs: Message[] = [START, { type: 'ReqWorkConn', body: {} }, { type: 'Pong', body: { error: 'x' } }];
    const bytes = Buffer.concat(msgs.map(encodeMessage));
    const reading = (async () => {
      const out: Message[] = [];
      for (let i = 0; i < msgs.length; i++) out.push(await readMessage(s, { timeoutMs: TEST_TIMEOUT_MS }));
      return out;
    })();
    for (const byte of bytes) {
      s.write(Buffer.from([byte]));
      await sleep(0);
    }
    assert.deepEqual(await reading, msgs);
  });

  test('unknown type byte is rejected as soon as it arrives', async () => {
    const s = new PassThrough();
    s.write(Buffer.from('F')); // v2 magic's first byte
    await rejectsCode(readMessage(s, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.PROTOCOL, /0x46/);
  });

  test('negative and oversize lengths are rejected before any body arrives', async () => {
    const header = Buffer.alloc(9);
    header[0] = 0x70;
    header.writeBigInt64BE(10241n, 1);
    const s = new PassThrough();
    s.write(header);
    await rejectsCode(readMessage(s, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.MESSAGE_TOO_LARGE);

    header.writeBigInt64BE(-5n, 1);
    const n = new PassThrough();
    n.write(header);
    await rejectsCode(readMessage(n, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.PROTOCOL, /negative/);

    const small = new PassThrough();
    small.write(encodeMessage(START));
    await rejectsCode(readMessage(small, { timeoutMs: TEST_TIMEOUT_MS, maxSize: 16 }), ErrorCode.MESSAGE_TOO_LARGE);
  });

  test('bad JSON is a protocol error', async () => {
    const s = new PassThrough();
    const body = Buffer.from('{"proxy_name":');
    const header = Buffer.alloc(9);
    header[0] = 0x73;
    header.writeBigInt64BE(BigInt(body.length), 1);
    s.write(Buffer.concat([header, body]));
    await rejectsCode(readMessage(s, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.PROTOCOL, /not valid JSON/);
  });

  test('times out on a half-sent message; the timeout covers the whole message', async () => {
    const s = new PassThrough();
    const bytes = encodeMessage(START);
    s.write(bytes.subarray(0, 12));
    const started = Date.now();
    await rejectsCode(readMessage(s, { timeoutMs: 60 }), ErrorCode.TIMEOUT);
    const took = Date.now() - started;
    assert.ok(took >= 55 && took < 1000, `took ${took} ms`);
    assert.equal(s.listenerCount('readable'), 0);
  });

  test('EOF mid-message and EOF before a message are UNEXPECTED_EOF', async () => {
    const s = new PassThrough();
    s.end(encodeMessage(START).subarray(0, 20));
    await rejectsCode(readMessage(s, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.UNEXPECTED_EOF);
    const e = new PassThrough();
    e.end();
    await rejectsCode(readMessage(e, { timeoutMs: TEST_TIMEOUT_MS }), ErrorCode.UNEXPECTED_EOF);
  });

  test('timeoutMs 0 waits as long as it takes', async () => {
    const s = new PassThrough();
    const p = readMessage(s, { timeoutMs: 0 });
    await sleep(30);
    s.write(encodeMessage(START));
    assert.deepEqual(await p, START);
  });
});

describe('writeMessage', () => {
  test('writes the encoded message in one write() and returns its result', () => {
    const writes: Buffer[] = [];
    const w = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _enc, cb) {
        writes.push(chunk);
        setImmediate(cb); // completing later, so the buffered length counts against the highWaterMark
      },
    });
    const ok = writeMessage(w, START);
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0], encodeMessage(START));
    assert.equal(ok, false, 'a message longer than the highWaterMark reports backpressure');
    const w2 = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    assert.equal(writeMessage(w2, { type: 'Ping', body: {} }), true);
  });
});
