// Server side of the WebSocket transport: answers one HTTP upgrade on a connection and returns the WebSocket as a Duplex.
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { BadRequestHead, headerHasToken, readRequestHead, type RequestHead } from './http-head.js';
import {
  ERROR_RESPONSE_FLUSH_MS,
  HALF_CLOSE_HEADER,
  HALF_CLOSE_VERSION,
  MAX_UPGRADE_REQUEST_BYTES,
  WEBSOCKET_MAX_MESSAGE_BYTES,
} from './constants.js';
import { WebSocketDuplex } from './websocket-duplex.js';

/** Where and how long the upgrade is accepted. */
export interface WebSocketAcceptOptions {
  /** The only path upgraded (frp: "/~!frp"); the query string is ignored, as Go's ServeMux does. */
  path: string;
  /** Deadline for the whole request head. */
  timeoutMs: number;
  /** Largest request head; MAX_UPGRADE_REQUEST_BYTES by default. */
  maxHeadBytes?: number;
}

/** A Sec-WebSocket-Key is 16 random bytes in base64 (RFC 6455 §4.2.1). */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** The only WebSocket version there is (RFC 6455); frp's client sends it. */
const WEBSOCKET_VERSION = '13';

/** Reason phrases of the statuses answered here. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
};

/** Whether the request comes from a burrow client that reads an empty message as a half-close. */
function wantsHalfClose(headers: Record<string, string | string[] | undefined>): boolean {
  return headers[HALF_CLOSE_HEADER.toLowerCase()] === HALF_CLOSE_VERSION;
}

/** One ws server for every upgrade: no listener of its own, no client list, no compression, bytes not UTF-8-checked. */
let upgrader: WebSocketServer | undefined;
function wsServer(): WebSocketServer {
  if (upgrader) return upgrader;
  upgrader = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: WEBSOCKET_MAX_MESSAGE_BYTES,
    // frp before 0.70 sent its byte stream in text frames: they are bytes, not UTF-8.
    skipUTF8Validation: true,
  });
  // A burrow client asked for half-close by empty message: agree in the 101 (frpc never asks).
  upgrader.on('headers', (headers: string[], request: IncomingMessage) => {
    if (wantsHalfClose(request.headers)) headers.push(`${HALF_CLOSE_HEADER}: ${HALF_CLOSE_VERSION}`);
  });
  return upgrader;
}

/** An upgrade refused with an HTTP status; the connection is answered and closed. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Why this request is not a WebSocket upgrade of `path`, or undefined when it is one. */
function refusalOf(head: RequestHead, path: string): Refusal | undefined {
  const queryAt = head.target.indexOf('?');
  const target = queryAt < 0 ? head.target : head.target.slice(0, queryAt);
  if (target !== path) return new Refusal(404, `path ${JSON.stringify(target.slice(0, 64))} is not served`);
  if (head.method !== 'GET') return new Refusal(405, `method ${head.method} is not GET`, { Allow: 'GET' });
  if (head.version !== '1.1') return new Refusal(400, `HTTP/${head.version} cannot upgrade`);
  if (!headerHasToken(head.headers.upgrade, 'websocket') || !headerHasToken(head.headers.connection, 'upgrade')) {
    return new Refusal(400, 'not a WebSocket upgrade (Upgrade: websocket and Connection: Upgrade required)');
  }
  if (head.headers['sec-websocket-version'] !== WEBSOCKET_VERSION) {
    return new Refusal(426, 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': WEBSOCKET_VERSION });
  }
  if (!WEBSOCKET_KEY.test(head.headers['sec-websocket-key'] ?? ''))
    return new Refusal(400, 'missing or malformed Sec-WebSocket-Key');
  return undefined;
}

/** Writes a short HTTP error and ends the connection; resolves once flushed (or after ERROR_RESPONSE_FLUSH_MS). */
function answerError(stream: Duplex, refusal: Refusal): Promise<void> {
  const body = `${refusal.reason}\n`;
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(refusal.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ERROR_RESPONSE_FLUSH_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('close', done);
    stream.end(`${lines.join('\r\n')}\r\n\r\n${body}`, done);
  });
}

/**
 * Reads an HTTP upgrade request from `stream` (a TCP socket or a TLS socket over one) and answers it with
 * 101 Switching Protocols when it asks for a WebSocket on `options.path`; resolves with the WebSocket as a
 * Duplex. Anything else is answered with an HTTP error (404 other path, 405 other method, 400 not an
 * upgrade or not HTTP, 426 other version, 431 head too large), the connection ended, and this rejects with
 * BurrowError(PROTOCOL or MESSAGE_TOO_LARGE); a silent or vanished peer rejects with TIMEOUT / UNEXPECTED_EOF.
 * The caller destroys the stream on rejection.
 */
export async function acceptWebSocket(stream: Duplex, options: WebSocketAcceptOptions): Promise<WebSocketDuplex> {
  let head: RequestHead;
  try {
    head = await readRequestHead(stream, {
      maxBytes: options.maxHeadBytes ?? MAX_UPGRADE_REQUEST_BYTES,
      timeoutMs: options.timeoutMs,
    });
  } catch (err) {
    if (err instanceof BadRequestHead) {
      await answerError(stream, new Refusal(err.status, err.message));
      throw new BurrowError(err.code, `WebSocket upgrade refused (${err.status}): ${err.message}`);
    }
    throw err;
  }
  const refusal = refusalOf(head, options.path);
  if (refusal) {
    await answerError(stream, refusal);
    throw new BurrowError(ErrorCode.PROTOCOL, `WebSocket upgrade refused (${refusal.status}): ${refusal.reason}`);
  }
  return upgrade(stream, head);
}

/** Hands a checked request to ws, which writes the 101 and takes the stream over. */
function upgrade(stream: Duplex, head: RequestHead): Promise<WebSocketDuplex> {
  // ws reads method, url and headers of a Node request; the stream is a net.Socket or a TLS socket here
  // (IncomingMessage only keeps the reference).
  const request = new IncomingMessage(stream as Socket);
  request.method = head.method;
  request.url = head.target;
  request.headers = head.headers;
  return new Promise((resolve, reject) => {
    let settled = false;
    const onGone = (): void => {
      if (settled) return;
      settled = true;
      reject(new BurrowError(ErrorCode.UNEXPECTED_EOF, 'connection closed during the WebSocket upgrade'));
    };
    stream.once('close', onGone);
    try {
      wsServer().handleUpgrade(request, stream, Buffer.alloc(0), (ws) => {
        stream.off('close', onGone);
        if (settled) {
          ws.terminate();
          return;
        }
        settled = true;
        const duplex = new WebSocketDuplex(ws, { halfClose: wantsHalfClose(head.headers) });
        // The head was read in paused mode; frames after it flow to ws from here on.
        stream.resume();
        resolve(duplex);
      });
    } catch (err) {
      stream.off('close', onGone);
      settled = true;
      reject(new BurrowError(ErrorCode.INTERNAL, `WebSocket upgrade failed: ${errorMessage(err)}`, { cause: err }));
    }
  });
}
