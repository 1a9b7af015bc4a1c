// Fuzz target "wire-v2": v2 frames (8-byte header), Message payloads and the Client/ServerHello JSON decoders.
import fc from 'fast-check';
import { makeMessage, type MessageName } from '../../../src/wire/messages.js';
import { MESSAGE_FIELDS } from '../../../src/wire/schema.js';
import {
  FRAME_CLIENT_HELLO,
  FRAME_HEADER_SIZE,
  FRAME_MESSAGE,
  FRAME_SERVER_HELLO,
  MAX_FRAME_PAYLOAD,
  MESSAGE_ID,
  SUPPORTED_ALGORITHMS,
} from '../../../src/wire/v2/constants.js';
import {
  decodeFrameHeader,
  decodeMessagePayload,
  encodeFrame,
  encodeMessageFrame,
} from '../../../src/wire/v2/frame.js';
import {
  checkServerHello,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  newClientHello,
  newServerHello,
  selectAlgorithm,
  serverHelloError,
} from '../../../src/wire/v2/hello.js';
import { anyJson, bodyText, nastyString } from '../lib/json-arb.js';
import { captured, seedOf } from '../lib/fixtures.js';
import { check, mustWork, typed, type FuzzTarget } from '../lib/target.js';

/** Largest input: one maximum frame and some slack. */
const MAX_INPUT = FRAME_HEADER_SIZE + MAX_FRAME_PAYLOAD + 64;

const NAMES = Object.keys(MESSAGE_ID) as MessageName[];

/** base64 text for a random field: right-sized, wrong-sized, unpadded, not base64. */
const b64: fc.Arbitrary<unknown> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
  nastyString,
  anyJson,
);
const algorithms = fc.array(
  fc.oneof(fc.constantFrom(...SUPPORTED_ALGORITHMS, 'AES-256-GCM', ''), nastyString, anyJson),
  { maxLength: 4 },
);
/** A key in one of the spellings Go's decoder matches (exact, other case). */
const key = (k: string): fc.Arbitrary<string> => fc.constantFrom(k, k.toUpperCase(), k[0]!.toUpperCase() + k.slice(1));
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 4 });

function obj(entries: [fc.Arbitrary<string>, fc.Arbitrary<unknown>][]): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(...entries.map(([k, v]) => fc.tuple(k, maybe(v)))).map((pairs) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of pairs) if (v !== undefined) out[k] = v;
    return out;
  });
}

const clientHelloJson = obj([
  [
    key('bootstrap'),
    fc.oneof(
      obj([
        [key('transport'), fc.oneof(nastyString, anyJson)],
        [key('tls'), fc.oneof(fc.boolean(), anyJson)],
        [key('tcpMux'), fc.boolean()],
      ]),
      anyJson,
    ),
  ],
  [
    key('capabilities'),
    obj([
      [
        key('message'),
        fc.oneof(
          obj([
            [key('codecs'), fc.oneof(fc.array(fc.oneof(fc.constant('json'), nastyString), { maxLength: 3 }), anyJson)],
          ]),
          anyJson,
        ),
      ],
      [
        key('crypto'),
        obj([
          [key('algorithms'), algorithms],
          [key('clientRandom'), b64],
        ]),
      ],
    ]),
  ],
]);
const serverHelloJson = obj([
  [
    key('selected'),
    obj([
      [key('message'), obj([[key('codec'), fc.oneof(fc.constant('json'), nastyString, anyJson)]])],
      [
        key('crypto'),
        obj([
          [key('algorithm'), fc.oneof(fc.constantFrom(...SUPPORTED_ALGORITHMS), nastyString, anyJson)],
          [key('serverRandom'), b64],
        ]),
      ],
    ]),
  ],
  [key('error'), fc.oneof(nastyString, anyJson)],
]);

const messagePayload: fc.Arbitrary<Buffer> = fc
  .constantFrom(...NAMES)
  .chain((name) =>
    fc.tuple(
      fc.oneof(
        { weight: 10, arbitrary: fc.constant(MESSAGE_ID[name]) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      ),
      bodyText(MESSAGE_FIELDS[name]),
    ),
  )
  .map(([id, json]) => {
    const head = Buffer.alloc(2);
    head.writeUInt16BE(id);
    return Buffer.concat([head, Buffer.from(json, 'utf8')]);
  });

/** A frame: header (usually right) and a payload fitting its type. */
const frame: fc.Arbitrary<Buffer> = fc
  .oneof(
    messagePayload.map((p) => [FRAME_MESSAGE, p] as const),
    clientHelloJson.map((o) => [FRAME_CLIENT_HELLO, Buffer.from(JSON.stringify(o))] as const),
    serverHelloJson.map((o) => [FRAME_SERVER_HELLO, Buffer.from(JSON.stringify(o))] as const),
  )
  .chain(([type, payload]) =>
    fc.tuple(
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(type) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(payload.length) },
        { weight: 1, arbitrary: fc.constantFrom(0, 65536, 65537, 0xffffffff) },
      ),
      fc.constant(payload),
    ),
  )
  .map(([type, flags, length, payload]) => {
    const head = Buffer.alloc(FRAME_HEADER_SIZE);
    head.writeUInt16BE(type, 0);
    head.writeUInt16BE(flags, 2);
    head.writeUInt32BE(length, 4);
    return Buffer.concat([head, payload]);
  });

