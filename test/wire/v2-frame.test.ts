// Unit tests of wire v2 frames: header layout, Message payloads (v1 JSON, byte-identical), bad headers and ids.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  decodeFrameHeader,
  decodeMessageFrame,
  decodeMessagePayload,
  encodeFrame,
  encodeMessage,
  encodeMessageFrame,
  FRAME_CLIENT_HELLO,
  FRAME_HEADER_SIZE,
  FRAME_MESSAGE,
  MAGIC,
  MAX_FRAME_PAYLOAD,
  MESSAGE_HEADER_SIZE,
  MESSAGE_ID,
  readFrame,
  readV2Message,
  TYPE_BYTE,
  type Message,
  type MessageName,
} from '../../src/wire/index.js';

/** A Duplex whose readable side holds `bytes` (then ends unless `open`). */
function replay(bytes: Buffer, open = false): Duplex {
  const d = new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
  });
  d.push(bytes);
  if (!open) d.push(null);
  return d;
}

function header(type: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_SIZE);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt32BE(length, 4);
  return h;
}

const protocolError = (pattern: RegExp) => (err: unknown) =>
  isBurrowError(err, ErrorCode.PROTOCOL) && pattern.test(err.message);

describe('constants', () => {
  test('the magic is "FRP\\0\\x02\\r\\n"', () => {
    assert.equal(MAGIC.toString('hex'), '46525000020d0a');
    assert.equal(MAGIC.toString('latin1'), 'FRP\0\x02\r\n');
  });

  test('message ids 1..18 in frp order, one per message name', () => {
    const names: MessageName[] = [
      'Login',
      'LoginResp',
      'NewProxy',
      'NewProxyResp',
      'CloseProxy',
      'NewWorkConn',
      'ReqWorkConn',
      'StartWorkConn',
      'NewVisitorConn',
      'NewVisitorConnResp',
      'Ping',
      'Pong',
      'UDPPacket',
      'NatHoleVisitor',
      'NatHoleClient',
      'NatHoleResp',
      'NatHoleSid',
      'NatHoleReport',
    ];
    assert.deepEqual(
      names.map((n) => MESSAGE_ID[n]),
      names.map((_, i) => i + 1),
    );
    assert.deepEqual(Object.keys(MESSAGE_ID).sort(), Object.keys(TYPE_BYTE).sort());
  });
});

describe('encoding', () => {
  test('a frame is type, zero flags, length, payload, big-endian', () => {
    const f = encodeFrame(FRAME_CLIENT_HELLO, Buffer.from('{}'));
    assert.equal(f.toString('hex'), '0001' + '0000' + '00000002' + '7b7d');
  });

  test('a Message frame carries [uint16 id][the v1 JSON, byte for byte]', () => {
    const msgs: Message[] = [
      { type: 'Ping', body: {} },
      { type: 'NewWorkConn', body: { run_id: '7288971ddd856267' } },
      {
        type: 'NewProxy',
        body: {
          proxy_name: 'a<b>&',
          proxy_type: 'tcp',
          use_encryption: true,
          remote_port: 6000,
          metas: { z: '1', a: '2' },
        },
      },
      { type: 'Login', body: { version: '0.70.0', client_spec: {}, pool_count: 1 } },
    ];
    for (const msg of msgs) {
      const frame = encodeMessageFrame(msg);
      const v1Json = encodeMessage(msg).subarray(MESSAGE_HEADER_SIZE);
      assert.equal(frame.readUInt16BE(0), FRAME_MESSAGE);
      assert.equal(frame.readUInt16BE(2), 0);
      assert.equal(frame.readUInt32BE(4), 2 + v1Json.length);
      assert.equal(frame.readUInt16BE(FRAME_HEADER_SIZE), MESSAGE_ID[msg.type]);
      assert.deepEqual(frame.subarray(FRAME_HEADER_SIZE + 2), v1Json);
      assert.deepEqual(decodeMessageFrame({ type: FRAME_MESSAGE, payload: frame.subarray(FRAME_HEADER_SIZE) }), msg);
    }
    assert.equal(encodeMessageFrame({ type: 'Ping', body: {} }).toString('hex'), '0010000000000004000b7b7d');
  });

  test('a payload over 64 KiB is refused with MESSAGE_TOO_LARGE', () => {
    assert.throws(
      () => encodeFrame(FRAME_MESSAGE, Buffer.alloc(MAX_FRAME_PAYLOAD + 1)),
      (e) => isBurrowError(e, ErrorCode.MESSAGE_TOO_LARGE),
    );
    assert.doesNotThrow(() => encodeFrame(FRAME_MESSAGE, Buffer.alloc(MAX_FRAME_PAYLOAD)));
    const huge: Message = { type: 'NewProxy', body: { proxy_name: 'x'.repeat(MAX_FRAME_PAYLOAD) } };
    assert.throws(
      () => encodeMessageFrame(huge),
      (e) => isBurrowError(e, ErrorCode.MESSAGE_TOO_LARGE) && /NewProxy/.test(e.message),
    );
  });
});

