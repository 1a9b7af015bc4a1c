// Fuzz target "mux-session": a yamux Session fed random frames through an in-memory conn, with local streams and readers.
import { BurrowError } from '../../../src/errors.js';
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from '../../../src/mux/const.js';
import { encodeHeader } from '../../../src/mux/frame.js';
import { FrameParser } from '../../../src/mux/parser.js';
import { Session } from '../../../src/mux/session.js';
import type { MuxStream } from '../../../src/mux/stream.js';
import { FeedConn } from '../lib/duplex.js';
import { yamuxInput } from '../lib/yamux-arb.js';
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
  untyped,
  type FuzzTarget,
} from '../lib/target.js';

/** Largest input. */
const MAX_INPUT = 1024 * 1024;
/** Small limits so the limit paths are reachable with short inputs. */
const MAX_STREAMS = 6;
const ACCEPT_BACKLOG = 3;
/** Mode bits of an input's second byte. */
const MODE_CLIENT = 1;
const MODE_LISTEN = 2;
const MODE_NO_READ = 4;
const MODE_OPEN = 8;
const MODE_TICK = 16;
const MODE_ECHO = 32;
const MODE_GOAWAY = 64;
/** What an accepted stream writes back in echo mode. */
const ECHO_BYTES = 100;
/** What a locally opened stream writes: more than the initial window, so it waits for window updates. */
const OPEN_WRITE_BYTES = 300_000;

function seeds(): Buffer[] {
  const data = Buffer.from('payload');
  return [
    ...seedOf([5, MODE_LISTEN | MODE_ECHO], captured('v1-mux', 1, 'c2s')),
    ...seedOf([6, MODE_CLIENT | MODE_LISTEN | MODE_OPEN], captured('v1-mux', 1, 's2c')),
    // A server session: the peer opens stream 1, sends data and FIN, pings.
    Buffer.concat([
      Buffer.from([1, MODE_LISTEN | MODE_ECHO]),
      encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0),
      encodeHeader(FrameType.Data, 0, 1, data.length),
      data,
      encodeHeader(FrameType.WindowUpdate, Flag.FIN, 1, 0),
      encodeHeader(FrameType.Ping, Flag.SYN, 0, 9),
    ]),
    // A client session that opened stream 1: the peer ACKs it, grants window, resets it.
    Buffer.concat([
      Buffer.from([2, MODE_CLIENT | MODE_OPEN | MODE_LISTEN]),
      encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, 1000),
      encodeHeader(FrameType.Data, Flag.ACK, 1, data.length),
      data,
      encodeHeader(FrameType.WindowUpdate, Flag.RST, 1, 0),
      encodeHeader(FrameType.GoAway, 0, 0, 0),
    ]),
  ];
}

/** Watches a stream: typed errors only, and its buffered bytes never exceed the window granted. */
function watch(stream: MuxStream, mode: number, streams: MuxStream[], found: Error[], send: number): void {
  streams.push(stream);
  stream.on('error', (err) => noteTypedError(found, err, `stream ${stream.id} 'error'`));
  if ((mode & MODE_NO_READ) === 0) stream.on('data', () => undefined);
  if (send > 0) stream.write(Buffer.alloc(send, 0x41));
  if ((mode & MODE_ECHO) !== 0) stream.end();
}

async function run(input: Buffer): Promise<void> {
  if (input.length < 2) return;
  const [seed, mode] = [input[0]!, input[1]!];
  const data = input.subarray(2);
  const conn = new FeedConn();
  const session = new Session(conn, {
    client: (mode & MODE_CLIENT) !== 0,
    keepaliveIntervalMs: 0,
    maxStreams: MAX_STREAMS,
    acceptBacklog: ACCEPT_BACKLOG,
    maxStreamWindow: INITIAL_STREAM_WINDOW,
    streamOpenTimeoutMs: 0,
    streamCloseTimeoutMs: 0,
  });
  const closed = new Promise<unknown>((resolve) => session.once('close', resolve));
  const streams: MuxStream[] = [];
  const found: Error[] = [];
  if ((mode & MODE_LISTEN) !== 0)
    session.on('stream', (s: MuxStream) => watch(s, mode, streams, found, (mode & MODE_ECHO) !== 0 ? ECHO_BYTES : 0));
  if ((mode & MODE_OPEN) !== 0) {
    for (let i = 0; i < 2; i++) {
      try {
        watch(session.open(), mode, streams, found, OPEN_WRITE_BYTES);
      } catch (err) {
        if (!(err instanceof BurrowError)) throw untyped(err, 'Session.open');
      }
    }
  }
  if ((mode & MODE_GOAWAY) !== 0) session.goAway();
  for (const piece of split(data, seed)) {
    conn.feed(piece);
    if ((mode & MODE_TICK) !== 0) await tick();
    check(
      session.numStreams <= MAX_STREAMS,
      `session holds ${session.numStreams} streams, above the limit of ${MAX_STREAMS}`,
    );
  }
  await tick();
  for (const s of streams) {
    // The peer can only fill what we granted: the readable buffer stays within the stream window.
    check(
      s.readableLength <= INITIAL_STREAM_WINDOW,
      `stream ${s.id} buffers ${s.readableLength} bytes, above its ${INITIAL_STREAM_WINDOW}-byte window`,
    );
  }
  if ((mode & MODE_TICK) !== 0) conn.feedEnd();
  else session.close();
  const err = await bounded(closed, INPUT_TIME_LIMIT_MS, 'session close');
  checkTypedError(err, "session 'close'");
  await tick();
  throwNoted(found);
  // Whatever the peer sent, the session itself writes only well-formed frames.
  const parser = new FrameParser({ onHeader() {}, onPayload() {}, onFrameEnd() {} });
  for (const w of conn.written) {
    try {
      parser.push(w);
    } catch (e) {
      throw untyped(e, `the session wrote a malformed frame (${String(e)})`);
    }
  }
  conn.destroy();
}

/** The yamux session state machine. */
export const muxSessionTarget: FuzzTarget = {
  name: 'mux-session',
  about:
    'yamux Session over an in-memory conn: random frames, local opens/writes/echo; typed close errors, stream limit, window bound, own output well-formed',
  arbitrary: yamuxInput,
  maxInputBytes: MAX_INPUT,
  ciRuns: 300,
  seeds,
  run,
};