const arbitrary: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: frame },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
);

function seeds(): Buffer[] {
  const hello = newClientHello(
    { transport: 'tcp', tls: true, tcpMux: true },
    [...SUPPORTED_ALGORITHMS],
    Buffer.alloc(32, 7),
  );
  return [
    ...seedOf([], captured('v2-nomux', 1, 'c2s').subarray(7, 600)),
    ...seedOf([], captured('v2-nomux', 1, 's2c').subarray(7, 600)),
    encodeMessageFrame(
      makeMessage('Login', { version: '0.70.0', privilege_key: 'k', timestamp: 5, metas: { a: 'b' }, pool_count: 1 }),
    ),
    encodeMessageFrame(makeMessage('NewProxyResp', { proxy_name: 'p', remote_addr: ':6000' })),
    encodeFrame(FRAME_CLIENT_HELLO, encodeClientHello(hello)),
    encodeFrame(FRAME_SERVER_HELLO, encodeServerHello(newServerHello('aes-256-gcm', Buffer.alloc(32, 9)))),
    encodeFrame(FRAME_SERVER_HELLO, encodeServerHello(serverHelloError('no supported crypto algorithm'))),
  ];
}

function clientHello(payload: Buffer): void {
  const hello = typed(() => decodeClientHello(payload), 'decodeClientHello');
  if (hello === undefined) return;
  const again = mustWork(() => encodeClientHello(hello), 're-encoding a decoded ClientHello');
  const back = typed(() => decodeClientHello(again), 'decoding a re-encoded ClientHello');
  // Compared as bytes: Go (and burrow) write a lone surrogate as U+FFFD, so only the encoding is a fixed point.
  check(
    back !== undefined && encodeClientHello(back).equals(again),
    'ClientHello: encode(decode(encode(h))) differs from encode(h)',
  );
  typed(() => selectAlgorithm(hello), 'selectAlgorithm');
}

function serverHello(payload: Buffer): void {
  const hello = typed(() => decodeServerHello(payload), 'decodeServerHello');
  if (hello === undefined) return;
  const again = mustWork(() => encodeServerHello(hello), 're-encoding a decoded ServerHello');
  const back = typed(() => decodeServerHello(again), 'decoding a re-encoded ServerHello');
  check(
    back !== undefined && encodeServerHello(back).equals(again),
    'ServerHello: encode(decode(encode(h))) differs from encode(h)',
  );
  typed(() => checkServerHello(newClientHello({}, [...SUPPORTED_ALGORITHMS]), hello), 'checkServerHello');
}

/** Messages with opaque (xtcp) fields: passed through as parsed, so their encoding has no fixed point to check. */
const OPAQUE = new Set(NAMES.filter((n) => MESSAGE_FIELDS[n].some(([, kind]) => kind === 'any' || kind === 'struct')));

function messagePayloadCheck(payload: Buffer): void {
  const msg = typed(() => decodeMessagePayload(payload), 'decodeMessagePayload');
  if (msg === undefined) return;
  const again = typed(() => encodeMessageFrame(msg), 're-encoding a decoded message');
  if (again === undefined) return; // a body near 64 KiB may not fit once re-encoded (Go escapes): MESSAGE_TOO_LARGE
  const back = typed(() => decodeMessagePayload(again.subarray(FRAME_HEADER_SIZE)), 'decoding a re-encoded message');
  check(back !== undefined, `${msg.type}: its own encoding does not decode`);
  if (OPAQUE.has(msg.type)) return;
  check(
    back.type === msg.type && encodeMessageFrame(back).equals(again),
    `${msg.type}: encode(decode(encode(m))) differs from encode(m)`,
  );
}

function run(input: Buffer): void {
  const header = typed(() => decodeFrameHeader(input), 'decodeFrameHeader');
  if (header !== undefined) {
    check(header.length <= MAX_FRAME_PAYLOAD, `decodeFrameHeader accepted a ${header.length}-byte payload`);
    if (input.length >= FRAME_HEADER_SIZE + header.length) {
      const payload = input.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + header.length);
      if (header.type === FRAME_MESSAGE) messagePayloadCheck(payload);
      else if (header.type === FRAME_CLIENT_HELLO) clientHello(payload);
      else serverHello(payload);
    }
  }
  // The payload decoders also take the raw bytes (a header-less view), so garbage reaches them too.
  messagePayloadCheck(input);
  clientHello(input);
  serverHello(input);
}

/** The v2 frame codec and hello decoders. */
export const wireV2Target: FuzzTarget = {
  name: 'wire-v2',
  about:
    'v2: decodeFrameHeader, decodeMessagePayload, decodeClientHello/ServerHello with re-encode round trips, selectAlgorithm, checkServerHello',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 1500,
  seeds,
  run,
};
