// acceptWebSocket and dialWebSocket against byte-exact frp handshakes (golang.org/x/net/websocket), and bad upgrades refused cleanly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  acceptWebSocket,
  dialWebSocket,
  FRP_WEBSOCKET_PATH,
  MAX_UPGRADE_REQUEST_BYTES,
} from '../../src/transport/index.js';
import { socketPair } from '../tls/helpers.js';
import { readAll, WAIT_LIMIT_MS, within } from './helpers.js';

/** The key and answer of RFC 6455's example handshake. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** The upgrade request frpc (golang.org/x/net/websocket) writes, byte for byte, with `path` and extra lines. */
function frpcRequest(path = FRP_WEBSOCKET_PATH, extra: string[] = [], version = '13'): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1:7000',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${KEY}`,
    'Origin: http://127.0.0.1:7000',
    `Sec-WebSocket-Version: ${version}`,
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** A masked single-frame binary message, as a client sends it. */
function maskedFrame(payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, body]);
}

/** Sends `bytes` to acceptWebSocket; resolves with its outcome and what the client received until close. */
async function refuse(bytes: string | Buffer, timeoutMs = WAIT_LIMIT_MS): Promise<{ err: unknown; answer: string }> {
  const pair = await socketPair();
  try {
    const answer = readAll(pair.client);
    pair.client.write(bytes);
    const err = await acceptWebSocket(pair.accepted, { path: FRP_WEBSOCKET_PATH, timeoutMs }).then(
      () => undefined,
      (e: unknown) => e,
    );
    pair.accepted.destroy(); // what the server does on rejection
    return { err, answer: (await answer).toString('latin1') };
  } finally {
    await pair.close();
  }
}

