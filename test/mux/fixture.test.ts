// The real frpc ↔ frps 0.70.0 capture (v1-mux/conn-1) parsed and replayed through a server Session.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Flag, FrameType } from '../../src/mux/const.js';
import { decodeHeader, type FrameHeader } from '../../src/mux/frame.js';
import { FrameParser } from '../../src/mux/parser.js';
import { Session } from '../../src/mux/session.js';
import type { MuxStream } from '../../src/mux/stream.js';
import { FRP_FIXTURES } from '../fixtures.js';
import { FakeConn, waitFor } from './helpers.js';

const CAPTURE = `${FRP_FIXTURES}v1-mux/conn-1.jsonl`;
/** The v1 message header: type byte + int64 big-endian length. */
const MSG_HEADER = 9;
/** The capture's stream grant: frp's 6 MiB max window − yamux's 256 KiB initial window. */
const FRP_GRANT = 6_029_312;

interface Line {
  dir: 'c2s' | 's2c';
  hex: string;
}

const lines: Line[] = readFileSync(CAPTURE, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Line);

function chunksOf(dir: 'c2s' | 's2c'): Buffer[] {
  return lines.filter((l) => l.dir === dir).map((l) => Buffer.from(l.hex, 'hex'));
}

interface Frame {
  header: FrameHeader;
  payload: Buffer;
}

function parseDirection(dir: 'c2s' | 's2c'): Frame[] {
  const frames: Frame[] = [];
  let parts: Buffer[] = [];
  const parser = new FrameParser({
    onHeader() {
      parts = [];
    },
    onPayload: (_h, piece) => parts.push(piece),
    onFrameEnd: (header) => frames.push({ header, payload: Buffer.concat(parts) }),
  });
  for (const chunk of chunksOf(dir)) parser.push(chunk);
  assert.equal(parser.midFrame, false, `${dir} ends on a frame boundary`);
  return frames;
}

const c2s = parseDirection('c2s');
const s2c = parseDirection('s2c');

test('the capture starts with the SYN of stream 1 granting 6,029,312', () => {
  const first = chunksOf('c2s')[0]!;
  assert.equal(first.subarray(0, 12).toString('hex'), '0001000100000001005c0000');
  assert.deepEqual(decodeHeader(first), {
    version: 0,
    type: FrameType.WindowUpdate,
    flags: Flag.SYN,
    streamId: 1,
    length: FRP_GRANT,
  });
});

test('stream 1 is the control stream: its first data is the Login with version 0.70.0', () => {
  const data = Buffer.concat(
    c2s.filter((f) => f.header.streamId === 1 && f.header.type === FrameType.Data).map((f) => f.payload),
  );
  assert.equal(data[0], 0x6f); // 'o' = Login
  const length = Number(data.readBigInt64BE(1));
  const login = JSON.parse(data.subarray(MSG_HEADER, MSG_HEADER + length).toString('utf8')) as {
    version: string;
    pool_count: number;
  };
  assert.equal(login.version, '0.70.0');
  assert.equal(login.pool_count, 1);
});

test('the server answers on stream 1 with a LoginResp (type 1)', () => {
  const data = Buffer.concat(
    s2c.filter((f) => f.header.streamId === 1 && f.header.type === FrameType.Data).map((f) => f.payload),
  );
  assert.equal(data[0], 0x31); // '1' = LoginResp
  const length = Number(data.readBigInt64BE(1));
  const resp = JSON.parse(data.subarray(MSG_HEADER, MSG_HEADER + length).toString('utf8')) as { version: string };
  assert.equal(resp.version, '0.70.0');
});

test('frpc opens the control stream and four work streams, all odd, each ACKed by frps', () => {
  const syns = c2s.filter((f) => (f.header.flags & Flag.SYN) !== 0).map((f) => f.header);
  const acks = s2c.filter((f) => (f.header.flags & Flag.ACK) !== 0).map((f) => f.header);
  assert.deepEqual(
    syns.map((h) => h.streamId),
    [1, 3, 5, 7, 9],
  );
  for (const h of syns) {
    assert.equal(h.streamId % 2, 1);
    assert.equal(h.type, FrameType.WindowUpdate);
    assert.equal(h.length, FRP_GRANT);
  }
  assert.deepEqual(
    acks.map((h) => h.streamId),
    [1, 3, 5, 7, 9],
  );
  for (const h of acks) {
    assert.equal(h.type, FrameType.WindowUpdate);
    assert.equal(h.length, FRP_GRANT);
  }
  // Nobody opens streams from the server side, and nothing else is a SYN.
  assert.equal(s2c.filter((f) => (f.header.flags & Flag.SYN) !== 0).length, 0);
});

