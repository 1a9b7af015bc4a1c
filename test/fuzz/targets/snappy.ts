// Fuzz target "snappy": raw block decoding and the framing decoder on random/mutated chunks; encode→decode round trips.
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { snappyDecodeBlock, snappyDecodedLength } from '../../../src/wire/snappy/block-decode.js';
import { snappyEncodeBlock } from '../../../src/wire/snappy/block-encode.js';
import {
  CHUNK_HEADER_SIZE,
  MAX_BLOCK_SIZE,
  MAX_CHUNK_BODY,
  STREAM_IDENTIFIER_CHUNK,
} from '../../../src/wire/snappy/constants.js';
import { snappyMaskedCrc } from '../../../src/wire/snappy/crc32c.js';
import { encodeSnappyFrames, SnappyFrameDecoder } from '../../../src/wire/snappy/framing.js';
import { check, mustWork, split, typed, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest input: a few maximum chunks. */
const MAX_INPUT = 3 * (CHUNK_HEADER_SIZE + MAX_CHUNK_BODY);
/** Mode bit of an input's second byte: also check that the data round-trips through the encoders. */
const MODE_ROUND_TRIP = 1;

/** Data worth compressing: runs and repeats, plus noise. */
const plain: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 400 }))
    .map(([unit, n]) => Buffer.concat(Array.from({ length: n }, () => Buffer.from(unit)))),
  fc.constantFrom(MAX_BLOCK_SIZE, MAX_BLOCK_SIZE + 1).map((n) => Buffer.alloc(n, 0x33)),
);

function chunk(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(CHUNK_HEADER_SIZE);
  head[0] = type;
  head.writeUIntLE(body.length, 1, 3);
  return Buffer.concat([head, body]);
}

function crcOf(data: Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(snappyMaskedCrc(data));
  return b;
}

/** One framing chunk: valid compressed/uncompressed data, padding, skippable, reserved, bad CRC. */
const frameChunk: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: plain.map((p) => Buffer.concat(encodeSnappyFrames(p.subarray(0, MAX_BLOCK_SIZE), false))) },
  { weight: 2, arbitrary: plain.map((p) => chunk(0x00, Buffer.concat([crcOf(p), snappyEncodeBlock(p)]))) },
  { weight: 1, arbitrary: plain.map((p) => chunk(0x01, Buffer.concat([Buffer.alloc(4), p]))) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(0x02, 0x7f, 0x80, 0xfd, 0xfe, 0xff), fc.uint8Array({ maxLength: 16 }))
      .map(([t, b]) => chunk(t, Buffer.from(b))),
  },
  { weight: 1, arbitrary: fc.constant(STREAM_IDENTIFIER_CHUNK) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(0, 3, MAX_CHUNK_BODY, MAX_CHUNK_BODY + 1, 0xffffff)
      .map((n) => Buffer.from([0x00, n & 0xff, (n >> 8) & 0xff, n >> 16])),
  },
);

/** [seed][mode][a framed stream, or a raw block]. */
const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(
      fc
        .tuple(fc.boolean(), fc.array(frameChunk, { maxLength: 5 }))
        .map(([id, chunks]) => Buffer.concat([id ? STREAM_IDENTIFIER_CHUNK : Buffer.alloc(0), ...chunks])),
      plain.map((p) => snappyEncodeBlock(p)),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    ),
  )
  .map(([seed, mode, body]) => Buffer.concat([Buffer.from([seed, mode]), body]));

function seeds(): Buffer[] {
  const text = Buffer.from('snappy snappy snappy framing format '.repeat(40));
  return [
    Buffer.concat([Buffer.from([1, MODE_ROUND_TRIP]), ...encodeSnappyFrames(text, true)]),
    Buffer.concat([Buffer.from([2, 0]), snappyEncodeBlock(text)]),
    Buffer.concat([Buffer.from([3, 0]), ...encodeSnappyFrames(Buffer.from([1, 2, 3, 4, 5]), true)]),
  ];
}

function run(input: Buffer): void {
  if (input.length < 2) return;
  const [seed, mode] = [input[0]!, input[1]!];
  const data = input.subarray(2);
  // Raw block: decoded output never exceeds the bound, and equals the declared length.
  const block = typed(() => snappyDecodeBlock(data, MAX_BLOCK_SIZE), 'snappyDecodeBlock');
  if (block !== undefined) {
    const declared = snappyDecodedLength(data).length;
    check(
      block.length === declared && block.length <= MAX_BLOCK_SIZE,
      `decoded ${block.length} bytes, block declares ${declared}`,
    );
  }
  // Framing: the incremental decoder holds at most one chunk, whatever the chunking.
  const decoder = new SnappyFrameDecoder();
  let failed = false;
  for (const piece of split(data, seed)) {
    try {
      decoder.push(piece);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw untyped(err, 'SnappyFrameDecoder.push');
      failed = true;
      break;
    }
    check(
      decoder.buffered <= CHUNK_HEADER_SIZE + MAX_CHUNK_BODY,
      `SnappyFrameDecoder holds ${decoder.buffered} bytes, above one chunk`,
    );
  }
  if (!failed) typed(() => decoder.finish(), 'SnappyFrameDecoder.finish');
  if ((mode & MODE_ROUND_TRIP) !== 0) {
    const again = typed(() => snappyDecodeBlock(snappyEncodeBlock(data), data.length), 'decoding our own block');
    check(again !== undefined && again.equals(data), 'snappy block round trip differs');
    const frames = Buffer.concat(encodeSnappyFrames(data, true));
    const out = mustWork(() => {
      const d = new SnappyFrameDecoder();
      const got = Buffer.concat(split(frames, seed + 1).flatMap((p) => d.push(p)));
      d.finish();
      return got;
    }, 'decoding our own snappy frames');
    check(out.equals(data), 'snappy framing round trip differs');
  }
}

/** Snappy block and framing decoders. */
export const snappyTarget: FuzzTarget = {
  name: 'snappy',
  about:
    'snappy: snappyDecodeBlock (length bound), SnappyFrameDecoder over random chunking (buffer bound, typed errors), round trips',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 1000,
  seeds,
  run,
};
