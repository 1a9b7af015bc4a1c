// Small HTTP helpers of the admin API: replies, JSON errors, a size-bounded body reader.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BurrowError, ErrorCode } from '../errors.js';

/** What a route handler returns; the server writes it. */
export interface Reply {
  status: number;
  /** Serialised as JSON (Content-Type application/json). */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  /** Bytes sent as they are, with `contentType` (files of webServer.assetsDir). */
  body?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** An HTTP failure with its status; handlers throw it, the server answers `{ "error": message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A JSON reply with status 200. */
export function json(value: unknown): Reply {
  return { status: 200, json: value };
}

/** A JSON error reply, frp's status codes with our `{ error }` body. */
export function errorReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return { status, json: { error: message }, headers };
}

/** Headers every admin response carries: no caching of live data, no sniffing, no framing. */
const COMMON_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** Writes a Reply to the response. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  let body: string | Buffer;
  let type: string;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    type = 'application/json; charset=utf-8';
  } else {
    body = reply.body ?? reply.text ?? '';
    type = reply.contentType ?? 'text/plain; charset=utf-8';
  }
  res.writeHead(reply.status, {
    ...COMMON_HEADERS,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

/**
 * Reads a request body of at most `limit` bytes as UTF-8. Throws HttpError 413 when the declared
 * or actual length is over the limit (the caller then closes the connection), 400 when it breaks.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) throw new HttpError(413, `request body is over the limit of ${limit} bytes`);
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `request body could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** The HTTP status for an error a view threw: invalid config → 400, closed → 503, else 500. */
export function statusOfError(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof BurrowError) {
    if (err.code === ErrorCode.CONFIG) return 400;
    if (err.code === ErrorCode.CLOSED) return 503;
  }
  return 500;
}