describe('bad input', () => {
  test('non-zero flags', () => {
    assert.throws(
      () => decodeFrameHeader(header(FRAME_MESSAGE, 1, 2)),
      protocolError(/unsupported frame flags 1, expected 0/),
    );
  });

  test('a payload length over 65536', () => {
    assert.throws(
      () => decodeFrameHeader(header(FRAME_MESSAGE, 0, MAX_FRAME_PAYLOAD + 1)),
      protocolError(/payload length 65537 exceeds the limit of 65536/),
    );
    assert.deepEqual(decodeFrameHeader(header(FRAME_MESSAGE, 0, MAX_FRAME_PAYLOAD)), {
      type: FRAME_MESSAGE,
      length: MAX_FRAME_PAYLOAD,
    });
  });

  test('an unknown frame type', () => {
    assert.throws(() => decodeFrameHeader(header(3, 0, 0)), protocolError(/unknown frame type 3/));
  });

  test('an unknown message id', () => {
    assert.throws(
      () => decodeMessagePayload(Buffer.from('00137b7d', 'hex')),
      protocolError(/unknown message id 19, expected 1\.\.18/),
    );
    assert.throws(() => decodeMessagePayload(Buffer.from('00007b7d', 'hex')), protocolError(/unknown message id 0/));
  });

  test('a Message payload shorter than its id, bad JSON, a wrongly typed field', () => {
    assert.throws(() => decodeMessagePayload(Buffer.from([0])), protocolError(/too short/));
    assert.throws(
      () => decodeMessagePayload(Buffer.from('000b7b', 'hex')),
      protocolError(/Ping: message body is not valid JSON/),
    );
    assert.throws(
      () => decodeMessagePayload(Buffer.concat([Buffer.from('0006', 'hex'), Buffer.from('{"run_id":5}')])),
      protocolError(/NewWorkConn\.run_id: expected a string/),
    );
  });

  test('a hello frame where a Message is expected, in frp words', () => {
    assert.throws(
      () => decodeMessageFrame({ type: FRAME_CLIENT_HELLO, payload: Buffer.from('{}') }),
      protocolError(/unexpected frame type 1 \(ClientHello\), want 16/),
    );
  });
});

describe('reading from a stream', () => {
  test('readV2Message reads exactly one frame and leaves the rest', async () => {
    const tail = Buffer.from('raw bytes after StartWorkConn');
    const msg: Message = {
      type: 'StartWorkConn',
      body: { proxy_name: 'echo', src_addr: '127.0.0.1', src_port: 1, dst_port: 2 },
    };
    const s = replay(Buffer.concat([encodeMessageFrame(msg), tail]));
    assert.deepEqual(await readV2Message(s, { timeoutMs: 1000 }), msg);
    const rest: Buffer[] = [];
    for await (const chunk of s) rest.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(rest), tail);
  });

  test('a bad header is refused before its payload arrives', async () => {
    const s = replay(header(FRAME_MESSAGE, 0x8000, 10), true);
    await assert.rejects(readFrame(s, { timeoutMs: 1000 }), protocolError(/unsupported frame flags 32768/));
    s.destroy();
  });

  test('EOF inside the payload is UNEXPECTED_EOF; silence is TIMEOUT', async () => {
    await assert.rejects(
      readFrame(replay(Buffer.concat([header(FRAME_MESSAGE, 0, 10), Buffer.from('abc')])), { timeoutMs: 1000 }),
      (e) => isBurrowError(e, ErrorCode.UNEXPECTED_EOF),
    );
    const s = replay(header(FRAME_MESSAGE, 0, 10), true);
    await assert.rejects(readFrame(s, { timeoutMs: 50 }), (e) => isBurrowError(e, ErrorCode.TIMEOUT));
    s.destroy();
  });
});
