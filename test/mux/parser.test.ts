// The incremental frame parser over arbitrary chunking: straddling headers, zero-copy payload pieces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { Flag, FrameType } from '../../src/mux/const.js';
import { encodeHeader, type FrameHeader } from '../../src/mux/frame.js';
import { FrameParser } from '../../src/mux/parser.js';
import { patternBytes } from './helpers.js';

interface Parsed {
  header: FrameHeader;
  payload: Buffer;
  ended: boolean;
}

/** Parses `chunks`, returning each frame with its reassembled payload. */
function parse(chunks: Buffer[]): { frames: Parsed[]; pieces: Buffer[] } {
  const frames: Parsed[] = [];
  const pieces: Buffer[] = [];
  let current: { header: FrameHeader; parts: Buffer[] } | null = null;
  const parser = new FrameParser({
    onHeader(h) {
      assert.equal(current, null, 'a header arrived before the previous frame ended');
      current = { header: h, parts: [] };
    },
    onPayload(h, piece) {
      assert.equal(current?.header, h);
      current!.parts.push(piece);
      pieces.push(piece);
    },
    onFrameEnd(h) {
      assert.equal(current?.header, h);
      frames.push({ header: h, payload: Buffer.concat(current!.parts), ended: true });
      current = null;
    },
  });
  for (const c of chunks) parser.push(c);
  assert.equal(parser.midFrame, false);
  return { frames, pieces };
}

/** A sample stream of frames of every kind, with payloads. */
function sample(): {
  bytes: Buffer;
  expected: Array<{ type: number; flags: number; id: number; payload: Buffer; length: number }>;
} {
  const expected = [
    { type: FrameType.WindowUpdate, flags: Flag.SYN, id: 1, payload: Buffer.alloc(0), length: 6_029_312 },
    { type: FrameType.Data, flags: 0, id: 1, payload: patternBytes(179, 1), length: 179 },
    { type: FrameType.Ping, flags: Flag.SYN, id: 0, payload: Buffer.alloc(0), length: 7 },
    { type: FrameType.Data, flags: 0, id: 3, payload: patternBytes(70_000, 2), length: 70_000 },
    { type: FrameType.Data, flags: Flag.FIN, id: 3, payload: Buffer.alloc(0), length: 0 },
    { type: FrameType.Data, flags: 0, id: 5, payload: patternBytes(1, 3), length: 1 },
    { type: FrameType.GoAway, flags: 0, id: 0, payload: Buffer.alloc(0), length: 0 },
  ];
  const parts: Buffer[] = [];
  for (const f of expected) {
    parts.push(encodeHeader(f.type as 0, f.flags, f.id, f.length));
    if (f.type === FrameType.Data) parts.push(f.payload);
  }
  return { bytes: Buffer.concat(parts), expected };
}

function check(frames: Parsed[], expected: ReturnType<typeof sample>['expected']): void {
  assert.equal(frames.length, expected.length);
  frames.forEach((f, i) => {
    const e = expected[i]!;
    assert.equal(f.header.type, e.type);
    assert.equal(f.header.flags, e.flags);
    assert.equal(f.header.streamId, e.id);
    assert.equal(f.header.length, e.length);
    assert.ok(f.payload.equals(e.payload), `payload of frame ${i}`);
  });
}

test('one chunk holding many frames', () => {
  const { bytes, expected } = sample();
  check(parse([bytes]).frames, expected);
});

test('byte-by-byte chunks (every header straddles)', () => {
  const { bytes, expected } = sample();
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  check(parse(chunks).frames, expected);
});

test('every split point of two chunks', () => {
  const { bytes, expected } = sample();
  // Bounded: only the first 300 split points (headers and the small frames) and a few inside the big payload.
  const points = [...Array.from({ length: 300 }, (_, i) => i), 40_000, bytes.length - 13, bytes.length - 1];
  for (const p of points) check(parse([bytes.subarray(0, p), bytes.subarray(p)]).frames, expected);
});

