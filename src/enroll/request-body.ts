// An enrollment request's body as the endpoint reads it (Content-Length only, bounded), and the refusal of a request that is not one.
import type { IncomingMessage } from 'node:http';
import { BurrowError, ErrorCode, type ErrorCodeValue } from '../errors.js';
import { MAX_REQUEST_BODY_BYTES } from './constants.js';

/** A request that is not one: malformed, too large, too slow; answered with `status`. */
export class HttpRefusal extends BurrowError {
  constructor(
    readonly status: number,
    message: string,
    code: ErrorCodeValue,
  ) {
    super(code, message);
  }
}

/** The request body: Content-Length only, at most MAX_REQUEST_BODY_BYTES. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  if (req.headers['transfer-encoding'] !== undefined)
    return Promise.reject(
      new HttpRefusal(411, 'request uses Transfer-Encoding; send Content-Length', ErrorCode.PROTOCOL),
    );
  // Node's parser has checked that Content-Length is one number.
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_REQUEST_BODY_BYTES) {
    req.resume();
    return Promise.reject(
      new HttpRefusal(
        413,
        `request body is ${length} bytes; at most ${MAX_REQUEST_BODY_BYTES} are accepted`,
        ErrorCode.MESSAGE_TOO_LARGE,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
