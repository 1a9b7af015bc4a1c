// An unauthenticated server session (preauthStreams): initial window only, a stream cap, refused streams drop data, authenticate() lifts it all.
import assert from 'node:assert/strict';
import test from 'node:test';
import { DEFAULT_MAX_STREAM_WINDOW, Flag, FrameType, INITIAL_STREAM_WINDOW } from '../../src/mux/const.js';
import { encodeHeader } from '../../src/mux/frame.js';
import type { MuxStream } from '../../src/mux/stream.js';
import { closed, delay, rawPeer, waitFor, type RawPeer } from './helpers.js';

/** A Data frame (header + payload) for `id`, with `flags`. */
function dataFrame(id: number, payload: Buffer, flags = 0): Buffer {
  return Buffer.concat([encodeHeader(FrameType.Data, flags, id, payload.length), payload]);
}

/** The server's frames for stream `id`, of `type`. */
function framesOf(peer: RawPeer, id: number, type: number): { flags: number; length: number }[] {
  return peer.frames.filter((f) => f.streamId === id && f.type === type);
}

test('an unauthenticated session ACKs with no window grant, never updates the window, and resets SYNs beyond the cap', async () => {
  const peer = await rawPeer({ preauthStreams: 2 });
  const accepted: MuxStream[] = [];
  peer.session.on('stream', (s: MuxStream) => {
    s.on('error', () => {});
    accepted.push(s);
    s.resume(); // a consumer that reads everything: it would normally trigger window updates
  });
  try {
    assert.equal(peer.session.authenticated, false);
    for (const id of [1, 3, 5, 7]) peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.SYN, id, 0));
    await waitFor(() => peer.frames.length >= 4, 'answers to 4 SYNs');
    for (const id of [1, 3])
      assert.deepEqual(
        framesOf(peer, id, FrameType.WindowUpdate).map((f) => [f.flags, f.length]),
        [[Flag.ACK, 0]],
      );
    for (const id of [5, 7])
      assert.deepEqual(
        framesOf(peer, id, FrameType.WindowUpdate).map((f) => f.flags),
        [Flag.RST],
      );
    assert.equal(peer.session.refusedStreams, 2);
    assert.equal(accepted.length, 2);
    assert.ok(accepted.every((s) => s.windowHeld));
    // The whole initial window, read at once by the consumer: still no window update.
    peer.socket.write(dataFrame(1, Buffer.alloc(INITIAL_STREAM_WINDOW, 1)));
    await waitFor(() => accepted[0]!.readableLength === 0 && peer.session.bufferedBytes === 0, 'data consumed');
    await delay(20);
    assert.equal(framesOf(peer, 1, FrameType.WindowUpdate).length, 1, 'only the ACK');
    // One byte more than the initial window is a protocol error: the session closes.
    const gone = closed(peer.session);
    peer.socket.write(dataFrame(1, Buffer.alloc(1, 2)));
    const err = await gone;
    assert.match(String(err), /window exceeded/);
  } finally {
    await peer.close();
  }
});

test('authenticate() grants held streams the full window and lifts the stream cap', async () => {
  const peer = await rawPeer({ preauthStreams: 1 });
  const accepted: MuxStream[] = [];
  peer.session.on('stream', (s: MuxStream) => {
    s.on('error', () => {});
    accepted.push(s);
  });
  try {
    peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await waitFor(() => accepted.length === 1, 'first stream');
    peer.session.authenticate();
    assert.equal(peer.session.authenticated, true);
    assert.equal(accepted[0]!.windowHeld, false);
    await waitFor(() => framesOf(peer, 1, FrameType.WindowUpdate).length === 2, 'window update after authenticate');
    const update = framesOf(peer, 1, FrameType.WindowUpdate)[1]!;
    assert.deepEqual([update.flags, update.length], [0, DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW]);
    // Past the former cap, new streams are accepted with the full grant in their ACK.
    peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.SYN, 3, 0));
    await waitFor(() => accepted.length === 2, 'second stream');
    assert.deepEqual(
      framesOf(peer, 3, FrameType.WindowUpdate).map((f) => [f.flags, f.length]),
      [[Flag.ACK, DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW]],
    );
    assert.equal(peer.session.refusedStreams, 0);
  } finally {
    await peer.close();
  }
});

test('a held stream the server ended (a refusal) drops what the peer sends next instead of buffering it', async () => {
  const peer = await rawPeer({ preauthStreams: 1 });
  const accepted: MuxStream[] = [];
  peer.session.on('stream', (s: MuxStream) => {
    s.on('error', () => {});
    accepted.push(s);
  });
  try {
    peer.socket.write(
      Buffer.concat([encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0), dataFrame(1, Buffer.from('first message'))]),
    );
    await waitFor(() => accepted.length === 1 && accepted[0]!.readableLength > 0, 'first message buffered');
    const stream = accepted[0]!;
    const first = stream.read() as Buffer;
    assert.equal(first.toString(), 'first message');
    stream.end('refused'); // what a refusal does: answer, then end
    await waitFor(() => framesOf(peer, 1, FrameType.WindowUpdate).some((f) => (f.flags & Flag.FIN) !== 0), 'FIN');
    const flood = Buffer.alloc(INITIAL_STREAM_WINDOW - first.length, 3);
    peer.socket.write(dataFrame(1, flood));
    await delay(50);
    assert.equal(stream.readableLength, 0);
    assert.equal(peer.session.bufferedBytes, 0);
    assert.equal(peer.session.isClosed, false);
  } finally {
    await peer.close();
  }
});

test('a session without preauthStreams is trusted from the start (the full grant in the ACK)', async () => {
  const peer = await rawPeer();
  peer.session.on('stream', (s: MuxStream) => s.on('error', () => {}));
  try {
    assert.equal(peer.session.authenticated, true);
    peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await waitFor(() => framesOf(peer, 1, FrameType.WindowUpdate).length === 1, 'ACK');
    assert.equal(
      framesOf(peer, 1, FrameType.WindowUpdate)[0]!.length,
      DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW,
    );
  } finally {
    await peer.close();
  }
});
