// Short CI fuzz pass over the tcpmux CONNECT head parser: typed errors only, a head ends at its blank line, any split agrees.
import fc from 'fast-check';
import { bodyRefusal, connectHost, parseBasicAuth, parseRequestHead } from '../../src/server/tcpmux/index.js';
import { MAX_HTTP_HEADER_BYTES } from '../../src/server/vhost/host.js';
import { fuzzTests } from './lib/property.js';
import { check, typed, type FuzzTarget } from './lib/target.js';

const LF = 0x0a;

const line = fc.oneof(
  fc.constantFrom(
    'Host: svc.example.com:80',
    'Proxy-Authorization: Basic YWxpY2U6cHc=',
    'Proxy-Authorization: basic !!',
    'Content-Length: 0',
    'Content-Length: 12',
    'Transfer-Encoding: chunked',
    'X-Empty:',
    ' folded',
    'Bad Name: x',
    ':novalue',
    'X: a\rb',
    'X: \x00',
  ),
  fc.string({ maxLength: 24 }),
);
const requestLine = fc.oneof(
  fc.constantFrom(
    'CONNECT svc.example.com:80 HTTP/1.1',
    'CONNECT [::1]:22 HTTP/1.0',
    'CONNECT /rpc HTTP/1.1',
    'GET / HTTP/1.1',
    'CONNECT svc.example.com:80',
    'CONNECT  a:1 HTTP/1.1',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const headArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(requestLine, fc.array(line, { maxLength: 8 }), fc.constantFrom('\r\n', '\n'), fc.string({ maxLength: 16 }))
  .map(([first, lines, eol, tail]) => Buffer.from([first, ...lines, '', tail].join(eol), 'latin1'));

function run(input: Buffer): void {
  const head = typed(() => parseRequestHead(input), 'parseRequestHead');
  if (head === undefined) return;
  check(
    head.length <= input.length && input[head.length - 1] === LF,
    `head length ${head.length} is not at a line end`,
  );
  const again = typed(() => parseRequestHead(input.subarray(0, head.length)), 'parseRequestHead (head alone)');
  check(again?.length === head.length, 'the head alone does not parse to the same head');
  // No shorter prefix may claim a complete head or refuse what the whole accepted.
  for (let cut = 0; cut < head.length; cut++) {
    const partial = parseRequestHead(input.subarray(0, cut));
    check(partial === undefined, `a ${cut}-byte prefix parsed as complete`);
  }
  typed(() => connectHost(head), 'connectHost');
  typed(() => bodyRefusal(head), 'bodyRefusal');
  for (const [name, value] of head.headers) if (name === 'proxy-authorization') parseBasicAuth(value);
}

const tcpmuxHeadTarget: FuzzTarget = {
  name: 'tcpmux-head',
  about:
    'parseRequestHead on generated CONNECT heads: BurrowError only, ends at its blank line, every prefix incomplete',
  arbitrary: headArbitrary,
  maxInputBytes: MAX_HTTP_HEADER_BYTES,
  ciRuns: 1000,
  seeds: () =>
    [
      'CONNECT svc.example.com:80 HTTP/1.1\r\nHost: svc.example.com:80\r\n\r\nearly',
      'CONNECT a:1 HTTP/1.0\n\n',
      'CONNECT /rpc HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc',
    ].map((s) => Buffer.from(s, 'latin1')),
  run,
};

fuzzTests(tcpmuxHeadTarget);
