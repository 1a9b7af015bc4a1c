// Golden bytes for the yamux header codec, written from hashicorp/yamux v0.1.1 spec.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import {
  DEFAULT_MAX_STREAM_WINDOW,
  Flag,
  FrameType,
  GoAwayCode,
  HEADER_SIZE,
  INITIAL_STREAM_WINDOW,
  PROTOCOL_VERSION,
} from '../../src/mux/const.js';
import { decodeHeader, describeHeader, encodeHeader } from '../../src/mux/frame.js';

const hex = (b: Buffer) => b.toString('hex');

test('constants match the spec and frp settings', () => {
  assert.equal(PROTOCOL_VERSION, 0);
  assert.deepEqual(FrameType, { Data: 0, WindowUpdate: 1, Ping: 2, GoAway: 3 });
  assert.deepEqual(Flag, { SYN: 1, ACK: 2, FIN: 4, RST: 8 });
  assert.deepEqual(GoAwayCode, { Normal: 0, ProtocolError: 1, InternalError: 2 });
  assert.equal(HEADER_SIZE, 12);
  assert.equal(INITIAL_STREAM_WINDOW, 262_144);
  assert.equal(DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW, 6_029_312);
});

test('SYN on stream 1 granting 6,029,312 is the capture’s first frame', () => {
  const h = encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW);
  assert.equal(hex(h), '0001000100000001005c0000');
});

test('ACK on stream 1 with the same grant', () => {
  assert.equal(hex(encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, 6_029_312)), '0001000200000001005c0000');
});

test('data frame header: version, type 0, no flags, stream id and payload length big-endian', () => {
  assert.equal(hex(encodeHeader(FrameType.Data, 0, 1, 179)), '0000000000000001000000b3');
  assert.equal(hex(encodeHeader(FrameType.Data, 0, 0x01020304, 0x0a0b0c0d)), '00000000010203040a0b0c0d');
});

test('every flag on a window update, FIN and RST with length 0', () => {
  assert.equal(hex(encodeHeader(FrameType.WindowUpdate, Flag.FIN, 3, 0)), '000100040000000300000000');
  assert.equal(hex(encodeHeader(FrameType.WindowUpdate, Flag.RST, 5, 0)), '000100080000000500000000');
  assert.equal(hex(encodeHeader(FrameType.Data, Flag.SYN | Flag.FIN, 7, 1)), '000000050000000700000001');
  assert.equal(hex(encodeHeader(FrameType.WindowUpdate, 0x0f, 9, 0)), '0001000f0000000900000000');
});

test('ping request and reply on stream 0 carry the opaque id', () => {
  assert.equal(hex(encodeHeader(FrameType.Ping, Flag.SYN, 0, 0)), '000200010000000000000000');
  assert.equal(hex(encodeHeader(FrameType.Ping, Flag.ACK, 0, 0xdeadbeef)), '0002000200000000deadbeef');
});

test('go away frames carry the code in the length field', () => {
  assert.equal(hex(encodeHeader(FrameType.GoAway, 0, 0, GoAwayCode.Normal)), '000300000000000000000000');
  assert.equal(hex(encodeHeader(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError)), '000300000000000000000001');
  assert.equal(hex(encodeHeader(FrameType.GoAway, 0, 0, GoAwayCode.InternalError)), '000300000000000000000002');
});

test('max u32 values survive', () => {
  const h = encodeHeader(FrameType.Data, 0xffff, 0xffffffff, 0xffffffff);
  assert.equal(hex(h), '0000ffffffffffffffffffff');
  assert.deepEqual(decodeHeader(h), { version: 0, type: 0, flags: 0xffff, streamId: 0xffffffff, length: 0xffffffff });
});

test('encode returns a fresh buffer per frame', () => {
  const a = encodeHeader(FrameType.Data, 0, 1, 1);
  const b = encodeHeader(FrameType.Data, 0, 1, 1);
  assert.notEqual(a.buffer === b.buffer && a.byteOffset === b.byteOffset, true);
  a[0] = 9;
  assert.equal(b[0], 0);
});

test('decode round-trips every type and flag combination', () => {
  for (const type of [0, 1, 2, 3] as const) {
    for (let flags = 0; flags < 16; flags++) {
      const h = decodeHeader(encodeHeader(type, flags, 1000 + flags, 70000 + type));
      assert.deepEqual(h, { version: 0, type, flags, streamId: 1000 + flags, length: 70000 + type });
    }
  }
});

test('decode at an offset', () => {
  const buf = Buffer.concat([Buffer.from('xyz'), encodeHeader(FrameType.Ping, Flag.ACK, 0, 42)]);
  assert.deepEqual(decodeHeader(buf, 3), { version: 0, type: 2, flags: 2, streamId: 0, length: 42 });
});

test('decode rejects a bad version, quoting the bytes', () => {
  const buf = Buffer.from('GET / HTTP/1.1\r\n');
  assert.throws(
    () => decodeHeader(buf),
    (err: unknown) =>
      isBurrowError(err, ErrorCode.MUX_INVALID_VERSION) &&
      /expected version 0, got 71/.test(err.message) &&
      /47 45 54 20/.test(err.message),
  );
});

test('decode rejects an unknown type', () => {
  const buf = Buffer.from('000400000000000000000000', 'hex');
  assert.throws(
    () => decodeHeader(buf),
    (err: unknown) =>
      isBurrowError(err, ErrorCode.MUX_INVALID_MSG_TYPE) && /expected frame type 0\.\.3, got 4/.test(err.message),
  );
});

test('decode rejects a short buffer', () => {
  assert.throws(
    () => decodeHeader(Buffer.alloc(11)),
    (err: unknown) => isBurrowError(err, ErrorCode.MUX_SHORT_HEADER) && /got 11/.test(err.message),
  );
  assert.throws(
    () => decodeHeader(Buffer.alloc(12), 1),
    (err: unknown) => isBurrowError(err, ErrorCode.MUX_SHORT_HEADER),
  );
});

test('describeHeader names every field', () => {
  assert.equal(describeHeader(decodeHeader(encodeHeader(1, 4, 3, 0))), 'type=1 flags=4 stream=3 length=0');
});
