// Snappy block codec and CRC-32C tests: known answers, hand-built blocks, round trips of many sizes, corrupt input.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { BurrowError, ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  crc32c,
  snappyDecodeBlock,
  snappyDecodedLength,
  snappyEncodeBlock,
  snappyMaskedCrc,
  snappyMaxEncodedLength,
} from '../../src/wire/snappy/index.js';
import { fixtureText, sampleText } from './snappy-fixture.js';
import { xorByte } from './bytes.js';

/** Random mutations tried by the fuzz test (each decode is tiny). */
const FUZZ_ROUNDS = 3000;

function isProtocol(err: unknown): boolean {
  return isBurrowError(err, ErrorCode.PROTOCOL);
}

describe('crc32c', () => {
  // Check values: RFC 3720 appendix B.4 (iSCSI) and the common "123456789" check; masked values from an
  // independent bitwise Python implementation of CRC-32C and snappy's mask.
  const cases: [string, Buffer, number, number][] = [
    ['"123456789"', Buffer.from('123456789'), 0xe3069283, 0xc78ab0e5],
    ['empty', Buffer.alloc(0), 0x00000000, 0xa282ead8],
    ['32 zero bytes', Buffer.alloc(32), 0x8a9136aa, 0x0fd7fffa],
    ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43, 0xf909b029],
    ['bytes 0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e, 0x951f7892],
    ['"hello"', Buffer.from('hello'), 0x9a71bb4c, 0x191c1fbb],
  ];
  for (const [name, data, crc, masked] of cases) {
    test(`${name}: crc 0x${crc.toString(16)}, masked 0x${masked.toString(16)}`, () => {
      assert.equal(crc32c(data), crc);
      assert.equal(snappyMaskedCrc(data), masked);
    });
  }

  test('the 8-byte fast path and the byte tail agree at every length and alignment', () => {
    const data = randomBytes(300);
    // Reference: byte-at-a-time, the textbook definition.
    const slow = (b: Uint8Array): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (let start = 0; start < 9; start++) {
      for (let len = 0; len < 40; len++) {
        const view = data.subarray(start, start + len);
        assert.equal(crc32c(view), slow(view), `start ${start} length ${len}`);
      }
    }
    assert.equal(crc32c(data), slow(data));
  });
});

describe('snappyDecodeBlock on hand-built blocks', () => {
  test('a literal', () => {
    assert.equal(snappyDecodeBlock(Buffer.from([0x03, 0x08, 0x61, 0x62, 0x63]), 10).toString(), 'abc');
  });

  test('a literal whose length is in one extra byte (tag 60)', () => {
    const lit = Buffer.alloc(100, 0x7a);
    const block = Buffer.concat([Buffer.from([100, 60 << 2, 99]), lit]);
    assert.deepEqual(snappyDecodeBlock(block, 100), lit);
  });

  test('copy-1 with an overlapping run (offset 1)', () => {
    // "a" then copy length 9 offset 1: tag = ((9-4) << 2) | 1 = 0x15
    assert.equal(snappyDecodeBlock(Buffer.from([10, 0x00, 0x61, 0x15, 0x01]), 10).toString(), 'aaaaaaaaaa');
  });

  test('copy-1 with the offset high bits in the tag', () => {
    const head = randomBytes(1500);
    // copy length 4 from offset 1500 = 0x5dc: tag = (0x5 << 5) | (0 << 2) | 1, low byte 0xdc
    const block = Buffer.concat([
      Buffer.from([0xe0, 0x0b]),
      Buffer.from([61 << 2, 0xdb, 0x05]),
      head,
      Buffer.from([0xa1, 0xdc]),
    ]);
    const out = snappyDecodeBlock(block, 2000);
    assert.equal(out.length, 1504);
    assert.deepEqual(out.subarray(1500), head.subarray(0, 4));
  });

  test('copy-2 and legacy copy-4', () => {
    // "abcd" + copy-2 len 8 off 4 + copy-4 len 4 off 12
    const block = Buffer.from([16, 0x0c, 0x61, 0x62, 0x63, 0x64, (7 << 2) | 2, 4, 0, (3 << 2) | 3, 12, 0, 0, 0]);
    assert.equal(snappyDecodeBlock(block, 16).toString(), 'abcdabcdabcdabcd');
  });

  test('an empty block is the single byte 0', () => {
    assert.equal(snappyDecodeBlock(Buffer.from([0]), 0).length, 0);
    assert.deepEqual(snappyEncodeBlock(Buffer.alloc(0)), Buffer.from([0]));
  });

  test('multi-byte length varint', () => {
    assert.deepEqual(snappyDecodedLength(Buffer.from([0xfe, 0xff, 0x7f])), { length: 2097150, headerBytes: 3 });
    assert.deepEqual(snappyDecodedLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), {
      length: 0xffffffff,
      headerBytes: 5,
    });
  });

  const corrupt: [string, number[], number, RegExp][] = [
    ['no bytes', [], 10, /length varint truncated/],
    ['a truncated varint', [0x80, 0x80], 10, /length varint truncated/],
    ['a varint over 32 bits', [0xff, 0xff, 0xff, 0xff, 0x1f], 10, /exceeds 32 bits/],
    ['a length over the limit', [0x0b, 0x00, 0x61], 10, /declares 11 uncompressed bytes, more than the limit of 10/],
    ['a literal running past the end', [0x03, 0x08, 0x61], 10, /literal of 3 bytes at byte 2 runs past the block end/],
    [
      'a literal longer than declared',
      [0x02, 0x08, 0x61, 0x62, 0x63],
      10,
      /literal of 3 bytes overflows the declared length 2/,
    ],
    ['a truncated literal length', [0x40, 60 << 2], 100, /literal length truncated/],
    ['a copy with offset 0', [0x05, 0x00, 0x61, 0x01, 0x00], 10, /copy offset 0 at output byte 1/],
    [
      'a copy reaching before the start',
      [0x05, 0x00, 0x61, 0x01, 0x02],
      10,
      /copy offset 2 at output byte 1 points outside/,
    ],
    [
      'a copy longer than declared',
      [0x04, 0x00, 0x61, 0x15, 0x01],
      10,
      /copy of 9 bytes overflows the declared length 4/,
    ],
    ['a truncated copy-2', [0x05, 0x00, 0x61, 0x0e, 0x01], 10, /copy-2 element truncated/],
    ['a truncated copy-1', [0x05, 0x00, 0x61, 0x01], 10, /copy-1 element truncated/],
    ['a truncated copy-4', [0x05, 0x00, 0x61, 0x03, 0x01, 0x00], 10, /copy-4 element truncated/],
    ['output shorter than declared', [0x05, 0x00, 0x61], 10, /decoded 1 bytes, but the block declares 5/],
  ];
  for (const [name, bytes, limit, message] of corrupt) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => snappyDecodeBlock(Buffer.from(bytes), limit),
        (err: unknown) => isProtocol(err) && message.test((err as Error).message),
      );
    });
  }
});

