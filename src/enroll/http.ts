// A bounded HTTP/1.1 exchange over any Duplex: one message in (head + Content-Length body) and one JSON message out.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';

/** End of an HTTP head. */
const HEAD_END = Buffer.from('\r\n\r\n');

/** Most header lines accepted in one head. */
const MAX_HEADER_LINES = 64;

/** Reasons of the statuses burrow answers with. */
export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** One HTTP message as read: its first line, headers (lower-case names) and body. */
export interface HttpMessage {
  startLine: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** Limits of readHttpMessage. */
export interface ReadLimits {
  maxHeadBytes: number;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Names the message in errors: "request" or "response". */
  what: string;
}

/** An HTTP failure with the status the server answers it with. */
export class HttpFailure extends BurrowError {
  constructor(
    readonly status: number,
    code: ConstructorParameters<typeof BurrowError>[0],
    message: string,
  ) {
    super(code, message);
    this.name = 'HttpFailure';
  }
}

/** Parses a head (without the blank line) into its start line and headers; HttpFailure(400) when malformed. */
function parseHead(head: string, what: string): { startLine: string; headers: Map<string, string> } {
  const lines = head.split('\r\n');
  const startLine = lines.shift() ?? '';
  if (lines.length > MAX_HEADER_LINES)
    throw new HttpFailure(431, ErrorCode.MESSAGE_TOO_LARGE, `${what} has more than ${MAX_HEADER_LINES} header lines`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon)))
      throw new HttpFailure(400, ErrorCode.PROTOCOL, `${what} has a malformed header line`);
    const name = line.slice(0, colon).toLowerCase();
    if (headers.has(name) && name === 'content-length')
      throw new HttpFailure(400, ErrorCode.PROTOCOL, `${what} has two Content-Length headers`);
    headers.set(name, line.slice(colon + 1).trim());
  }
  return { startLine, headers };
}

/** The body length a head announces; HttpFailure for chunked or oversized bodies. */
function bodyLength(headers: Map<string, string>, limits: ReadLimits): number {
  if (headers.has('transfer-encoding'))
    throw new HttpFailure(411, ErrorCode.PROTOCOL, `${limits.what} uses Transfer-Encoding; send Content-Length`);
  const text = headers.get('content-length');
  if (text === undefined) return 0;
  if (!/^\d{1,10}$/.test(text))
    throw new HttpFailure(400, ErrorCode.PROTOCOL, `${limits.what} has an invalid Content-Length`);
  const length = Number(text);
  if (length > limits.maxBodyBytes) {
    throw new HttpFailure(
      413,
      ErrorCode.MESSAGE_TOO_LARGE,
      `${limits.what} body is ${length} bytes; at most ${limits.maxBodyBytes} are accepted`,
    );
  }
  return length;
}

/**
 * Reads one HTTP message from `conn`: the head up to the blank line (at most maxHeadBytes), then a
 * Content-Length body (at most maxBodyBytes), within timeoutMs. Bytes after the body are ignored
 * (one exchange per connection). Rejects with HttpFailure (413/431 too large, 400 malformed, 411
 * chunked), BurrowError TIMEOUT (408) or UNEXPECTED_EOF when the peer closes first.
 */
export function readHttpMessage(conn: Duplex, limits: ReadLimits): Promise<HttpMessage> {
  return new Promise<HttpMessage>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let head: { startLine: string; headers: Map<string, string>; bodyStart: number; length: number } | undefined;
    const finish = (outcome: { message: HttpMessage } | { error: Error }): void => {
      clearTimeout(timer);
      conn.off('data', onData);
      conn.off('end', onEnd);
      conn.off('close', onEnd);
      conn.off('error', onError);
      conn.pause();
      if ('message' in outcome) resolve(outcome.message);
      else reject(outcome.error);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      try {
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
        if (chunks.length > 1) chunks.splice(0, chunks.length, all);
        if (!head) {
          const end = all.indexOf(HEAD_END);
          if (end < 0) {
            if (total > limits.maxHeadBytes)
              throw new HttpFailure(
                431,
                ErrorCode.MESSAGE_TOO_LARGE,
                `${limits.what} head is larger than ${limits.maxHeadBytes} bytes`,
              );
            return;
          }
          if (end > limits.maxHeadBytes)
            throw new HttpFailure(
              431,
              ErrorCode.MESSAGE_TOO_LARGE,
              `${limits.what} head is larger than ${limits.maxHeadBytes} bytes`,
            );
          const parsed = parseHead(all.subarray(0, end).toString('latin1'), limits.what);
          head = { ...parsed, bodyStart: end + HEAD_END.length, length: bodyLength(parsed.headers, limits) };
        }
        if (all.length - head.bodyStart >= head.length) {
          const body = Buffer.from(all.subarray(head.bodyStart, head.bodyStart + head.length));
          finish({ message: { startLine: head.startLine, headers: head.headers, body } });
        }
      } catch (err) {
        finish({ error: err as Error });
      }
    };
    const onEnd = (): void =>
      finish({
        error: new BurrowError(
          ErrorCode.UNEXPECTED_EOF,
          `the connection closed before the whole ${limits.what} arrived`,
        ),
      });
    const onError = (err: Error): void =>
      finish({
        error: new BurrowError(
          ErrorCode.UNEXPECTED_EOF,
          `the connection failed while reading the ${limits.what}: ${errorMessage(err)}`,
          { cause: err },
        ),
      });
    const timer = setTimeout(
      () =>
        finish({
          error: new HttpFailure(
            408,
            ErrorCode.TIMEOUT,
            `the ${limits.what} did not arrive within ${limits.timeoutMs} ms`,
          ),
        }),
      limits.timeoutMs,
    );
    conn.on('data', onData);
    conn.once('end', onEnd);
    conn.once('close', onEnd);
    conn.once('error', onError);
    if (conn.readableEnded || conn.destroyed) {
      if (conn.errored) onError(conn.errored);
      else onEnd();
    }
  });
}

/** Writes a JSON response with Content-Length and `Connection: close`, then ends the stream. */
export function writeJsonResponse(conn: Duplex, status: number, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${json.length}\r\n` +
    'Cache-Control: no-store\r\n' +
    'Connection: close\r\n\r\n';
  conn.end(Buffer.concat([Buffer.from(head, 'latin1'), json]));
}

/** Writes a JSON POST request for `path` on `host`. */
export function writeJsonRequest(conn: Duplex, path: string, host: string, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const head =
    `POST ${path} HTTP/1.1\r\n` +
    `Host: ${host}\r\n` +
    'Content-Type: application/json\r\n' +
    'Accept: application/json\r\n' +
    `Content-Length: ${json.length}\r\n` +
    'Connection: close\r\n\r\n';
  conn.write(Buffer.concat([Buffer.from(head, 'latin1'), json]));
}
