// Snappy framing tests: exact chunk bytes, chunk choice, every reader rejection, and the real frp echo-ez capture.
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { deriveCipherKey } from '../../src/wire/cipher.js';
import { decodeMessage } from '../../src/wire/codec.js';
import {
  encodeSnappyFrames,
  MAX_CHUNK_BODY,
  snappyEncodeBlock,
  snappyMaskedCrc,
  SnappyFrameDecoder,
  STREAM_IDENTIFIER_CHUNK,
} from '../../src/wire/snappy/index.js';
import { FIXTURE_LINE_COUNT, fixtureText, loadCaptureReads, sampleText } from './snappy-fixture.js';

const STREAM_ID_HEX = 'ff060000734e61507059';
/** AES-128-CFB IV in front of each encrypted direction. */
const IV_SIZE = 16;

/** Decode a whole framed stream; asserts nothing is left over. */
function decodeAll(framed: Buffer): Buffer {
  const d = new SnappyFrameDecoder();
  const out = Buffer.concat(d.push(framed));
  d.finish();
  return out;
}

/** A data chunk built by hand: type, 3-byte LE length, masked CRC of `data`, then `body`. */
function chunk(type: number, body: Buffer, crcOf?: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUIntLE(body.length + 4, 1, 3);
  head.writeUInt32LE(snappyMaskedCrc(crcOf ?? body), 4);
  return Buffer.concat([head, body]);
}

function rawChunk(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUIntLE(body.length, 1, 3);
  return Buffer.concat([head, body]);
}

function expectProtocol(framed: Buffer, message: RegExp): void {
  const d = new SnappyFrameDecoder();
  assert.throws(
    () => {
      d.push(framed);
      d.finish();
    },
    (err: unknown) => isBurrowError(err, ErrorCode.PROTOCOL) && message.test((err as Error).message),
  );
}

describe('encodeSnappyFrames', () => {
  test('"hello" as the first write: stream identifier, then an uncompressed chunk (exact bytes)', () => {
    const out = Buffer.concat(encodeSnappyFrames(Buffer.from('hello'), true));
    // 01 | len 9 = 4 + 5 | masked crc32c("hello") = 0x191c1fbb little-endian | "hello"
    assert.equal(
      out.toString('hex'),
      `${STREAM_ID_HEX}01` + '090000' + 'bb1f1c19' + Buffer.from('hello').toString('hex'),
    );
    assert.equal(STREAM_IDENTIFIER_CHUNK.toString('hex'), STREAM_ID_HEX);
  });

  test('later writes carry no stream identifier; an empty write produces nothing', () => {
    assert.deepEqual(encodeSnappyFrames(Buffer.alloc(0), true), []);
    const later = Buffer.concat(encodeSnappyFrames(Buffer.from('hello'), false));
    assert.equal(later[0], 0x01);
    assert.equal(later.length, 8 + 5);
  });

  test('compressible text → one compressed chunk (type 0x00) holding the raw block', () => {
    const text = fixtureText().subarray(0, 10_000);
    const frames = encodeSnappyFrames(text, false);
    assert.equal(frames.length, 1);
    const [f] = frames;
    assert.ok(f);
    assert.equal(f[0], 0x00);
    assert.equal(f.readUIntLE(1, 3), f.length - 4);
    assert.equal(f.readUInt32LE(4), snappyMaskedCrc(text));
    assert.deepEqual(f.subarray(8), snappyEncodeBlock(text));
  });

  test('random data → uncompressed chunk whose payload is a view of the input (no copy)', () => {
    const data = randomBytes(5000);
    const frames = encodeSnappyFrames(data, false);
    assert.equal(frames.length, 2);
    const [identifier, chunk] = frames;
    assert.ok(identifier && chunk);
    assert.equal(identifier[0], 0x01);
    assert.equal(identifier.length, 8);
    assert.equal(chunk.buffer, data.buffer);
    assert.equal(chunk.byteOffset, data.byteOffset);
  });

  test('the 12.5 % rule: chunks that save less go uncompressed', () => {
    // Half random, half zeros saves ~50 %: compressed. 95 % random saves < 12.5 %: uncompressed.
    const half = Buffer.concat([randomBytes(4000), Buffer.alloc(4000)]);
    assert.equal(encodeSnappyFrames(half, false)[0]?.[0], 0x00);
    const mostlyRandom = Buffer.concat([randomBytes(7600), Buffer.alloc(400)]);
    assert.equal(encodeSnappyFrames(mostlyRandom, false)[0]?.[0], 0x01);
  });

  for (const size of [65535, 65536, 65537, 3 * 65536 + 10]) {
    test(`${size} bytes → ceil(size / 64 KiB) chunks of at most 64 KiB each, decoding back`, () => {
      const data = sampleText(size, size);
      const framed = Buffer.concat(encodeSnappyFrames(data, true));
      const d = new SnappyFrameDecoder();
      const pieces = d.push(framed);
      assert.equal(pieces.length, Math.ceil(size / 65536));
      for (const p of pieces) assert.ok(p.length <= 65536);
      assert.deepEqual(Buffer.concat(pieces), data);
    });
  }
});

