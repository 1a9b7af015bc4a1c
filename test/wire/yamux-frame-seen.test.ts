// A message read that meets a yamux frame (first byte 0x00) fails with YamuxFrameSeenError; other bad bytes do not.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { FrameType, GoAwayCode } from '../../src/mux/const.js';
import { encodeHeader } from '../../src/mux/frame.js';
import { checkTypeByte, MessageDecoder } from '../../src/wire/codec.js';
import { YamuxFrameSeenError } from '../../src/wire/errors.js';
import { readMessage } from '../../src/wire/message-io.js';

/** Bound on the socket read in this test. */
const READ_TIMEOUT_MS = 5_000;

test('checkTypeByte: 0x00 is a YamuxFrameSeenError (PROTOCOL), another unknown byte is not', () => {
  assert.throws(
    () => checkTypeByte(0x00),
    (err: unknown) => err instanceof YamuxFrameSeenError && isBurrowError(err, ErrorCode.PROTOCOL),
  );
  assert.throws(
    () => checkTypeByte(0x01),
    (err: unknown) => isBurrowError(err, ErrorCode.PROTOCOL) && !(err instanceof YamuxFrameSeenError),
  );
  assert.throws(() => new MessageDecoder().push(encodeHeader(FrameType.WindowUpdate, 1, 1, 0)), YamuxFrameSeenError);
});

test('readMessage over loopback: a yamux Go Away from the peer is recognised as a yamux frame', async () => {
  const listener = net.createServer((sock) => sock.end(encodeHeader(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError)));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const socket = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    await assert.rejects(readMessage(socket, { timeoutMs: READ_TIMEOUT_MS }), YamuxFrameSeenError);
  } finally {
    socket.destroy();
    listener.close();
  }
});