test('random chunk sizes (seeded)', () => {
  const { bytes, expected } = sample();
  let seed = 12345;
  for (let round = 0; round < 50; round++) {
    const chunks: Buffer[] = [];
    for (let off = 0; off < bytes.length;) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (seed % 9000);
      chunks.push(bytes.subarray(off, off + n));
      off += n;
    }
    check(parse(chunks).frames, expected);
  }
});

test('payload pieces are views of the input chunks, not copies', () => {
  const payload = patternBytes(1000, 9);
  const bytes = Buffer.concat([encodeHeader(FrameType.Data, 0, 1, 1000), payload]);
  const first = Buffer.from(bytes.subarray(0, 500));
  const second = Buffer.from(bytes.subarray(500));
  const { pieces } = parse([first, second]);
  assert.equal(pieces.length, 2);
  assert.equal(pieces[0]!.buffer, first.buffer);
  assert.equal(pieces[0]!.byteOffset, first.byteOffset + 12);
  assert.equal(pieces[1]!.buffer, second.buffer);
  assert.ok(Buffer.concat(pieces).equals(payload));
});

test('a chunk that is exactly one payload is handed over as is', () => {
  const payload = patternBytes(64, 4);
  const pieces: Buffer[] = [];
  const parser = new FrameParser({ onHeader() {}, onPayload: (_h, p) => pieces.push(p), onFrameEnd() {} });
  parser.push(encodeHeader(FrameType.Data, 0, 1, 64));
  parser.push(payload);
  assert.equal(pieces[0], payload);
});

test('a bad version mid-stream throws BurrowError(MUX_INVALID_VERSION) after the good frames', () => {
  const good = encodeHeader(FrameType.Ping, Flag.SYN, 0, 1);
  const bad = Buffer.from('010000000000000000000000', 'hex');
  const headers: FrameHeader[] = [];
  const parser = new FrameParser({ onHeader: (h) => headers.push(h), onPayload() {}, onFrameEnd() {} });
  assert.throws(
    () => parser.push(Buffer.concat([good, bad])),
    (err: unknown) => isBurrowError(err, ErrorCode.MUX_INVALID_VERSION) && /got 1/.test(err.message),
  );
  assert.equal(headers.length, 1);
});

test('an unknown type split across chunks throws when the header completes', () => {
  const parser = new FrameParser({ onHeader() {}, onPayload() {}, onFrameEnd() {} });
  const bad = Buffer.from('000900000000000000000000', 'hex');
  parser.push(bad.subarray(0, 5));
  assert.equal(parser.midFrame, true);
  assert.throws(
    () => parser.push(bad.subarray(5)),
    (err: unknown) => isBurrowError(err, ErrorCode.MUX_INVALID_MSG_TYPE) && /got 9/.test(err.message),
  );
});

test('stop() ignores the rest, even inside a chunk', () => {
  const headers: FrameHeader[] = [];
  const parser: FrameParser = new FrameParser({
    onHeader(h) {
      headers.push(h);
      parser.stop();
    },
    onPayload() {
      assert.fail('no payload after stop');
    },
    onFrameEnd() {
      assert.fail('no frame end after stop');
    },
  });
  parser.push(
    Buffer.concat([encodeHeader(FrameType.Data, 0, 1, 3), Buffer.from('abc'), encodeHeader(FrameType.Ping, 1, 0, 0)]),
  );
  assert.equal(headers.length, 1);
});

test('a header announcing a huge payload is reported before any payload arrives', () => {
  const seen: string[] = [];
  const parser = new FrameParser({
    onHeader: (h) => seen.push(`header ${h.length}`),
    onPayload: (_h, p) => seen.push(`piece ${p.length}`),
    onFrameEnd: () => seen.push('end'),
  });
  parser.push(encodeHeader(FrameType.Data, 0, 1, 0xffffffff));
  assert.deepEqual(seen, ['header 4294967295']);
  parser.push(Buffer.alloc(10));
  assert.deepEqual(seen, ['header 4294967295', 'piece 10']);
});