describe('SnappyFrameDecoder', () => {
  const text = sampleText(100_000);
  const framed = Buffer.concat([
    ...encodeSnappyFrames(text.subarray(0, 70_000), true),
    ...encodeSnappyFrames(randomBytes(10), false),
    ...encodeSnappyFrames(text.subarray(70_000), false),
  ]);

  test('byte-at-a-time and odd splits give the same output as one push', () => {
    const whole = decodeAll(framed);
    for (const step of [1, 3, 7, 4096, 65_537]) {
      const d = new SnappyFrameDecoder();
      const out: Buffer[] = [];
      for (let off = 0; off < framed.length; off += step) out.push(...d.push(framed.subarray(off, off + step)));
      d.finish();
      assert.deepEqual(Buffer.concat(out), whole, `step ${step}`);
    }
    assert.deepEqual(whole.subarray(0, 70_000), text.subarray(0, 70_000));
  });

  test('skips padding (0xfe) and reserved skippable chunks (0x80..0xfd), accepts a repeated stream identifier', () => {
    const data = Buffer.from('payload');
    const stream = Buffer.concat([
      STREAM_IDENTIFIER_CHUNK,
      rawChunk(0xfe, Buffer.alloc(100)),
      rawChunk(0x80, Buffer.from('skip me')),
      chunk(0x01, data),
      rawChunk(0xfd, Buffer.alloc(0)),
      STREAM_IDENTIFIER_CHUNK,
      chunk(0x01, data),
    ]);
    assert.equal(decodeAll(stream).toString(), 'payloadpayload');
  });

  test('an empty stream is fine; so is one holding only the identifier', () => {
    assert.equal(decodeAll(Buffer.alloc(0)).length, 0);
    assert.equal(decodeAll(STREAM_IDENTIFIER_CHUNK).length, 0);
  });

  test('rejects a data chunk before the stream identifier', () => {
    expectProtocol(
      chunk(0x01, Buffer.from('x')),
      /expected the stream identifier chunk \(0xff\) first, got chunk type 0x01/,
    );
    expectProtocol(
      rawChunk(0xfe, Buffer.alloc(1)),
      /expected the stream identifier chunk \(0xff\) first, got chunk type 0xfe/,
    );
  });

  test('rejects a bad stream identifier', () => {
    expectProtocol(rawChunk(0xff, Buffer.from('SnAPpY')), /bad stream identifier "SnAPpY", expected "sNaPpY"/);
    expectProtocol(rawChunk(0xff, Buffer.from('sNaPpY!')), /stream identifier chunk must be 6 bytes, got 7/);
  });

  for (const type of [0x02, 0x10, 0x7f]) {
    test(`rejects reserved unskippable chunk type 0x${type.toString(16).padStart(2, '0')}`, () => {
      expectProtocol(
        Buffer.concat([STREAM_IDENTIFIER_CHUNK, rawChunk(type, Buffer.alloc(4))]),
        /reserved unskippable chunk type 0x/,
      );
    });
  }

  test('rejects a CRC mismatch in an uncompressed and in a compressed chunk', () => {
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, chunk(0x01, Buffer.from('data'), Buffer.from('other'))]),
      /checksum mismatch in uncompressed chunk of 4 bytes: expected 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/,
    );
    const block = snappyEncodeBlock(Buffer.alloc(1000));
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, chunk(0x00, block, Buffer.alloc(999))]),
      /checksum mismatch in compressed chunk of 1000 bytes/,
    );
  });

  test('rejects a compressed chunk with a corrupt block', () => {
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, chunk(0x00, Buffer.from([0x05, 0x00, 0x61]))]),
      /compressed chunk: snappy block is corrupt/,
    );
  });

  test('rejects a compressed chunk declaring more than 64 KiB', () => {
    const block = snappyEncodeBlock(Buffer.alloc(65537));
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, chunk(0x00, block)]),
      /declares 65537 uncompressed bytes, more than the limit of 65536/,
    );
  });

  test('rejects an oversize chunk from its header alone (before its body arrives)', () => {
    const head = Buffer.from([0x00, 0, 0, 0]);
    head.writeUIntLE(MAX_CHUNK_BODY + 1, 1, 3);
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, head]),
      new RegExp(`declares ${MAX_CHUNK_BODY + 1} bytes, more than the limit of ${MAX_CHUNK_BODY}`),
    );
    const skippable = Buffer.from([0x80, 0xff, 0xff, 0xff]);
    expectProtocol(Buffer.concat([STREAM_IDENTIFIER_CHUNK, skippable]), /chunk type 0x80 declares 16777215 bytes/);
  });

  test('rejects an uncompressed chunk over 64 KiB and a data chunk shorter than its checksum', () => {
    const head = Buffer.from([0x01, 0, 0, 0]);
    head.writeUIntLE(4 + 65537, 1, 3);
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, head]),
      /uncompressed chunk holds 65537 bytes, more than the limit of 65536/,
    );
    expectProtocol(
      Buffer.concat([STREAM_IDENTIFIER_CHUNK, rawChunk(0x00, Buffer.alloc(3))]),
      /data chunk type 0x00 of 3 bytes is shorter than its 4-byte checksum/,
    );
  });

  test('a stream ending inside a chunk is UNEXPECTED_EOF; a failed decoder stays failed', () => {
    const d = new SnappyFrameDecoder();
    d.push(framed.subarray(0, 100));
    assert.equal(d.buffered, 100 - STREAM_IDENTIFIER_CHUNK.length);
    assert.throws(
      () => d.finish(),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.UNEXPECTED_EOF) &&
        /ended inside a chunk: 90 of \d+ bytes/.test((err as Error).message),
    );
    const bad = new SnappyFrameDecoder();
    assert.throws(() => bad.push(Buffer.from([0x01, 0, 0, 0])));
    assert.throws(
      () => bad.push(STREAM_IDENTIFIER_CHUNK),
      (err: unknown) => isBurrowError(err, ErrorCode.PROTOCOL),
    );
  });
});

