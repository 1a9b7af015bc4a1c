// Fuzz target "wire-codec": frp v1 messages ([type][int64 length][JSON]) through decodeMessage, MessageDecoder and decodeHeader.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { checkTypeByte, decodeHeader, decodeMessage, encodeMessage, MessageDecoder } from '../../../src/wire/codec.js';
import { MAX_MESSAGE_SIZE, MESSAGE_HEADER_SIZE } from '../../../src/wire/constants.js';
import { makeMessage, TYPE_BYTE, type Message, type MessageName } from '../../../src/wire/messages.js';
import { MESSAGE_FIELDS } from '../../../src/wire/schema.js';
import { bodyText } from '../lib/json-arb.js';
import { captured, seedOf } from '../lib/fixtures.js';
import { check, FuzzFinding, split, typed, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest input: a few maximum-size messages. */
const MAX_INPUT = 4 * (MESSAGE_HEADER_SIZE + MAX_MESSAGE_SIZE);
/** A small maxSize the decoders are also run with, so the limit path is hit often. */
const SMALL_MAX_SIZE = 64;

const NAMES = Object.keys(TYPE_BYTE) as MessageName[];

/** One framed message: usually a correct header, sometimes a lying length or an unknown type byte. */
const frame: fc.Arbitrary<Buffer> = fc
  .constantFrom(...NAMES)
  .chain((name) =>
    fc.tuple(
      fc.constant(name),
      bodyText(MESSAGE_FIELDS[name]),
      fc.oneof(
        { weight: 10, arbitrary: fc.constant<bigint | undefined>(undefined) },
        { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
        { weight: 1, arbitrary: fc.constantFrom(-1n, 0n, 10240n, 10241n, 2n ** 53n + 1n) },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant<number | undefined>(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
    ),
  )
  .map(([name, json, length, typeByte]) => {
    const body = Buffer.from(json, 'utf8');
    const head = Buffer.alloc(MESSAGE_HEADER_SIZE);
    head[0] = typeByte ?? TYPE_BYTE[name];
    head.writeBigInt64BE(length ?? BigInt(body.length), 1);
    return Buffer.concat([head, body]);
  });

/** [chunking seed][1..4 frames][random tail]. */
const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.array(frame, { minLength: 1, maxLength: 4 }),
    fc.uint8Array({ maxLength: 12 }),
  )
  .map(([seed, frames, tail]) => Buffer.concat([Buffer.from([seed]), ...frames, Buffer.from(tail)]));

function seeds(): Buffer[] {
  const msgs: Message[] = [
    makeMessage('Login', {
      version: '0.70.0',
      hostname: 'h',
      os: 'linux',
      arch: 'amd64',
      privilege_key: 'k',
      timestamp: 1,
      run_id: 'r',
      metas: { a: 'b' },
      client_spec: { type: 'ssh-tunnel' },
      pool_count: 1,
    }),
    makeMessage('NewProxy', {
      proxy_name: 'p',
      proxy_type: 'tcp',
      remote_port: 6000,
      custom_domains: ['a.example.com'],
      headers: { X: 'y' },
    }),
    makeMessage('StartWorkConn', { proxy_name: 'p', src_addr: '1.2.3.4', src_port: 1234, dst_port: 80 }),
    makeMessage('UDPPacket', {
      c: 'aGk=',
      l: { IP: '127.0.0.1', Port: 1, Zone: '' },
      r: { IP: '::1', Port: 2, Zone: '' },
    }),
    makeMessage('NatHoleResp', { transaction_id: 't', detect_behavior: { role: 'sender' } }),
    makeMessage('Ping', {}),
  ];
  return [
    ...msgs.map((m, i) => Buffer.concat([Buffer.from([i * 37]), encodeMessage(m)])),
    ...seedOf([1], captured('v1-nomux', 1, 'c2s').subarray(0, 400)),
    ...seedOf([2], captured('v1-nomux', 2, 'c2s')),
  ];
}

/** Messages with opaque (xtcp) fields: passed through as parsed, so their encoding has no fixed point to check. */
const OPAQUE = new Set(NAMES.filter((n) => MESSAGE_FIELDS[n].some(([, kind]) => kind === 'any' || kind === 'struct')));

/** A decoded message must encode again (a relay re-encodes), and that encoding must be stable. */
function checkRoundTrip(msg: Message): void {
  let again: Buffer;
  try {
    again = encodeMessage(msg);
  } catch (err) {
    throw untyped(err, `re-encoding a decoded ${msg.type} threw`);
  }
  // Re-encoding may grow a body (Go escapes < > & as \u003c...), so no size limit here.
  const back = typed(() => decodeMessage(again, Number.MAX_SAFE_INTEGER), `decoding a re-encoded ${msg.type}`);
  check(back !== undefined && back.bytesUsed === again.length, `${msg.type}: its own encoding does not decode`);
  if (OPAQUE.has(msg.type)) return;
  // Compared as bytes: Go (and burrow) write a lone surrogate as U+FFFD, so only the encoding is a fixed point.
  check(
    back.message.type === msg.type && encodeMessage(back.message).equals(again),
    `${msg.type}: encode(decode(encode(m))) differs from encode(m)`,
  );
}

/** Every message decodeMessage finds in `data`, one after another, and whether it stopped on an error. */
function decodeAll(data: Buffer, maxSize: number): { messages: Message[]; failed: boolean } {
  const messages: Message[] = [];
  let buf = data;
  for (;;) {
    let r: ReturnType<typeof decodeMessage>;
    try {
      r = decodeMessage(buf, maxSize);
    } catch (err) {
      if (err instanceof BurrowError) return { messages, failed: true };
      throw untyped(err, 'decodeMessage');
    }
    if (r === undefined) return { messages, failed: false };
    check(
      r.bytesUsed >= MESSAGE_HEADER_SIZE && r.bytesUsed <= buf.length,
      `decodeMessage used ${r.bytesUsed} of ${buf.length} bytes`,
    );
    messages.push(r.message);
    buf = buf.subarray(r.bytesUsed);
  }
}

function run(input: Buffer): void {
  if (input.length === 0) return;
  const seed = input[0]!;
  const data = input.subarray(1);
  typed(() => (data.length > 0 ? checkTypeByte(data[0]!) : undefined), 'checkTypeByte');
  typed(() => decodeHeader(data), 'decodeHeader');
  for (const maxSize of [MAX_MESSAGE_SIZE, SMALL_MAX_SIZE]) {
    const whole = decodeAll(data, maxSize);
    for (const m of whole.messages) checkRoundTrip(m);
    // The incremental decoder must agree with whole-buffer decoding whatever the chunking.
    const decoder = new MessageDecoder(maxSize);
    const streamed: Message[] = [];
    let failed = false;
    for (const piece of split(data, seed)) {
      try {
        streamed.push(...decoder.push(piece));
      } catch (err) {
        if (!(err instanceof BurrowError)) throw untyped(err, 'MessageDecoder.push');
        failed = true;
        break;
      }
      check(
        decoder.buffered <= MESSAGE_HEADER_SIZE + maxSize,
        `MessageDecoder holds ${decoder.buffered} bytes, above 9 + ${maxSize}`,
      );
    }
    if (!failed) {
      // An error found after messages it already returned comes with the next push.
      try {
        decoder.push(Buffer.alloc(0));
      } catch (err) {
        if (!(err instanceof BurrowError)) throw untyped(err, 'MessageDecoder.push');
        failed = true;
      }
    }
    if (failed !== whole.failed || !isDeepStrictEqual(streamed, whole.messages)) {
      throw new FuzzFinding(
        `MessageDecoder (maxSize ${maxSize}) disagrees with decodeMessage: ${streamed.length} messages${failed ? ' then an error' : ''} ` +
          `vs ${whole.messages.length}${whole.failed ? ' then an error' : ''}`,
      );
    }
  }
}

/** The v1 message codec. */
export const wireCodecTarget: FuzzTarget = {
  name: 'wire-codec',
  about: 'v1 messages: decodeHeader, decodeMessage, MessageDecoder over random chunking; round trip and buffer bound',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 1500,
  seeds,
  run,
};