test('FINs are zero-length window updates; no RST, ping or go away in this capture', () => {
  const all = [...c2s, ...s2c];
  const fins = all.filter((f) => (f.header.flags & Flag.FIN) !== 0);
  assert.ok(fins.length >= 4);
  for (const f of fins) {
    assert.equal(f.header.type, FrameType.WindowUpdate);
    assert.equal(f.header.length, 0);
  }
  assert.equal(all.filter((f) => (f.header.flags & Flag.RST) !== 0).length, 0);
  assert.equal(all.filter((f) => f.header.type >= FrameType.Ping).length, 0);
  // No data frame ever exceeds the window granted.
  for (const f of all) if (f.header.type === FrameType.Data) assert.ok(f.header.length <= FRP_GRANT + 256 * 1024);
});

test('replaying c2s into a server-side Session yields each stream with its bytes', async () => {
  const conn = new FakeConn();
  const session = new Session(conn, { client: false, keepaliveIntervalMs: 0 });
  const received = new Map<number, number>();
  const ended = new Set<number>();
  const order: number[] = [];
  session.on('stream', (s: MuxStream) => {
    order.push(s.id);
    received.set(s.id, 0);
    s.on('data', (chunk: Buffer) => received.set(s.id, received.get(s.id)! + chunk.length));
    s.on('end', () => ended.add(s.id));
    s.on('error', (err) => assert.fail(`stream ${s.id} failed: ${err.message}`));
  });
  for (const chunk of chunksOf('c2s')) conn.feed(chunk);

  const expected = new Map<number, number>();
  for (const f of c2s) {
    if (f.header.type === FrameType.Data)
      expected.set(f.header.streamId, (expected.get(f.header.streamId) ?? 0) + f.header.length);
  }
  const finned = c2s.filter((f) => (f.header.flags & Flag.FIN) !== 0).map((f) => f.header.streamId);

  await waitFor(
    () => [...expected].every(([id, n]) => received.get(id) === n) && finned.every((id) => ended.has(id)),
    'all replayed bytes',
  );
  assert.deepEqual(order, [1, 3, 5, 7, 9]);
  assert.deepEqual(new Map([...received].filter(([, n]) => n > 0)), expected);
  assert.deepEqual([...ended].sort(), [...finned].sort());

  // The session answered each SYN with an ACK granting the same 6,029,312, like frps did.
  const out = Buffer.concat(conn.written);
  const acks: FrameHeader[] = [];
  new FrameParser({ onHeader: (h) => acks.push(h), onPayload() {}, onFrameEnd() {} }).push(out);
  assert.deepEqual(
    acks.filter((h) => h.flags === Flag.ACK).map((h) => [h.type, h.streamId, h.length]),
    [1, 3, 5, 7, 9].map((id) => [FrameType.WindowUpdate, id, FRP_GRANT]),
  );
  assert.equal(out.subarray(0, 12).toString('hex'), '0001000200000001005c0000');
  session.close();
});

test('replaying s2c into a client-side Session: ACKs for streams it opened', async () => {
  const conn = new FakeConn();
  const session = new Session(conn, { client: true, keepaliveIntervalMs: 0 });
  const streams = [1, 3, 5, 7, 9].map(() => session.open());
  assert.deepEqual(
    streams.map((s) => s.id),
    [1, 3, 5, 7, 9],
  );
  const bytes = new Map<number, number>(streams.map((s) => [s.id, 0]));
  for (const s of streams) {
    s.on('data', (c: Buffer) => bytes.set(s.id, bytes.get(s.id)! + c.length));
    s.on('error', (err) => assert.fail(`stream ${s.id}: ${err.message}`));
  }
  // Our SYNs are byte-identical to frpc's.
  await waitFor(() => conn.written.length >= 5, 'the SYNs');
  const ours = Buffer.concat(conn.written).subarray(0, 12).toString('hex');
  assert.equal(ours, '0001000100000001005c0000');
  for (const chunk of chunksOf('s2c')) conn.feed(chunk);
  const expected = new Map<number, number>();
  for (const f of s2c) {
    if (f.header.type === FrameType.Data)
      expected.set(f.header.streamId, (expected.get(f.header.streamId) ?? 0) + f.header.length);
  }
  await waitFor(() => [...expected].every(([id, n]) => bytes.get(id) === n), 's2c bytes');
  assert.equal(session.isClosed, false);
  session.close();
});