describe('golden: frp 0.70.0 echo-ez work connection (v1-nomux conn-4, useEncryption + useCompression)', () => {
  const reads = loadCaptureReads('v1-nomux', 4);
  const expected = fixtureText();
  for (const dir of ['c2s', 's2c'] as const) {
    test(`${dir}: after the ${dir === 'c2s' ? 'NewWorkConn' : 'StartWorkConn'}, AES-128-CFB then snappy framing gives the ${FIXTURE_LINE_COUNT} lines`, () => {
      const all = Buffer.concat(reads[dir]);
      const first = decodeMessage(all);
      assert.ok(first, 'a complete v1 message first');
      assert.equal(first.message.type, dir === 'c2s' ? 'NewWorkConn' : 'StartWorkConn');
      const payload = all.subarray(first.bytesUsed);
      const plain = createDecipheriv(
        'aes-128-cfb',
        deriveCipherKey('fixture-token'),
        payload.subarray(0, IV_SIZE),
      ).update(payload.subarray(IV_SIZE));
      assert.equal(plain.subarray(0, STREAM_IDENTIFIER_CHUNK.length).toString('hex'), STREAM_ID_HEX);
      // Walk the chunks: golang/snappy wrote data chunks only; text this regular must have compressed.
      const types: number[] = [];
      for (let off = STREAM_IDENTIFIER_CHUNK.length; off < plain.length; off += 4 + plain.readUIntLE(off + 1, 3))
        types.push(plain.readUInt8(off));
      assert.ok(types.length > 0 && types.every((t) => t === 0x00 || t === 0x01), `chunk types ${types.join(',')}`);
      assert.ok(types.includes(0x00), 'golang/snappy compressed at least one chunk');
      const out = decodeAll(plain);
      assert.equal(out.length, expected.length);
      assert.ok(out.equals(expected), 'the decoded bytes are the fixture lines exactly');
      // Our encoder should be in golang/snappy's league on the same bytes.
      const ours = Buffer.concat(encodeSnappyFrames(expected, true)).length;
      assert.ok(ours <= plain.length * 1.15, `ours ${ours} bytes vs golang/snappy's ${plain.length}`);
    });
  }
});
