// Cipher tests: PBKDF2 and AES-128-CFB known answers, stream format, continuity, backpressure, end/error/destroy.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { CIPHER_IV_SIZE, createEncryptedStream, deriveCipherKey } from '../../src/wire/index.js';

// python3 -c "import hashlib; print(hashlib.pbkdf2_hmac('sha1', b'fixture-token', b'frp', 64, 16).hex())"
const FIXTURE_TOKEN_KEY = 'cb98b7fdd511a8b39e8a11d30cb85a2d';

// printf 'The quick brown fox jumps over the lazy dog, 47 bytes!' > p.txt
// openssl enc -aes-128-cfb -K 000102030405060708090a0b0c0d0e0f -iv 101112131415161718191a1b1c1d1e1f -in p.txt | xxd -p
// (OpenSSL 3.0.19; 54 bytes: three full blocks and a partial one)
const KAT_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const KAT_IV = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');
const KAT_PLAIN = Buffer.from('The quick brown fox jumps over the lazy dog, 47 bytes!');
const KAT_CIPHER = Buffer.from(
  '53968a5490a06a0dfb2e8c63e1e3fcb351bdce482f8b6c202e21ea30213ce06c67a31d1a15e67c2319ee071a562c0c826c1de4889d04',
  'hex',
);

/** Chunk sizes that straddle AES blocks every way. */
const ODD_SIZES = [1, 15, 17, 4097, 3, 16, 33, 65_537, 2, 100_003];
/** Large enough that the kernel's loopback buffers (several MiB here) cannot absorb it all. */
const BACKPRESSURE_PAYLOAD = 32 * 1024 * 1024;
/** Bound for the socket round trip (it normally takes well under a second). */
const ROUND_TRIP_TIMEOUT_MS = 30_000;

