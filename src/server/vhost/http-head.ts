// HTTP/1.x request head parser for vhost routing: request line, headers, Host, bounded and strict.
import { BurrowError, ErrorCode } from '../../errors.js';

/** Largest request head (request line + headers + blank line) accepted before the blank line must appear. */
export const MAX_HTTP_HEADER_BYTES = 16 * 1024;
/** Empty lines tolerated before the request line (RFC 9112 §2.2: a server SHOULD ignore at least one). */
const MAX_LEADING_EMPTY_LINES = 4;
const LF = 0x0a;
const CR = 0x0d;
/** RFC 9110 token characters (methods and header names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** The HTTP versions this proxy speaks. */
const HTTP_VERSION = /^HTTP\/1\.[01]$/;
/** Request-target: visible ASCII only (no spaces or controls). */
const TARGET = /^[\x21-\x7e]+$/;
/** Header values: visible ASCII, obs-text, spaces and tabs; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** First printable ASCII code; below it only HTAB and CR may appear in a request line (CR before LF). */
const FIRST_PRINTABLE = 0x20;
const HTAB = 0x09;
const DEL = 0x7f;

/** Whether a (partial) request line holds a byte it can never contain: a control other than CR/HTAB, or DEL. */
function hasForbiddenByte(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < FIRST_PRINTABLE && c !== HTAB && c !== CR) || c === DEL) return true;
  }
  return false;
}

/** A complete request head. */
export interface HttpRequestHead {
  complete: true;
  /** The method as sent (case-sensitive, e.g. "GET"). */
  method: string;
  /** The request-target as sent: origin-form "/a?b", absolute-form "http://h/a", authority-form "h:443" or "*". */
  target: string;
  /** The percent-decoded path of the target without query (Go's req.URL.Path): what locations match; "" for CONNECT. */
  path: string;
  /** "HTTP/1.0" or "HTTP/1.1". */
  httpVersion: string;
  /** The routing host: the absolute-form URL's host, else the Host header; lower-cased, port and trailing dot removed ("" if none). */
  host: string;
  /** The host[:port] of an absolute-form or authority-form target ("" for origin-form): frp routes these as proxy requests. */
  urlHost: string;
  /** Header fields in order, names as sent, values with surrounding whitespace trimmed. */
  headers: [name: string, value: string][];
  /** Bytes of the head, blank line included: the body (or the next request) starts here. */
  headerBytes: number;
}

/** Not enough bytes yet: read more (the bytes so far were checked as far as they go). */
export interface HttpRequestHeadIncomplete {
  complete: false;
}

function bad(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `HTTP request head: ${detail}`);
}

