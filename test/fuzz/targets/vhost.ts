// Fuzz targets "vhost-http" (HTTP/1.x request head parser) and "vhost-sni" (TLS ClientHello SNI reader): bounds and prefix consistency.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { MAX_HTTP_HEADER_BYTES, parseHttpRequestHead } from '../../../src/server/vhost/http-head.js';
import { MAX_CLIENT_HELLO_BYTES, parseTlsClientHelloSni } from '../../../src/server/vhost/tls-sni.js';
import { capturedRead, seedOf } from '../lib/fixtures.js';
import { check, FuzzFinding, prng, untyped, type FuzzTarget } from '../lib/target.js';

/** A small head limit the HTTP parser is also run with, so the limit path is hit often. */
const SMALL_HTTP_LIMIT = 96;
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

// ---- HTTP ----

const token = fc.oneof(
  fc.constantFrom('GET', 'POST', 'CONNECT', 'OPTIONS', 'get', 'M-SEARCH'),
  fc.string({ minLength: 1, maxLength: 6 }),
);
const target = fc.oneof(
  fc.constantFrom(
    '/',
    '/a?b=c',
    '*',
    'http://Example.COM:8080/x',
    'http://u@h/p',
    'example.com:443',
    '/%41%zz',
    '/%e2%82%ac',
    'https://[::1]:8443/',
    '//x',
    'ftp:/x',
  ),
  fc.string({ maxLength: 10 }).map((s) => `/${s}`),
);
const version = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/2', 'http/1.1', 'HTTP/1.1 ', '') },
);
const hostValue = fc.oneof(
  fc.constantFrom('example.com', 'EXAMPLE.com.', 'a.example.com:8080', '[::1]:80', '::1', '', ' spaced ', 'h\u00e9'),
  fc.string({ maxLength: 10 }),
);
const header = fc.oneof(
  { weight: 3, arbitrary: hostValue.map((h) => `Host: ${h}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('Accept', 'X-A', 'Content-Length', 'host', 'HOST'), fc.string({ maxLength: 12 }))
      .map(([n, v]) => `${n}: ${v}`),
  },
  { weight: 1, arbitrary: fc.constantFrom(' folded', 'NoColon', 'Bad Name: x', ':empty', 'X:\x00', 'X: \x7f') },
);
const eol = fc.constantFrom('\r\n', '\n');
const httpHead = fc
  .tuple(
    fc.nat({ max: 2 }),
    token,
    target,
    version,
    fc.array(header, { maxLength: 5 }),
    eol,
    fc.boolean(),
    fc.string({ maxLength: 12 }),
  )
  .map(
    ([lead, method, t, v, headers, nl, blank, body]) =>
      `${nl.repeat(lead)}${method} ${t} ${v}${nl}${headers.map((h) => h + nl).join('')}${blank ? nl : ''}${body}`,
  );

const httpArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(
      { weight: 8, arbitrary: httpHead.map((s) => Buffer.from(s, 'latin1')) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    ),
  )
  .map(([mode, head]) => Buffer.concat([Buffer.from([mode]), head]));

function runHttp(input: Buffer): void {
  if (input.length < 1) return;
  const max = (input[0]! & 1) !== 0 ? SMALL_HTTP_LIMIT : MAX_HTTP_HEADER_BYTES;
  const data = input.subarray(1);
  const parse = (b: Buffer): ReturnType<typeof parseHttpRequestHead> => parseHttpRequestHead(b, max);
  const full = outcome(() => parse(data), 'parseHttpRequestHead');
  if (full.kind === 'incomplete')
    check(data.length < max, `incomplete after ${data.length} bytes, at or above the ${max}-byte limit`);
  if (full.kind === 'complete' && full.value.complete) {
    const h = full.value;
    check(
      h.headerBytes <= data.length && h.headerBytes <= max,
      `headerBytes ${h.headerBytes} beyond the input (${data.length}) or the limit (${max})`,
    );
    check(h.host === h.host.toLowerCase() && !h.host.endsWith('.'), `host ${JSON.stringify(h.host)} is not canonical`);
  }
  checkPrefixes(data, full, (h) => (h.complete ? h.headerBytes : 0), parse, 'parseHttpRequestHead');
}

/** The HTTP request head parser. */
export const vhostHttpTarget: FuzzTarget = {
  name: 'vhost-http',
  about:
    'parseHttpRequestHead on generated and random heads (two limits): bound respected, canonical host, prefixes never fail where the whole passes',
  arbitrary: httpArbitrary,
  maxInputBytes: 2 * MAX_HTTP_HEADER_BYTES,
  ciRuns: 800,
  seeds: () => [
    Buffer.from('\x00GET /index.html HTTP/1.1\r\nHost: Example.com:8080\r\nAccept: */*\r\n\r\nbody', 'latin1'),
    Buffer.from('\x00CONNECT example.com:443 HTTP/1.1\r\n\r\n', 'latin1'),
    Buffer.from('\x01POST http://a.example.com/x?y HTTP/1.0\nHost: b\n\n', 'latin1'),
  ],
  run: runHttp,
};

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
