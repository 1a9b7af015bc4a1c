// A session whose very first header is invalid closes with NotYamuxPeerError; a later bad header stays a plain invalid-header error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { FrameType } from '../../src/mux/const.js';
import { isMuxError, NotYamuxPeerError } from '../../src/mux/errors.js';
import { encodeHeader } from '../../src/mux/frame.js';
import { FrameParser } from '../../src/mux/parser.js';
import { closed, rawPeer, waitFor, within, WAIT_LIMIT_MS } from './helpers.js';

/** The first bytes of an frp v1 Login message: type byte 'o', int64 length, JSON. */
const V1_LOGIN = Buffer.concat([Buffer.from('6f000000000000000e', 'hex'), Buffer.from('{"version":"x"}')]);

const noop = { onHeader() {}, onPayload() {}, onFrameEnd() {} };

test('parser: an frp v1 message as first bytes throws NotYamuxPeerError (MUX_NOT_YAMUX_PEER), split or whole', () => {
  for (const chunks of [[V1_LOGIN], [V1_LOGIN.subarray(0, 5), V1_LOGIN.subarray(5)]]) {
    const parser = new FrameParser(noop);
    assert.throws(
      () => chunks.forEach((c) => parser.push(c)),
      (err: unknown) =>
        err instanceof NotYamuxPeerError &&
        isBurrowError(err, ErrorCode.MUX_NOT_YAMUX_PEER) &&
        isMuxError(err) &&
        err.firstByte === 0x6f,
    );
  }
});

test('parser: a bad header after a valid one is a plain invalid-version error, not NotYamuxPeerError', () => {
  const parser = new FrameParser(noop);
  parser.push(encodeHeader(FrameType.Ping, 0, 0, 1));
  assert.throws(
    () => parser.push(V1_LOGIN),
    (err: unknown) => isBurrowError(err, ErrorCode.MUX_INVALID_VERSION) && !(err instanceof NotYamuxPeerError),
  );
});

test('session over loopback: a v1 peer closes it with NotYamuxPeerError and gets a Go Away (protocol error)', async () => {
  const peer = await rawPeer();
  try {
    const closing = closed(peer.session);
    peer.socket.write(V1_LOGIN);
    const err = await within(closing, WAIT_LIMIT_MS, 'session close');
    assert.ok(err instanceof NotYamuxPeerError, String(err));
    await waitFor(() => peer.frames.some((f) => f.type === FrameType.GoAway && f.length === 1), 'go away');
  } finally {
    await peer.close();
  }
});
