// Fuzz target "tls-sniff": the first-byte sniffer over an in-memory socket stand-in; no byte lost, decision by the first byte.
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { BurrowError, ErrorCode } from '../../../src/errors.js';
import { CUSTOM_TLS_FIRST_BYTE, TLS_HANDSHAKE_RECORD } from '../../../src/tls/constants.js';
import { sniffTlsFirstByte, type SniffResult } from '../../../src/tls/sniff.js';
import { captured, seedOf } from '../lib/fixtures.js';
import { bounded, check, INPUT_TIME_LIMIT_MS, split, tick, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest input. */
const MAX_INPUT = 16 * 1024;
/** Sniff deadline used when an input sends nothing (kept short: the path is the same at any length). */
const SHORT_TIMEOUT_MS = 5;
/** Mode bits of an input's first byte. */
const MODE_FORCE = 1;
const MODE_DESTROY = 2;
const MODE_TICK = 4;
const MODE_EARLY = 8;
const MODE_HOLD = 16;

const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }).map((m) => (m & ~MODE_HOLD) | (m % 17 === 0 ? MODE_HOLD : 0)),
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc
        .tuple(fc.constantFrom(0x16, 0x17, 0x00, 0x47, 0xff), fc.uint8Array({ maxLength: 64 }))
        .map(([f, b]) => Buffer.concat([Buffer.from([f]), b])),
    ),
  )
  .map(([mode, seed, data]) => Buffer.concat([Buffer.from([mode, seed]), data]));

/** Everything still readable from the socket after the sniff, until it ends. */
function rest(socket: PassThrough): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function run(input: Buffer): Promise<void> {
  if (input.length < 2) return;
  const [mode, seed] = [input[0]!, input[1]!];
  const data = input.subarray(2);
  const socket = new PassThrough();
  socket.on('error', () => undefined); // the sniffer reports it; the stand-in must not crash the process
  const pieces = split(data, seed);
  if ((mode & MODE_EARLY) !== 0 && pieces.length > 0) socket.write(pieces.shift()!);
  const hold = (mode & MODE_HOLD) !== 0 && data.length === 0;
  const sniffed = sniffTlsFirstByte(socket as unknown as Socket, {
    force: (mode & MODE_FORCE) !== 0,
    timeoutMs: hold ? SHORT_TIMEOUT_MS : INPUT_TIME_LIMIT_MS * 2,
  }).then(
    (r): SniffResult | BurrowError => r,
    (err: unknown): SniffResult | BurrowError => {
      if (err instanceof BurrowError) return err;
      throw untyped(err, 'sniffTlsFirstByte rejected');
    },
  );
  for (const p of pieces) {
    socket.write(p);
    if ((mode & MODE_TICK) !== 0) await tick();
  }
  if (hold) {
    const r = await bounded(sniffed, INPUT_TIME_LIMIT_MS, 'sniff with no data');
    check(r instanceof BurrowError && r.code === ErrorCode.TIMEOUT, 'a silent socket did not time out');
    socket.destroy();
    return;
  }
  const destroy = (mode & MODE_DESTROY) !== 0;
  if (destroy) socket.destroy(new Error('ECONNRESET (simulated)'));
  else socket.end();
  const r = await bounded(sniffed, INPUT_TIME_LIMIT_MS, 'sniff');
  if (data.length === 0) {
    check(
      r instanceof BurrowError && (r.code === ErrorCode.UNEXPECTED_EOF || r.code === ErrorCode.TIMEOUT),
      'an empty connection was not refused',
    );
    return;
  }
  if (destroy && r instanceof BurrowError) return; // destroyed before the first byte was read
  const first = data[0]!;
  const tls = first === TLS_HANDSHAKE_RECORD || first === CUSTOM_TLS_FIRST_BYTE;
  if (!tls && (mode & MODE_FORCE) !== 0) {
    check(
      r instanceof BurrowError && r.code === ErrorCode.TLS_REQUIRED,
      'a plain connection passed transport.tls.force',
    );
    return;
  }
  check(
    !(r instanceof BurrowError),
    `first byte 0x${first.toString(16)} was refused: ${r instanceof BurrowError ? r.message : ''}`,
  );
  check(r.kind === (tls ? 'tls' : 'plain'), `first byte 0x${first.toString(16)} sniffed as ${r.kind}`);
  if (destroy) return;
  const left = await bounded(rest(socket), INPUT_TIME_LIMIT_MS, 'bytes after the sniff');
  const want = first === CUSTOM_TLS_FIRST_BYTE ? data.subarray(1) : data;
  check(left.equals(want), `after the sniff ${left.length} bytes remain, expected ${want.length}`);
}

/** The first-byte sniffer. */
export const tlsSniffTarget: FuzzTarget = {
  name: 'tls-sniff',
  about:
    'sniffTlsFirstByte over a PassThrough socket: chunked/early/ended/reset/silent input; decision by first byte, no byte lost, typed errors',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 300,
  seeds: () => [
    ...seedOf([0, 9], captured('tls-firstbyte', 1, 'c2s', 2)),
    Buffer.from([0, 0, 0x16, 3, 1, 0, 5]),
    Buffer.from([1, 3, 0x17, 0x16, 3]),
    Buffer.from([8, 1, 0x47, 0x45, 0x54, 0x20, 0x2f]),
  ],
  run,
};
