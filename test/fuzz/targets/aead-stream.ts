// Fuzz target "aead-stream": the v2 AEAD record stream fed valid, tampered, replayed, oversize and truncated records.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { incrementNonce } from '../../../src/wire/v2/aead.js';
import { createAeadStream } from '../../../src/wire/v2/aead-stream.js';
import {
  AEAD_MAX_RECORD,
  AEAD_MIN_RECORD,
  AEAD_RECORD_HEADER_SIZE,
  AEAD_TAG_SIZE,
  AES_GCM_NONCE_SIZE,
  XCHACHA_NONCE_SIZE,
  type AeadAlgorithm,
} from '../../../src/wire/v2/constants.js';
import { drain, FeedConn } from '../lib/duplex.js';
import { bounded, check, checkTypedError, INPUT_TIME_LIMIT_MS, split, tick, type FuzzTarget } from '../lib/target.js';
import { xorByte } from '../../wire/bytes.js';

/** Largest input: a couple of full records. */
const MAX_INPUT = 3 * (AEAD_RECORD_HEADER_SIZE + AEAD_MAX_RECORD) + XCHACHA_NONCE_SIZE;
/** The key the peer seals with and we open with. */
const KEY = Buffer.alloc(32, 0x42);
/** Mode bits of an input's second byte. */
const MODE_END = 1;
const MODE_TICK = 2;
const MODE_XCHACHA = 8;

/** A reference AEAD straight from node:crypto / noble, independent of src/wire/v2/aead.ts. */
function refSeal(alg: AeadAlgorithm, nonce: Buffer, plain: Buffer, aad: Buffer): Buffer {
  if (alg === 'xchacha20-poly1305') return Buffer.from(xchacha20poly1305(KEY, nonce, aad).encrypt(plain));
  const c = createCipheriv('aes-256-gcm', KEY, nonce, { authTagLength: AEAD_TAG_SIZE });
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function refOpen(alg: AeadAlgorithm, nonce: Buffer, body: Buffer, aad: Buffer): Buffer | null {
  try {
    if (alg === 'xchacha20-poly1305') return Buffer.from(xchacha20poly1305(KEY, nonce, aad).decrypt(body));
    const d = createDecipheriv('aes-256-gcm', KEY, nonce, { authTagLength: AEAD_TAG_SIZE });
    d.setAAD(aad);
    d.setAuthTag(body.subarray(body.length - AEAD_TAG_SIZE));
    return Buffer.concat([d.update(body.subarray(0, body.length - AEAD_TAG_SIZE)), d.final()]);
  } catch {
    return null;
  }
}

/** What the peer puts on the wire, record by record. */
type Op =
  | { kind: 'ok'; plain: Buffer }
  | { kind: 'flip'; plain: Buffer; bit: number }
  | { kind: 'replay' }
  | { kind: 'length'; value: number }
  | { kind: 'garbage'; bytes: Buffer };

const plain = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom(65535, 65536).map((n) => Buffer.alloc(n, 0x61)) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: plain.map((p) => ({ kind: 'ok' as const, plain: p })) },
  { weight: 1, arbitrary: fc.tuple(plain, fc.nat()).map(([p, bit]) => ({ kind: 'flip' as const, plain: p, bit })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'replay' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(0, 15, 16, AEAD_MAX_RECORD, AEAD_MAX_RECORD + 1, 0xffffffff)
      .map((value) => ({ kind: 'length' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 24 })
      .map((b) => ({ kind: 'garbage' as const, bytes: Buffer.from(b) })),
  },
);

/** Builds the wire bytes of a list of ops as a peer with KEY would send them. */
function wire(alg: AeadAlgorithm, streamNonce: Buffer, ops: Op[]): Buffer {
  const out: Buffer[] = [streamNonce];
  const nonce = Buffer.from(streamNonce);
  let last: Buffer | undefined;
  for (const o of ops) {
    if (o.kind === 'ok' || o.kind === 'flip') {
      const header = Buffer.alloc(AEAD_RECORD_HEADER_SIZE);
      header.writeUInt32BE(o.plain.length + AEAD_TAG_SIZE);
      const body = refSeal(alg, nonce, o.plain, Buffer.concat([streamNonce, header]));
      incrementNonce(nonce);
      const rec = Buffer.concat([header, body]);
      if (o.kind === 'flip') xorByte(rec, o.bit % rec.length, 1 << (o.bit % 8));
      out.push(rec);
      last = rec;
    } else if (o.kind === 'replay') {
      if (last !== undefined) out.push(last);
    } else if (o.kind === 'length') {
      const header = Buffer.alloc(AEAD_RECORD_HEADER_SIZE);
      header.writeUInt32BE(o.value);
      out.push(header);
    } else {
      out.push(o.bytes);
    }
  }
  return Buffer.concat(out);
}

const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.uint8Array({ minLength: 24, maxLength: 24 }),
    fc.array(op, { maxLength: 5 }),
    fc.option(fc.nat(), { freq: 4 }),
  )
  .map(([seed, mode, nonce, ops, cut]) => {
    const alg: AeadAlgorithm = (mode & MODE_XCHACHA) !== 0 ? 'xchacha20-poly1305' : 'aes-256-gcm';
    const size = alg === 'aes-256-gcm' ? AES_GCM_NONCE_SIZE : XCHACHA_NONCE_SIZE;
    let bytes = wire(alg, Buffer.from(nonce).subarray(0, size), ops);
    if (cut !== null && bytes.length > 0) bytes = bytes.subarray(0, cut % bytes.length);
    return Buffer.concat([Buffer.from([seed, mode]), bytes]);
  });

