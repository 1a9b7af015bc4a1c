// Fuzz target "vhost-sni" (TLS ClientHello SNI reader): bounds and prefix consistency.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { MAX_CLIENT_HELLO_BYTES, parseTlsClientHelloSni } from '../../../src/server/vhost/tls-sni.js';
import { capturedRead, seedOf } from '../lib/fixtures.js';
import { check, FuzzFinding, prng, untyped, type FuzzTarget } from '../lib/target.js';

/** Prefixes of each input re-parsed to check that a partial input never fails where the whole one passes. */
const PREFIX_CHECKS = 12;

/** Outcome of one parse, comparable across runs. */
type Outcome<T> = { kind: 'incomplete' } | { kind: 'error'; error: BurrowError } | { kind: 'complete'; value: T };

function outcome<T extends { complete: boolean }>(fn: () => T, what: string): Outcome<T> {
  try {
    const r = fn();
    return r.complete ? { kind: 'complete', value: r } : { kind: 'incomplete' };
  } catch (err) {
    if (err instanceof BurrowError) return { kind: 'error', error: err };
    throw untyped(err, what);
  }
}

/** Cut points to re-parse: all of them for short inputs, else a deterministic sample. */
function cuts(length: number, seed: number): number[] {
  if (length <= PREFIX_CHECKS * 2) return Array.from({ length }, (_, i) => i);
  const rand = prng(seed + length);
  return Array.from({ length: PREFIX_CHECKS }, () => Math.floor(rand() * length));
}

/**
 * Incremental parsers are called again as bytes arrive; every prefix of an input whose whole parse
 * completes must be "incomplete" (shorter than the head) or the same result, never an error.
 */
function checkPrefixes<T extends { complete: boolean }>(
  data: Buffer,
  full: Outcome<T>,
  used: (v: T) => number,
  parse: (b: Buffer) => T,
  what: string,
): void {
  for (const cut of cuts(data.length, data.length > 0 ? data[0]! : 0)) {
    const part = outcome(() => parse(data.subarray(0, cut)), what);
    if (full.kind !== 'complete') {
      if (part.kind === 'complete' || (full.kind === 'incomplete' && part.kind !== 'incomplete')) {
        throw new FuzzFinding(
          `${what}: the first ${cut} of ${data.length} bytes give "${part.kind}", the whole input "incomplete"`,
        );
      }
      continue;
    }
    const need = used(full.value);
    if (cut < need) {
      if (part.kind !== 'incomplete') {
        const why = part.kind === 'error' ? part.error.message : 'complete';
        throw new FuzzFinding(
          `${what}: the first ${cut} of ${need} head bytes give "${part.kind}" (${why}), the whole input parses`,
        );
      }
    } else if (part.kind !== 'complete' || !isDeepStrictEqual(part.value, full.value)) {
      throw new FuzzFinding(
        `${what}: the first ${cut} bytes (whole head of ${need} included) parse differently from the whole input`,
      );
    }
  }
}

// ---- TLS SNI ----

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length & 0xff]), b]);

const sniName = fc.oneof(
  fc.constantFrom(
    'example.com',
    'A.Example.COM',
    'x_y.example',
    'a..b',
    'trailing.',
    '-bad.com',
    'a'.repeat(64) + '.com',
    'b'.repeat(260),
    '',
  ),
  fc.string({ maxLength: 12 }),
);
const serverNameExt = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) }),
      sniName,
    ),
    { minLength: 0, maxLength: 2 },
  )
  .map((names) =>
    vec16(Buffer.concat(names.map(([t, n]) => Buffer.concat([Buffer.from([t]), vec16(Buffer.from(n, 'latin1'))])))),
  );
const extension = fc.oneof(
  { weight: 3, arbitrary: serverNameExt.map((body) => Buffer.concat([u16(0), vec16(body)])) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 16 }))
      .map(([t, b]) => Buffer.concat([u16(t), vec16(Buffer.from(b))])),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)) },
  // A large padding extension (type 21), so small records can spread a hello past the byte limit.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 30000 }).map((n) => Buffer.concat([u16(21), vec16(Buffer.alloc(n))])),
  },
);
const clientHelloBody = fc
  .tuple(
    fc.uint8Array({ minLength: 34, maxLength: 34 }),
    fc.uint8Array({ maxLength: 33 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }),
    fc.uint8Array({ maxLength: 2 }),
    fc.option(fc.array(extension, { maxLength: 4 })),
  )
  .map(([fixed, sid, suites, comp, exts]) =>
    Buffer.concat([
      Buffer.from(fixed),
      vec8(Buffer.from(sid)),
      vec16(Buffer.concat(suites.map(u16))),
      vec8(Buffer.from(comp)),
      exts === null ? Buffer.alloc(0) : vec16(Buffer.concat(exts)),
    ]),
  );
/** [seed][records of a handshake message cut at random sizes][trailing bytes]. */
const sniArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.oneof({ weight: 10, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    clientHelloBody,
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(16384) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 16385) },
    ),
    fc.oneof(
      { weight: 10, arbitrary: fc.constant(0x0301) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    ),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([seed, hsType, body, recordSize, recVersion, tail]) => {
    const hs = Buffer.concat([
      Buffer.from([hsType, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]),
      body,
    ]);
    const records: Buffer[] = [];
    const step = Math.max(1, recordSize);
    for (let pos = 0; pos < hs.length; pos += step) {
      const frag = hs.subarray(pos, pos + step);
      const head = Buffer.alloc(5);
      head[0] = 0x16;
      head.writeUInt16BE(recVersion, 1);
      head.writeUInt16BE(recordSize === 0 ? 0 : frag.length, 3);
      records.push(head, frag);
    }
    return Buffer.concat([Buffer.from([seed]), ...records, Buffer.from(tail)]);
  });

function runSni(input: Buffer): void {
  if (input.length < 1) return;
  const data = input.subarray(1);
  const full = outcome(() => parseTlsClientHelloSni(data), 'parseTlsClientHelloSni');
  if (full.kind === 'incomplete') {
    check(
      data.length < MAX_CLIENT_HELLO_BYTES,
      `incomplete after ${data.length} bytes, at or above MAX_CLIENT_HELLO_BYTES (${MAX_CLIENT_HELLO_BYTES})`,
    );
  }
  if (full.kind === 'complete' && full.value.complete) {
    const r = full.value;
    check(r.helloBytes <= data.length, `helloBytes ${r.helloBytes} beyond the input (${data.length})`);
    if (r.sni !== undefined)
      check(
        r.sni === r.sni.toLowerCase() && r.sni.length > 0 && r.sni.length <= 255,
        `sni ${JSON.stringify(r.sni)} is not a canonical host name`,
      );
  }
  checkPrefixes(data, full, (r) => (r.complete ? r.helloBytes : 0), parseTlsClientHelloSni, 'parseTlsClientHelloSni');
}

/** The TLS ClientHello SNI reader. */
export const vhostSniTarget: FuzzTarget = {
  name: 'vhost-sni',
  about:
    'parseTlsClientHelloSni on generated ClientHellos split into random records, and garbage: bound respected, prefixes never fail where the whole passes',
  arbitrary: sniArbitrary,
  maxInputBytes: 2 * MAX_CLIENT_HELLO_BYTES,
  ciRuns: 800,
  seeds: () => seedOf([0], capturedRead('tls-firstbyte', 1, 'c2s', 1)),
  run: runSni,
};
