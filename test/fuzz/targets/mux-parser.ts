// Fuzz target "mux-parser": the incremental yamux FrameParser under random chunking, against whole-buffer parsing.
import { isDeepStrictEqual } from 'node:util';
import { BurrowError } from '../../../src/errors.js';
import { FrameType, HEADER_SIZE } from '../../../src/mux/const.js';
import { encodeHeader, type FrameHeader } from '../../../src/mux/frame.js';
import { FrameParser } from '../../../src/mux/parser.js';
import { yamuxInput } from '../lib/yamux-arb.js';
import { captured, seedOf } from '../lib/fixtures.js';
import { check, FuzzFinding, split, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest input: a few full windows of data. */
const MAX_INPUT = 1024 * 1024;

/** What a parse saw: every header, every payload byte per frame, and whether it failed. */
interface Trace {
  events: string[];
  payloads: Buffer[];
  failed: boolean;
}

function parse(pieces: Buffer[]): Trace {
  const trace: Trace = { events: [], payloads: [], failed: false };
  let open: FrameHeader | null = null;
  let got: Buffer[] = [];
  let gotLength = 0;
  const parser = new FrameParser({
    onHeader(h) {
      check(open === null, 'onHeader while a frame is still open');
      check(h.version === 0 && h.type <= FrameType.GoAway, `parser passed header version ${h.version} type ${h.type}`);
      trace.events.push(`h ${h.type} ${h.flags} ${h.streamId} ${h.length}`);
      open = h;
      got = [];
      gotLength = 0;
    },
    onPayload(h, piece) {
      check(open === h && h.type === FrameType.Data, 'onPayload for a frame that is not the open Data frame');
      check(piece.length > 0, 'empty payload piece');
      got.push(piece);
      gotLength += piece.length;
      check(gotLength <= h.length, `payload ${gotLength} bytes beyond the frame length ${h.length}`);
    },
    onFrameEnd(h) {
      check(open === h, 'onFrameEnd for a frame that is not open');
      if (h.type === FrameType.Data)
        check(gotLength === h.length, `frame ended after ${gotLength} of ${h.length} payload bytes`);
      trace.events.push('e');
      trace.payloads.push(Buffer.concat(got));
      open = null;
    },
  });
  for (const piece of pieces) {
    try {
      parser.push(piece);
    } catch (err) {
      if (!(err instanceof BurrowError)) throw untyped(err, 'FrameParser.push');
      trace.failed = true;
      return trace;
    }
  }
  return trace;
}

function seeds(): Buffer[] {
  const data = Buffer.from('hello yamux');
  return [
    ...seedOf([3, 0], captured('v1-mux', 1, 'c2s')),
    ...seedOf([4, 0], captured('v2-mux', 1, 's2c')),
    Buffer.concat([
      Buffer.from([1, 0]),
      encodeHeader(FrameType.WindowUpdate, 1, 1, 0),
      encodeHeader(FrameType.Data, 0, 1, data.length),
      data,
      encodeHeader(FrameType.Ping, 1, 0, 7),
      encodeHeader(FrameType.GoAway, 0, 0, 0),
    ]),
    Buffer.concat([Buffer.from([2, 0]), encodeHeader(FrameType.Data, 4, 2, 0)]),
  ];
}

function run(input: Buffer): void {
  if (input.length < 2) return;
  const seed = input[0]!;
  const data = input.subarray(2);
  const whole = parse([data]);
  const chunked = parse(split(data, seed));
  if (
    whole.failed !== chunked.failed ||
    !isDeepStrictEqual(whole.events, chunked.events) ||
    !isDeepStrictEqual(whole.payloads, chunked.payloads)
  ) {
    throw new FuzzFinding(
      `chunked parse differs from whole parse (${chunked.events.length} vs ${whole.events.length} events)`,
    );
  }
  if (!whole.failed)
    check(whole.events.length <= 2 * Math.ceil(data.length / HEADER_SIZE), 'more frames than headers fit in the input');
}

/** The yamux frame parser. */
export const muxParserTarget: FuzzTarget = {
  name: 'mux-parser',
  about:
    'yamux FrameParser: random frames under random chunking equal whole-buffer parsing; payload accounting; MUX errors only',
  arbitrary: yamuxInput,
  maxInputBytes: MAX_INPUT,
  ciRuns: 1500,
  seeds,
  run,
};