function show(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/** Lower-case, drop the port (host:port or [v6]:port) and a trailing dot, as frp's CanonicalHost. */
export function canonicalHost(hostPort: string): string {
  let host = hostPort.toLowerCase();
  const colons = host.split(':').length - 1;
  const hasPort = colons === 1 || (colons > 1 && host.startsWith('[') && host.includes(']:'));
  if (hasPort) {
    const idx = host.lastIndexOf(':');
    host = host.slice(0, idx);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Percent-decode a path (bytes, then UTF-8), rejecting a "%" not followed by two hex digits. */
function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad(`invalid percent-encoding ${show(raw.slice(i, i + 3))} in path`);
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Split a request-target into URL host and path, as Go's url.ParseRequestURI for a server. */
function splitTarget(method: string, target: string): { urlHost: string; path: string } {
  if (method === 'CONNECT') {
    if (target.startsWith('/')) return { urlHost: '', path: decodePath(target.split('?')[0]) };
    return { urlHost: target, path: '' };
  }
  if (target === '*' || target.startsWith('/')) return { urlHost: '', path: decodePath(target.split('?')[0]) };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(target);
  if (m === null) throw bad(`request-target ${show(target)} is neither origin-form, absolute-form nor "*"`);
  const authority = m[2].includes('@') ? m[2].slice(m[2].lastIndexOf('@') + 1) : m[2];
  return { urlHost: authority, path: decodePath(m[3]) };
}

function parseRequestLine(line: string): { method: string; target: string; httpVersion: string } {
  const parts = line.split(' ');
  if (parts.length !== 3) throw bad(`request line ${show(line)} must be "METHOD target HTTP/1.x" (single spaces)`);
  const [method, target, httpVersion] = parts;
  if (!TOKEN.test(method)) throw bad(`method ${show(method)} is not a token`);
  if (!TARGET.test(target)) throw bad(`request-target ${show(target)} has spaces, controls or non-ASCII bytes`);
  if (!HTTP_VERSION.test(httpVersion)) throw bad(`version ${show(httpVersion)} is not HTTP/1.0 or HTTP/1.1`);
  return { method, target, httpVersion };
}

/** Reject a partial first line that already cannot be a request line (binary garbage, a bad method). */
function checkPartialRequestLine(partial: string): void {
  if (hasForbiddenByte(partial)) throw bad(`request line ${show(partial)} contains control bytes`);
  const sp = partial.indexOf(' ');
  const method = sp < 0 ? partial.replace(/\r$/, '') : partial.slice(0, sp);
  if (method !== '' && !TOKEN.test(method)) throw bad(`method ${show(method)} is not a token`);
}

/**
 * Parse the head of an HTTP/1.x request at the start of `buf`. Returns {complete: false} while
 * the blank line has not arrived (bytes seen so far are checked, so garbage is refused early), or
 * the parsed head. Lines may end in CRLF or a bare LF. Throws BurrowError MESSAGE_TOO_LARGE when
 * `maxBytes` pass without the blank line, and BurrowError PROTOCOL on a malformed request line
 * (method not a token, target with spaces or controls, version not HTTP/1.0 or 1.1), a malformed
 * header line (no colon, space before the colon, folded line, control bytes), several Host
 * headers, or bad percent-encoding in the path.
 */
export function parseHttpRequestHead(
  buf: Buffer,
  maxBytes: number = MAX_HTTP_HEADER_BYTES,
): HttpRequestHead | HttpRequestHeadIncomplete {
  const lines: string[] = [];
  let start = 0;
  let leadingEmpty = 0;
  for (;;) {
    const lf = buf.indexOf(LF, start);
    if (lf < 0 || lf >= maxBytes) {
      if (buf.length >= maxBytes)
        throw new BurrowError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `HTTP request head: no end of headers within ${maxBytes} bytes`,
        );
      if (lines.length === 0)
        checkPartialRequestLine(buf.subarray(start, Math.min(buf.length, start + maxBytes)).toString('latin1'));
      return { complete: false };
    }
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    const line = buf.subarray(start, end).toString('latin1');
    start = lf + 1;
    if (line === '') {
      if (lines.length === 0) {
        if (++leadingEmpty > MAX_LEADING_EMPTY_LINES)
          throw bad(`more than ${MAX_LEADING_EMPTY_LINES} empty lines before the request line`);
        continue;
      }
      break;
    }
    if (lines.length === 0) parseRequestLine(line); // fail fast, before the rest arrives
    lines.push(line);
  }
  const { method, target, httpVersion } = parseRequestLine(lines[0]);
  const headers: [string, string][] = [];
  let hostHeader: string | undefined;
  for (const line of lines.slice(1)) {
    if (line[0] === ' ' || line[0] === '\t') throw bad(`folded header line ${show(line)} (obs-fold) is not accepted`);
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`header line ${show(line)} has no "name:"`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw bad(`header name ${show(name)} is not a token (whitespace before the colon?)`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw bad(`header ${name} has control bytes in its value`);
    if (name.toLowerCase() === 'host') {
      if (hostHeader !== undefined) throw bad('more than one Host header');
      hostHeader = value;
    }
    headers.push([name, value]);
  }
  const { urlHost, path } = splitTarget(method, target);
  const host = canonicalHost(urlHost !== '' ? urlHost : (hostHeader ?? ''));
  return { complete: true, method, target, path, httpVersion, host, urlHost, headers, headerBytes: start };
}
