// fast-check generators of yamux frames: mostly well-formed headers with small stream ids, some broken ones.
import fc from 'fast-check';
import { HEADER_SIZE } from '../../../src/mux/const.js';

/** Stream ids frames use: both parities, 0, and the top of the range. */
const streamId = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 9 }) },
  { weight: 1, arbitrary: fc.constantFrom(0xfffffffe, 0xffffffff) },
);
/** Flag sets, single flags most often. */
const flags = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0, 1, 2, 4, 8, 3, 5) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

/** One frame: [header][payload]; a Data frame's length usually matches its payload. */
export const yamuxFrame: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    fc.oneof(
      { weight: 30, arbitrary: fc.integer({ min: 0, max: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    ),
    flags,
    streamId,
    fc.oneof(
      { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.constantFrom(1024, 65536, 262144, 262145).map((n) => Buffer.alloc(n, 0x5a)) },
    ),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant<number | undefined>(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x40000, 0x7fffffff, 0xffffffff) },
    ),
  )
  .map(([version, type, flag, id, payload, lengthOverride]) => {
    const head = Buffer.alloc(HEADER_SIZE);
    head[0] = version;
    head[1] = type;
    head.writeUInt16BE(flag, 2);
    head.writeUInt32BE(id, 4);
    const isData = type === 0;
    const length = lengthOverride ?? (isData ? payload.length : payload.length * 97);
    head.writeUInt32BE(length >>> 0, 8);
    return isData ? Buffer.concat([head, payload.subarray(0, Math.min(payload.length, length))]) : head;
  });

/** [seed][mode][frames][random tail]. */
export const yamuxInput: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.array(yamuxFrame, { maxLength: 12 }),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([seed, mode, frames, tail]) => Buffer.concat([Buffer.from([seed, mode]), ...frames, Buffer.from(tail)]));