function seeds(): Buffer[] {
  const out: Buffer[] = [];
  for (const mode of [MODE_END, MODE_END | MODE_XCHACHA]) {
    const alg: AeadAlgorithm = (mode & MODE_XCHACHA) !== 0 ? 'xchacha20-poly1305' : 'aes-256-gcm';
    const nonce = Buffer.alloc(alg === 'aes-256-gcm' ? AES_GCM_NONCE_SIZE : XCHACHA_NONCE_SIZE, 0xff); // counter wraps on the first record
    out.push(
      Buffer.concat([
        Buffer.from([1, mode]),
        wire(alg, nonce, [
          { kind: 'ok', plain: Buffer.from('login') },
          { kind: 'ok', plain: Buffer.alloc(0) },
          { kind: 'ok', plain: Buffer.from('x') },
        ]),
      ]),
    );
  }
  return out;
}

/** The reference reading of `bytes`: the plaintext before the first failure, and whether it fails at EOF. */
function expected(alg: AeadAlgorithm, bytes: Buffer): { plain: Buffer; fails: boolean } {
  const size = alg === 'aes-256-gcm' ? AES_GCM_NONCE_SIZE : XCHACHA_NONCE_SIZE;
  if (bytes.length === 0) return { plain: Buffer.alloc(0), fails: false };
  if (bytes.length < size) return { plain: Buffer.alloc(0), fails: true };
  const streamNonce = bytes.subarray(0, size);
  const nonce = Buffer.from(streamNonce);
  const out: Buffer[] = [];
  let pos = size;
  while (pos < bytes.length) {
    if (bytes.length - pos < AEAD_RECORD_HEADER_SIZE) return { plain: Buffer.concat(out), fails: true };
    const header = bytes.subarray(pos, pos + AEAD_RECORD_HEADER_SIZE);
    const length = header.readUInt32BE(0);
    if (length < AEAD_MIN_RECORD || length > AEAD_MAX_RECORD) return { plain: Buffer.concat(out), fails: true };
    pos += AEAD_RECORD_HEADER_SIZE;
    if (bytes.length - pos < length) return { plain: Buffer.concat(out), fails: true };
    const p = refOpen(alg, nonce, bytes.subarray(pos, pos + length), Buffer.concat([streamNonce, header]));
    if (p === null) return { plain: Buffer.concat(out), fails: true };
    // A nonce counter that wraps to zero ends the stream with that record undelivered.
    if (!incrementNonce(nonce)) return { plain: Buffer.concat(out), fails: true };
    out.push(p);
    pos += length;
  }
  return { plain: Buffer.concat(out), fails: false };
}

async function run(input: Buffer): Promise<void> {
  if (input.length < 2) return;
  const [seed, mode] = [input[0]!, input[1]!];
  const bytes = input.subarray(2);
  const alg: AeadAlgorithm = (mode & MODE_XCHACHA) !== 0 ? 'xchacha20-poly1305' : 'aes-256-gcm';
  const conn = new FeedConn();
  const stream = createAeadStream(conn, { algorithm: alg, sendKey: Buffer.alloc(32, 1), recvKey: KEY });
  const result = drain(stream);
  for (const piece of split(bytes, seed)) {
    conn.feed(piece);
    if ((mode & MODE_TICK) !== 0) await tick();
  }
  if ((mode & MODE_END) !== 0) conn.feedEnd();
  else conn.destroy();
  const { data, error } = await bounded(result, INPUT_TIME_LIMIT_MS, 'aead stream');
  checkTypedError(error, 'aead stream');
  const want = expected(alg, bytes);
  if ((mode & MODE_END) === 0) {
    check(
      want.plain.subarray(0, data.length).equals(data),
      'aead stream (conn destroyed) delivered bytes that are not a prefix of the valid records',
    );
    return;
  }
  check(
    data.equals(want.plain),
    `aead stream delivered ${data.length} plaintext bytes, the valid records hold ${want.plain.length}`,
  );
  check(
    want.fails === (error !== undefined),
    want.fails
      ? 'aead stream accepted a bad or truncated record'
      : `aead stream failed on valid records: ${String(error)}`,
  );
}

/** The v2 AEAD record stream. */
export const aeadStreamTarget: FuzzTarget = {
  name: 'aead-stream',
  about:
    'AEAD records (AES-256-GCM, XChaCha20-Poly1305): valid/tampered/replayed/oversize/truncated; output = valid prefix, errors typed',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 300,
  seeds,
  run,
};