/** Split `buf` into consecutive pieces cycling through `sizes`. */
function split(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  assert.ok(sizes.length > 0, 'at least one chunk size');
  for (let off = 0, i = 0; off < buf.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

/** A Duplex standing in for a connection: records what is written, lets the test push what is read. */
function fakeInner(
  opts: { writeDelay?: boolean; writableHighWaterMark?: number } = {},
): Duplex & { written: Buffer[]; completed: () => number } {
  const written: Buffer[] = [];
  let completed = 0;
  const d = new Duplex({
    writableHighWaterMark: opts.writableHighWaterMark,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      const done = (): void => {
        completed++;
        cb();
      };
      if (opts.writeDelay === true) setImmediate(done);
      else done();
    },
  });
  return Object.assign(d, { written, completed: () => completed });
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('deriveCipherKey', () => {
  test('is PBKDF2-HMAC-SHA1(secret, "frp", 64, 16)', () => {
    assert.equal(deriveCipherKey('fixture-token').toString('hex'), FIXTURE_TOKEN_KEY);
    assert.equal(deriveCipherKey(Buffer.from('fixture-token')).toString('hex'), FIXTURE_TOKEN_KEY);
  });

  test('cached results are copies: altering one does not alter the next', () => {
    const k1 = deriveCipherKey('fixture-token');
    k1.fill(0);
    assert.equal(deriveCipherKey('fixture-token').toString('hex'), FIXTURE_TOKEN_KEY);
    // Many distinct secrets: the bounded cache keeps answering correctly.
    for (let i = 0; i < 100; i++) assert.equal(deriveCipherKey(`t${i}`).length, 16);
    assert.equal(deriveCipherKey('fixture-token').toString('hex'), FIXTURE_TOKEN_KEY);
  });
});

describe('aes-128-cfb (Node) matches OpenSSL and keeps state across update() calls', () => {
  test('known answer in one update', () => {
    assert.deepEqual(createCipheriv('aes-128-cfb', KAT_KEY, KAT_IV).update(KAT_PLAIN), KAT_CIPHER);
  });

  test('partial-block updates give the same stream, both ways', () => {
    for (const sizes of [[1], [15], [17], [5, 11, 16, 1], [31, 2]]) {
      const enc = createCipheriv('aes-128-cfb', KAT_KEY, KAT_IV);
      const ct = Buffer.concat(split(KAT_PLAIN, sizes).map((p) => enc.update(p)));
      assert.deepEqual(ct, KAT_CIPHER, `encrypt in ${sizes}`);
      const dec = createDecipheriv('aes-128-cfb', KAT_KEY, KAT_IV);
      assert.deepEqual(
        Buffer.concat(split(KAT_CIPHER, sizes).map((p) => dec.update(p))),
        KAT_PLAIN,
        `decrypt in ${sizes}`,
      );
    }
  });
});

describe('createEncryptedStream', () => {
  test('rejects a key that is not 16 bytes', () => {
    assert.throws(
      () => createEncryptedStream(fakeInner(), Buffer.alloc(32)),
      (e: unknown) => isBurrowError(e, ErrorCode.INTERNAL),
    );
  });

  test('first write to inner is IV || ciphertext in one write; later writes continue the same cipher', async () => {
    const inner = fakeInner();
    const enc = createEncryptedStream(inner, KAT_KEY);
    const parts = split(KAT_PLAIN, [17, 15, 1, 21]);
    for (const p of parts) enc.write(p);
    await sleep(1);
    assert.equal(inner.written.length, parts.length, 'one inner write per write');
    const [first] = inner.written;
    assert.ok(first);
    assert.equal(first.length, CIPHER_IV_SIZE + (parts[0]?.length ?? 0));
    const iv = first.subarray(0, CIPHER_IV_SIZE);
    const ct = Buffer.concat([first.subarray(CIPHER_IV_SIZE), ...inner.written.slice(1)]);
    assert.deepEqual(createDecipheriv('aes-128-cfb', KAT_KEY, iv).update(ct), KAT_PLAIN);
    // With the KAT IV the same bytes would be the OpenSSL answer: check the IV is random, not fixed.
    assert.notDeepEqual(iv, Buffer.alloc(CIPHER_IV_SIZE));
    enc.destroy();
  });

  test('reads an IV split across chunks, then decrypts the OpenSSL ciphertext', async () => {
    const inner = fakeInner();
    const enc = createEncryptedStream(inner, KAT_KEY);
    const wire = Buffer.concat([KAT_IV, KAT_CIPHER]);
    for (const p of split(wire, [3, 10, 5, 1, 17])) inner.push(p);
    inner.push(null);
    assert.deepEqual(await readAll(enc), KAT_PLAIN);
  });

  test('loops back through a PassThrough with odd write sizes', async () => {
    const enc = createEncryptedStream(new PassThrough(), deriveCipherKey('loop'));
    const data = randomBytes(200_000);
    const reading = readAll(enc);
    for (const p of split(data, ODD_SIZES)) enc.write(p);
    enc.end();
    assert.deepEqual(await reading, data);
  });

  test('an end before any byte is a clean end; an end inside the IV is UNEXPECTED_EOF', async () => {
    const clean = fakeInner();
    const e1 = createEncryptedStream(clean, KAT_KEY);
    clean.push(null);
    assert.equal((await readAll(e1)).length, 0);

    const short = fakeInner();
    const e2 = createEncryptedStream(short, KAT_KEY);
    short.push(KAT_IV.subarray(0, 5));
    short.push(null);
    await assert.rejects(readAll(e2), (e: unknown) => isBurrowError(e, ErrorCode.UNEXPECTED_EOF));
  });

  test('a full reader pauses inner until it reads again', async () => {
    const inner = fakeInner();
    const enc = createEncryptedStream(inner, KAT_KEY);
    const plain = randomBytes(1024 * 1024);
    const ct = createCipheriv('aes-128-cfb', KAT_KEY, KAT_IV).update(plain);
    inner.push(KAT_IV);
    for (const p of split(ct, [8192])) inner.push(p);
    inner.push(null);
    await sleep(20);
    assert.equal(inner.isPaused(), true, 'inner paused while nobody reads');
    assert.ok(enc.readableLength < 256 * 1024, `bounded buffering (${enc.readableLength})`);
    assert.deepEqual(await readAll(enc), plain);
  });

  test('holds the write callback until inner drains', async () => {
    const inner = fakeInner({ writeDelay: true, writableHighWaterMark: 1 });
    const enc = createEncryptedStream(inner, KAT_KEY);
    const events: string[] = [];
    enc.write(Buffer.from('a'), () => events.push(`cb1 after ${inner.completed()} inner writes`));
    enc.write(Buffer.from('b'), () => events.push(`cb2 after ${inner.completed()} inner writes`));
    assert.equal(inner.writableNeedDrain, true, 'IV + first byte exceed inner highWaterMark');
    await Promise.resolve();
    assert.deepEqual(events, [], 'callback held while inner is full');
    await sleep(20);
    assert.deepEqual(events, ['cb1 after 1 inner writes', 'cb2 after 2 inner writes']);
    assert.equal(inner.written.length, 2);
    enc.destroy();
  });

  test('end propagates both ways', async () => {
    const inner = fakeInner();
    const enc = createEncryptedStream(inner, KAT_KEY);
    const finished = once(inner, 'finish');
    enc.end(Buffer.from('bye'));
    await finished;
    const ended = once(enc, 'end');
    enc.resume();
    inner.push(null);
    await ended;
  });

  test('errors and destroy propagate both ways', async () => {
    const i1 = fakeInner();
    const e1 = createEncryptedStream(i1, KAT_KEY);
    const err1 = once(e1, 'error');
    i1.destroy(new Error('boom'));
    assert.match(String((await err1)[0]), /boom/);

    const i2 = fakeInner();
    const e2 = createEncryptedStream(i2, KAT_KEY);
    const closed2 = once(e2, 'close');
    i2.destroy();
    await closed2;
    assert.equal(e2.destroyed, true);

    const i3 = fakeInner();
    const e3 = createEncryptedStream(i3, KAT_KEY);
    const closed3 = once(i3, 'close');
    e3.destroy();
    await closed3;
    assert.equal(i3.destroyed, true);

    const i4 = fakeInner();
    const e4 = createEncryptedStream(i4, KAT_KEY);
    const innerErr = once(i4, 'error');
    e4.on('error', () => {});
    e4.destroy(new Error('down'));
    assert.match(String((await innerErr)[0]), /down/);
  });

  test(
    'round trip over a loopback socket pair: odd chunks, 32 MiB, backpressure, no loss or reordering',
    { timeout: ROUND_TRIP_TIMEOUT_MS },
    async () => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as net.AddressInfo;
      const key = deriveCipherKey('round-trip-token');
      server.on('connection', (sock) => {
        // The server side echoes through its own cipher: decrypt, re-encrypt with a fresh IV.
        const s = createEncryptedStream(sock, key);
        s.pipe(s);
      });
      const sock = net.connect(port, '127.0.0.1');
      await once(sock, 'connect');
      try {
        const client = createEncryptedStream(sock, key);
        const payload = randomBytes(BACKPRESSURE_PAYLOAD + 12_345);
        const chunks = split(payload, ODD_SIZES);
        // Read late so the whole path fills up and backpressure has to engage.
        const reading = sleep(200).then(() => readAll(client));
        let sawBackpressure = false;
        for (const c of chunks) {
          if (!client.write(c)) {
            sawBackpressure = true;
            await once(client, 'drain');
          }
        }
        client.end();
        const echoed = await reading;
        assert.ok(sawBackpressure, 'write() returned false at least once');
        assert.equal(echoed.length, payload.length);
        assert.ok(echoed.equals(payload), 'bytes come back identical and in order');
      } finally {
        sock.destroy();
        server.close();
        await once(server, 'close');
      }
    },
  );
});