describe('acceptWebSocket', () => {
  it("answers frpc's exact upgrade with 101 and speaks frames both ways", async () => {
    const pair = await socketPair();
    try {
      let received = Buffer.alloc(0);
      pair.client.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
      pair.client.write(frpcRequest());
      const ws = await acceptWebSocket(pair.accepted, { path: FRP_WEBSOCKET_PATH, timeoutMs: WAIT_LIMIT_MS });
      const data = once(ws, 'data');
      pair.client.write(maskedFrame(Buffer.from('hello')));
      assert.deepEqual((await within(data, 'the frame'))[0], Buffer.from('hello'));
      ws.write('world');
      await within(
        new Promise<void>((resolve) => {
          const check = (): void => (received.includes(Buffer.from('world')) ? resolve() : void setTimeout(check, 10));
          check();
        }),
        'the reply frame',
      );
      const text = received.toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(head, new RegExp(`\r\nSec-WebSocket-Accept: ${ACCEPT.replace(/[+/]/g, '\\$&')}(\r\n|$)`));
      assert.doesNotMatch(head, /Sec-WebSocket-Extensions/i, 'frpc refuses any extension');
      assert.doesNotMatch(head, /X-Burrow-Half-Close/i, 'frpc did not ask for half-close');
      // An unmasked binary frame (opcode 2), as frpc ≥ 0.70 expects (older ones read any data frame).
      assert.deepEqual(
        received.subarray(head.length + 4),
        Buffer.concat([Buffer.from([0x82, 5]), Buffer.from('world')]),
      );
      ws.destroy();
    } finally {
      await pair.close();
    }
  });

  it('refuses another path with 404, a plain GET with 400, another version with 426', async () => {
    const other = await refuse(frpcRequest('/~!frpx'));
    assert.ok(isBurrowError(other.err, ErrorCode.PROTOCOL));
    assert.match(other.answer, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(other.answer, /\r\nConnection: close\r\n/);

    const plain = await refuse('GET /~!frp HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.ok(isBurrowError(plain.err, ErrorCode.PROTOCOL));
    assert.match(plain.answer, /^HTTP\/1\.1 400 Bad Request\r\n/);

    const version = await refuse(frpcRequest(FRP_WEBSOCKET_PATH, [], '8'));
    assert.match(version.answer, /^HTTP\/1\.1 426 Upgrade Required\r\n[^]*Sec-WebSocket-Version: 13/);
  });

  it('refuses garbage with 400 and an oversized head with 431, reading no more than the bound', async () => {
    const garbage = await refuse(
      Buffer.concat([Buffer.from('GET /~!frp'), Buffer.from([0, 1, 2, 0xff]), Buffer.from('\r\n\r\n')]),
    );
    assert.ok(isBurrowError(garbage.err, ErrorCode.PROTOCOL));
    assert.match(garbage.answer, /^HTTP\/1\.1 400 /);

    const folded = await refuse(frpcRequest(FRP_WEBSOCKET_PATH, ['X-A: 1', ' folded']));
    assert.match(folded.answer, /^HTTP\/1\.1 400 /);

    const huge = await refuse(`GET /~!frp HTTP/1.1\r\nX-Pad: ${'a'.repeat(MAX_UPGRADE_REQUEST_BYTES)}\r\n\r\n`);
    assert.ok(isBurrowError(huge.err, ErrorCode.MESSAGE_TOO_LARGE));
    assert.match(huge.answer, /^HTTP\/1\.1 431 /);
  });

  it('gives up on a head that never ends, without answering', async () => {
    const slow = await refuse('GET /~!frp HTTP/1.1\r\nHost: a\r\n', 200);
    assert.ok(isBurrowError(slow.err, ErrorCode.TIMEOUT));
    assert.equal(slow.answer, '');
  });
});

describe('dialWebSocket', () => {
  /** A raw server that records the request head and answers with `answer(head)`. */
  async function rawServer(
    answer: (head: string) => Buffer | string,
  ): Promise<{ port: number; heads: string[]; sockets: Set<net.Socket>; close: () => Promise<void> }> {
    const heads: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0 || heads.length > sockets.size - 1) return;
        heads.push(text.slice(0, end));
        socket.write(answer(text.slice(0, end)));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as net.AddressInfo).port,
      heads,
      sockets,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  function acceptFor(head: string): string {
    const key = /\r\nSec-WebSocket-Key: (\S+)/i.exec(head)?.[1] ?? '';
    return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  }

  it('sends what frps requires (path, Host, Origin, version 13, no extensions) and reads text frames as bytes', async () => {
    const payload = Buffer.from([0xc3, 0x28, 0x00, 0xff]); // not UTF-8, in a text frame as frps < 0.70 sends
    const server = await rawServer((head) =>
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head)}\r\n\r\n`,
        ),
        Buffer.from([0x81, payload.length]),
        payload,
      ]),
    );
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    try {
      const ws = await dialWebSocket(socket, {
        scheme: 'ws',
        host: `127.0.0.1:${server.port}`,
        timeoutMs: WAIT_LIMIT_MS,
      });
      const [chunk] = await within(once(ws, 'data'), 'the text frame');
      assert.deepEqual(chunk, payload);
      const head = server.heads[0]!;
      assert.match(head, /^GET \/~!frp HTTP\/1\.1\r\n/);
      assert.match(head, new RegExp(`\r\nHost: 127\\.0\\.0\\.1:${server.port}(\r\n|$)`));
      assert.match(head, new RegExp(`\r\nOrigin: http://127\\.0\\.0\\.1:${server.port}(\r\n|$)`));
      assert.match(head, /\r\nUpgrade: websocket(\r\n|$)/i);
      assert.match(head, /\r\nConnection: Upgrade(\r\n|$)/i);
      assert.match(head, /\r\nSec-WebSocket-Version: 13(\r\n|$)/);
      assert.doesNotMatch(head, /Sec-WebSocket-Extensions/i);
      assert.match(head, /\r\nX-Burrow-Half-Close: 1(\r\n|$)/i, 'offered; frps ignores it');
      // This server did not agree (as frps): end() is a Close frame (opcode 8), after the data.
      const seen: Buffer[] = [];
      server.sockets.forEach((s) => s.on('data', (c: Buffer) => seen.push(c)));
      ws.end('x');
      // A masked 1-byte data frame (2 + 4 + 1 bytes), then a masked Close with its 2-byte code (2 + 4 + 2).
      await within(
        new Promise<void>((resolve) => {
          const check = (): void => (Buffer.concat(seen).length >= 15 ? resolve() : void setTimeout(check, 10));
          check();
        }),
        'the Close frame',
      );
      const frames = Buffer.concat(seen);
      assert.equal(frames[0], 0x82, 'the data frame comes first');
      assert.equal(frames[7], 0x88, 'then the Close frame');
      ws.destroy();
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('rejects a refusal (frps answers 403 without Origin) with the status, and destroys the socket', async () => {
    const server = await rawServer(() => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    try {
      const err = await dialWebSocket(socket, {
        scheme: 'ws',
        host: `127.0.0.1:${server.port}`,
        timeoutMs: WAIT_LIMIT_MS,
      }).catch((e: unknown) => e);
      assert.ok(isBurrowError(err, ErrorCode.PROTOCOL), String(err));
      assert.match((err as Error).message, /answered 403/);
      assert.equal(socket.destroyed, true);
    } finally {
      await server.close();
    }
  });

  it('times out on a server that never answers', async () => {
    const server = await rawServer(() => '');
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    try {
      const err = await dialWebSocket(socket, { scheme: 'ws', host: `127.0.0.1:${server.port}`, timeoutMs: 200 }).catch(
        (e: unknown) => e,
      );
      assert.ok(isBurrowError(err, ErrorCode.TIMEOUT), String(err));
    } finally {
      await server.close();
    }
  });
});
