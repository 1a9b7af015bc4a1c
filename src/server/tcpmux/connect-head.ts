// Parses the request head a tcpmux user sends ("CONNECT host:port HTTP/1.1" + headers), as Go's http.ReadRequest reads it.
import { BurrowError, ErrorCode } from '../../errors.js';
import { canonicalHost } from '../vhost/host.js';

/** The only method the tcpmux multiplexer routes (frp: "connections to tcp vhost must be of method CONNECT"). */
export const CONNECT_METHOD = 'CONNECT';

const LF = 0x0a;
const CR = 0x0d;
/** RFC 9110 token characters (method and header names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** "HTTP/1.0" or "HTTP/1.1" (Go's ParseHTTPVersion also takes other 1.x digits; nobody sends them). */
const HTTP_VERSION = /^HTTP\/1\.\d$/;
/** Bytes a header value may not hold: controls other than horizontal tab, and DEL. */
// eslint-disable-next-line no-control-regex
const BAD_VALUE_BYTES = /[\x00-\x08\x0a-\x1f\x7f]/;

/** One request head, complete up to its blank line. */
export interface RequestHead {
  /** Bytes of the head, blank line included: what follows is the user's own data. */
  readonly length: number;
  readonly method: string;
  /** The request target as written ("svc.example.com:80" for CONNECT). */
  readonly target: string;
  readonly version: string;
  /** Header fields in order, names lower-cased, values trimmed. */
  readonly headers: readonly (readonly [string, string])[];
}

function malformed(reason: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `malformed HTTP request head: ${reason}`);
}

/** The line from `start` to the LF at `lf`, without its CR; a CR elsewhere in it is refused. */
function lineAt(bytes: Buffer, start: number, lf: number): string {
  const end = lf > start && bytes[lf - 1] === CR ? lf - 1 : lf;
  const line = bytes.toString('latin1', start, end);
  if (line.includes('\r')) throw malformed('a bare CR in a line');
  return line;
}

/** "METHOD SP target SP HTTP/1.x", split on single spaces as Go's parseRequestLine. */
function parseRequestLine(line: string): { method: string; target: string; version: string } {
  const first = line.indexOf(' ');
  const last = line.lastIndexOf(' ');
  if (first <= 0 || last === first) throw malformed(`request line ${JSON.stringify(line.slice(0, 64))}`);
  const method = line.slice(0, first);
  const target = line.slice(first + 1, last);
  const version = line.slice(last + 1);
  if (!TOKEN.test(method)) throw malformed('the method is not a token');
  if (target === '' || target.includes(' ')) throw malformed('the request target');
  if (!HTTP_VERSION.test(version)) throw malformed(`the version ${JSON.stringify(version.slice(0, 16))}`);
  return { method, target, version };
}

function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  // A name with spaces before the colon, or a folded (indented) line, is refused as Go does.
  if (colon <= 0) throw malformed('a header line without a name');
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) throw malformed('a header name that is not a token');
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (BAD_VALUE_BYTES.test(value)) throw malformed(`a control byte in header ${name}`);
  return [name.toLowerCase(), value];
}

/**
 * The request head at the start of `bytes`, or undefined while its blank line has not arrived.
 * Lines end with CRLF or a bare LF (Go's textproto reads both). Throws BurrowError PROTOCOL as soon
 * as what arrived cannot be a request head (a bad request line is refused before the rest comes).
 */
export function parseRequestHead(bytes: Buffer): RequestHead | undefined {
  const firstLf = bytes.indexOf(LF);
  if (firstLf < 0) {
    // No line yet; a space-less prefix longer than any method is not HTTP (a TLS hello, say).
    if (bytes.length > 0 && !TOKEN.test(bytes.toString('latin1', 0, Math.min(bytes.length, 32)).split(' ')[0] ?? ''))
      throw malformed('the request line does not start with a method');
    return undefined;
  }
  const requestLine = lineAt(bytes, 0, firstLf);
  if (requestLine === '') throw malformed('an empty request line');
  const { method, target, version } = parseRequestLine(requestLine);
  const headers: [string, string][] = [];
  let start = firstLf + 1;
  for (;;) {
    const lf = bytes.indexOf(LF, start);
    if (lf < 0) return undefined;
    const line = lineAt(bytes, start, lf);
    start = lf + 1;
    if (line === '') return { length: start, method, target, version, headers };
    headers.push(parseHeaderLine(line));
  }
}

/** The values of one header (name lower-case), in order. */
export function headerValues(head: RequestHead, name: string): string[] {
  return head.headers.filter(([n]) => n === name).map(([, v]) => v);
}

/**
 * The host a CONNECT routes by, as frp takes it: the target's authority ("host:port"), or the
 * Host header when the target is a path; canonical (lower-case, no port, no trailing dot).
 */
export function connectHost(head: RequestHead): string {
  const authority = head.target.startsWith('/') ? (headerValues(head, 'host')[0] ?? '') : head.target;
  return canonicalHost(authority);
}

/**
 * Why a CONNECT may not be tunnelled because of a body it announces (frp 0.71.1 answers 400): a
 * positive or malformed Content-Length, or any Transfer-Encoding; undefined when there is none.
 * A body would otherwise be read as the tunnel's first bytes by one side and as HTTP by the other.
 */
export function bodyRefusal(head: RequestHead): string | undefined {
  if (headerValues(head, 'transfer-encoding').length > 0) return 'a CONNECT request must not carry Transfer-Encoding';
  for (const value of headerValues(head, 'content-length')) {
    if (!/^\d+$/.test(value)) return 'a CONNECT request carries a malformed Content-Length';
    if (Number(value) > 0) return 'a CONNECT request must not carry a body (Content-Length)';
  }
  return undefined;
}
