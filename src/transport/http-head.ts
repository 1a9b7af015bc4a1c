// Reads one HTTP/1.x request head from a stream with a size bound and a deadline, leaving the bytes after it unread.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { readAhead } from './read-ahead.js';

/** A parsed request line and header block. Header names are lower-case; repeated headers are joined with ", ". */
export interface RequestHead {
  method: string;
  /** The request target as sent, e.g. "/~!frp?x=1". */
  target: string;
  /** "1.1" or "1.0". */
  version: string;
  headers: Record<string, string>;
}

/** A request head that is not HTTP: the status a server answers it with, and why. */
export class BadRequestHead extends BurrowError {
  constructor(
    readonly status: 400 | 431,
    message: string,
  ) {
    super(status === 431 ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.PROTOCOL, message);
  }
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const REQUEST_LINE = /^([A-Z]{1,16}) (\S{1,4096}) HTTP\/(1\.[01])$/;
/** A header line: an RFC 9110 token as the name, then the value. */
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(.*)$/;

/** Whether `value` holds a control character other than tab (forbidden in a field value). */
function hasControlChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Reads bytes until the blank line ending a request head (at most `maxBytes`, within `timeoutMs`), consumes
 * exactly the head and parses it; what follows stays buffered in the (paused) stream. Rejects with
 * BadRequestHead (400: not an HTTP/1.x request, 431: head too large), or TIMEOUT / UNEXPECTED_EOF from the read.
 */
export async function readRequestHead(
  stream: Duplex,
  opts: { maxBytes: number; timeoutMs: number },
): Promise<RequestHead> {
  let scanned = 0;
  let end: number;
  try {
    end = await readAhead(
      stream,
      (bytes) => {
        // Only the new bytes (and three before them) can complete the marker: a dribbling peer costs linear time.
        const at = bytes.indexOf(HEAD_END, Math.max(0, scanned - (HEAD_END.length - 1)));
        scanned = bytes.length;
        return at < 0 ? undefined : at + HEAD_END.length;
      },
      { maxBytes: opts.maxBytes, timeoutMs: opts.timeoutMs },
    );
  } catch (err) {
    if (err instanceof BurrowError && err.code === ErrorCode.MESSAGE_TOO_LARGE) {
      throw new BadRequestHead(431, `request head longer than ${opts.maxBytes} bytes`);
    }
    throw err;
  }
  if (end > opts.maxBytes) throw new BadRequestHead(431, `request head longer than ${opts.maxBytes} bytes`);
  const head = stream.read(end) as Buffer | null;
  if (head === null || head.length !== end)
    throw new BurrowError(ErrorCode.UNEXPECTED_EOF, 'connection ended while its request head was read');
  return parseRequestHead(head.subarray(0, end - HEAD_END.length).toString('latin1'));
}

/** Parses "METHOD target HTTP/1.x" and the header lines (CRLF-separated, no trailing blank line). */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split('\r\n');
  const first = REQUEST_LINE.exec(lines[0] ?? '');
  if (!first) throw new BadRequestHead(400, 'not an HTTP/1.x request line');
  // No prototype: a header named "__proto__" is just a header.
  const headers = Object.create(null) as Record<string, string>;
  for (const line of lines.slice(1)) {
    const match = HEADER_LINE.exec(line);
    if (!match || hasControlChar(match[2]!)) throw new BadRequestHead(400, 'malformed header line');
    const name = match[1]!.toLowerCase();
    const value = match[2]!.replace(/^[ \t]+|[ \t]+$/g, '');
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return { method: first[1]!, target: first[2]!, version: first[3]!, headers };
}

/** Whether a comma-separated header value lists `token` (case-insensitive), e.g. Connection: keep-alive, Upgrade. */
export function headerHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const wanted = token.toLowerCase();
  return value.split(',').some((part) => part.trim().toLowerCase() === wanted);
}