describe('snappyEncodeBlock round trips', () => {
  const sizes = [0, 1, 2, 3, 4, 15, 16, 17, 18, 100, 4095, 65535, 65536, 65537, 200_000, 1024 * 1024];
  const kinds: [string, (n: number) => Buffer][] = [
    ['random', (n) => randomBytes(n)],
    ['text', (n) => sampleText(n, n + 7)],
    ['zeros', (n) => Buffer.alloc(n)],
    [
      'fixture lines',
      (n) => Buffer.concat(Array.from({ length: Math.ceil(n / 62_400) + 1 }, fixtureText)).subarray(0, n),
    ],
  ];
  for (const [kind, make] of kinds) {
    test(`${kind}: sizes ${sizes.join(', ')} decode to the input, within the worst-case size`, () => {
      for (const n of sizes) {
        const src = make(n);
        const enc = snappyEncodeBlock(src);
        assert.ok(enc.length <= snappyMaxEncodedLength(n), `${kind} ${n}: ${enc.length} > max`);
        assert.deepEqual(snappyDecodeBlock(enc, n), src, `${kind} ${n}`);
      }
    });
  }

  test('compresses text and runs for real', () => {
    const text = fixtureText();
    const enc = snappyEncodeBlock(text);
    // golang/snappy gets the fixture's 62,400 bytes to about a tenth; require at least 4x.
    assert.ok(enc.length < text.length / 4, `fixture text: ${enc.length} of ${text.length}`);
    const words = sampleText(1024 * 1024);
    assert.ok(snappyEncodeBlock(words).length < words.length / 2, 'word soup halves at least');
    const zeros = Buffer.alloc(1024 * 1024);
    // A run costs ~3 bytes per 64 bytes matched.
    assert.ok(snappyEncodeBlock(zeros).length < zeros.length / 16, 'zeros compress 16x at least');
  });

  test('incompressible input grows by only a few bytes', () => {
    const src = randomBytes(65536);
    assert.ok(snappyEncodeBlock(src).length <= src.length + 8);
  });

  test('every byte offset of a long match is preserved (matches at 1..65535 bytes back)', () => {
    const unit = randomBytes(70_000);
    for (const back of [1, 2, 3, 4, 7, 8, 11, 12, 63, 64, 65, 67, 68, 2047, 2048, 2049, 65535]) {
      const src = Buffer.concat([unit.subarray(0, back), unit.subarray(0, back), unit.subarray(0, 100)]);
      assert.deepEqual(snappyDecodeBlock(snappyEncodeBlock(src), src.length), src, `back ${back}`);
    }
  });
});

describe('snappyDecodeBlock on hostile input', () => {
  test(`${FUZZ_ROUNDS} mutated and random blocks throw only BurrowError PROTOCOL and never exceed the limit`, () => {
    const base = snappyEncodeBlock(sampleText(3000));
    const limit = 4000;
    let rejected = 0;
    for (let i = 0; i < FUZZ_ROUNDS; i++) {
      let block: Buffer;
      if (i % 3 === 0) {
        block = randomBytes(1 + (i % 64));
      } else {
        block = Buffer.from(base);
        const flips = 1 + (i % 5);
        for (let k = 0; k < flips; k++) xorByte(block, (i * 7919 + k * 104729) % block.length, 1 << ((i + k) % 8));
        if (i % 5 === 0) block = block.subarray(0, (i * 31) % block.length);
      }
      try {
        const out = snappyDecodeBlock(block, limit);
        assert.ok(out.length <= limit);
      } catch (err) {
        assert.ok(err instanceof BurrowError, `round ${i}: ${String(err)}`);
        assert.equal(err.code, ErrorCode.PROTOCOL);
        rejected++;
      }
    }
    assert.ok(rejected > FUZZ_ROUNDS / 3, `most hostile blocks are rejected (${rejected})`);
  });
});
