// Byte-level mutations of seed and corpus inputs (bit flips, interesting values, splices, cuts), deterministic from a PRNG.

/** Byte values that sit on edges parsers test against. */
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x16, 0x17, 0x0a, 0x0d, 0x20, 0x3a, 0x7b, 0x7d, 0x22];
/** 32-bit values (written big- or little-endian) that sit on length-field edges. */
const INTERESTING_U32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0xffff, 0x10000, 0x10010, 0x7fffffff, 0x80000000, 0xffffffff,
];
/** Most mutations stacked on one input. */
const MAX_STACKED_MUTATIONS = 8;

/** One mutation step over a working copy. */
type Mutation = (b: Buffer, rand: () => number, others: readonly Buffer[]) => Buffer;

const pick = <T>(list: readonly T[], rand: () => number): T => list[Math.floor(rand() * list.length)]!;
const at = (b: Buffer, rand: () => number): number => Math.floor(rand() * b.length);

const MUTATIONS: Mutation[] = [
  // Flip one bit.
  (b, rand) => {
    if (b.length === 0) return b;
    const i = at(b, rand);
    b[i] = b[i]! ^ (1 << Math.floor(rand() * 8));
    return b;
  },
  // Set one byte to a random or an interesting value.
  (b, rand) => {
    if (b.length === 0) return b;
    b[at(b, rand)] = rand() < 0.5 ? Math.floor(rand() * 256) : pick(INTERESTING_BYTES, rand);
    return b;
  },
  // Write an interesting 16- or 32-bit value, either byte order.
  (b, rand) => {
    const width = rand() < 0.5 ? 2 : 4;
    if (b.length < width) return b;
    const i = Math.floor(rand() * (b.length - width + 1));
    const v = pick(INTERESTING_U32, rand) % 2 ** (8 * width);
    if (rand() < 0.5) b.writeUIntBE(v, i, width);
    else b.writeUIntLE(v, i, width);
    return b;
  },
  // Add or subtract a small number from one byte.
  (b, rand) => {
    if (b.length === 0) return b;
    const i = at(b, rand);
    b[i] = (b[i]! + Math.floor(rand() * 35) - 17) & 0xff;
    return b;
  },
  // Delete a range.
  (b, rand) => {
    if (b.length === 0) return b;
    const i = at(b, rand);
    const n = 1 + Math.floor(rand() * Math.min(32, b.length - i));
    return Buffer.concat([b.subarray(0, i), b.subarray(i + n)]);
  },
  // Insert random bytes.
  (b, rand) => {
    const i = Math.floor(rand() * (b.length + 1));
    const n = 1 + Math.floor(rand() * 16);
    const ins = Buffer.alloc(n);
    for (let k = 0; k < n; k++) ins[k] = Math.floor(rand() * 256);
    return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
  },
  // Duplicate a range in place (repeated fields, repeated frames).
  (b, rand) => {
    if (b.length === 0) return b;
    const i = at(b, rand);
    const n = 1 + Math.floor(rand() * Math.min(64, b.length - i));
    return Buffer.concat([b.subarray(0, i + n), b.subarray(i, i + n), b.subarray(i + n)]);
  },
  // Truncate.
  (b, rand) => b.subarray(0, Math.floor(rand() * b.length)),
  // Splice: our head, another input's tail.
  (b, rand, others) => {
    if (others.length === 0) return b;
    const o = pick(others, rand);
    return Buffer.concat([
      b.subarray(0, Math.floor(rand() * (b.length + 1))),
      o.subarray(Math.floor(rand() * (o.length + 1))),
    ]);
  },
];

/**
 * A mutated copy of `input`: 1..8 stacked mutations chosen by `rand`, splicing with `others`
 * sometimes, cut to `maxBytes`. Never changes `input` itself.
 */
export function mutate(input: Buffer, rand: () => number, others: readonly Buffer[], maxBytes: number): Buffer {
  let b = Buffer.from(input);
  const steps = 1 + Math.floor(rand() * MAX_STACKED_MUTATIONS);
  for (let i = 0; i < steps; i++) b = Buffer.from(pick(MUTATIONS, rand)(b, rand, others));
  return b.length > maxBytes ? b.subarray(0, maxBytes) : b;
}
