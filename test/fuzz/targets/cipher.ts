// Fuzz target "cipher": frp's AES-128-CFB control stream fed random, truncated and chunked ciphertext; round trips.
import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { CIPHER_IV_SIZE, createEncryptedStream, deriveCipherKey } from '../../../src/wire/cipher.js';
import { drain, duplexPair, FeedConn } from '../lib/duplex.js';
import { captured, seedOf } from '../lib/fixtures.js';
import {
  bounded,
  check,
  checkTypedError,
  INPUT_TIME_LIMIT_MS,
  noteTypedError,
  split,
  throwNoted,
  tick,
  type FuzzTarget,
} from '../lib/target.js';

/** Largest input fed through the stream. */
const MAX_INPUT = 64 * 1024;
/** The key every input uses (the cipher has no framing to break, so one key suffices). */
const KEY = deriveCipherKey('fuzz-token');

/** [chunking seed][mode][bytes]: mode bit 0 = end the conn (else destroy it). */
const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 3000 })),
  )
  .map(([seed, mode, data]) => Buffer.concat([Buffer.from([seed, mode]), data]));

function seeds(): Buffer[] {
  return [
    ...seedOf([4, 5], captured('v1-nomux', 1, 'c2s').subarray(0, 2000)),
    Buffer.concat([Buffer.from([3, 1]), Buffer.alloc(16, 1), Buffer.from('hello, control stream')]),
    Buffer.from([0, 0]),
    Buffer.from([7, 1, 1, 2, 3]),
  ];
}

/** Reading: whatever arrives decrypts to exactly what OpenSSL's CFB gives; a short IV is UNEXPECTED_EOF. */
async function readSide(seed: number, mode: number, data: Buffer): Promise<void> {
  const conn = new FeedConn();
  const enc = createEncryptedStream(conn, KEY);
  const result = drain(enc);
  for (const piece of split(data, seed)) {
    conn.feed(piece);
    if ((mode & 2) !== 0) await tick();
  }
  if ((mode & 1) !== 0) conn.feedEnd();
  else conn.destroy();
  const { data: got, error } = await bounded(result, INPUT_TIME_LIMIT_MS, 'encrypted stream read side');
  checkTypedError(error, 'encrypted stream read side');
  if ((mode & 1) === 0) return; // destroyed: any prefix is fine
  if (data.length > 0 && data.length < CIPHER_IV_SIZE) {
    check(error !== undefined, `EOF after ${data.length} IV bytes was not reported`);
    return;
  }
  const want =
    data.length === 0
      ? Buffer.alloc(0)
      : createDecipheriv('aes-128-cfb', KEY, data.subarray(0, CIPHER_IV_SIZE)).update(data.subarray(CIPHER_IV_SIZE));
  check(got.equals(want), `decrypted ${got.length} bytes differ from the expected ${want.length}`);
}

/** Writing then reading through a pair gives the bytes back, whatever the write sizes. */
async function roundTrip(seed: number, data: Buffer): Promise<void> {
  const [a, b] = duplexPair();
  const writer = createEncryptedStream(a, KEY);
  const reader = createEncryptedStream(b, KEY);
  const result = drain(reader);
  const found: Error[] = [];
  writer.on('error', (err) => noteTypedError(found, err, 'encrypted stream write side'));
  for (const piece of split(data, seed + 1)) writer.write(piece);
  writer.end();
  const { data: got, error } = await bounded(result, INPUT_TIME_LIMIT_MS, 'encrypted stream round trip');
  checkTypedError(error, 'encrypted stream round trip');
  throwNoted(found);
  check(got.equals(data), `round trip gave ${got.length} bytes back for ${data.length}`);
  a.destroy();
}

async function run(input: Buffer): Promise<void> {
  if (input.length < 2) return;
  const [seed, mode] = [input[0]!, input[1]!];
  const data = input.subarray(2);
  await readSide(seed, mode, data);
  if ((mode & 4) !== 0) await roundTrip(seed, data);
}

/** The v1 control-stream cipher. */
export const cipherTarget: FuzzTarget = {
  name: 'cipher',
  about:
    'AES-128-CFB stream: random ciphertext (decrypts exactly as OpenSSL, short IV = UNEXPECTED_EOF), chunked round trips',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 300,
  seeds,
  run,
};
