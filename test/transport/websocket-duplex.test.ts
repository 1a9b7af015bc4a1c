// WebSocketDuplex: bytes intact both ways, backpressure, half-close, close and error propagation, message bounds.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import {
  acceptWebSocket,
  FRP_WEBSOCKET_PATH,
  frameChunks,
  WEBSOCKET_COALESCE_BYTES,
  WEBSOCKET_MAX_MESSAGE_BYTES,
  WEBSOCKET_MAX_SEND_BYTES,
  WEBSOCKET_WRITE_HIGH_WATER,
} from '../../src/transport/index.js';
import { readAll, WAIT_LIMIT_MS, waitFor, within, wsPair } from './helpers.js';

/** Payload of the bulk transfer tests. */
const BULK_BYTES = 16 * 1024 * 1024;
/** Size of each write in the bulk tests (as a relay writes TCP reads). */
const WRITE_BYTES = 64 * 1024;

/** Writes `data` in WRITE_BYTES pieces honouring write()'s backpressure, then ends. */
async function writeAll(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += WRITE_BYTES) {
    if (!stream.write(data.subarray(off, off + WRITE_BYTES))) await once(stream, 'drain');
  }
  stream.end();
}

describe('frameChunks', () => {
  it('joins small writes, keeps big ones whole up to the send limit, and never emits an empty message', () => {
    const small = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cd')];
    assert.deepEqual(frameChunks(small), [Buffer.from('abcd')]);
    const big = randomBytes(WEBSOCKET_MAX_SEND_BYTES * 2 + 5);
    const framed = frameChunks([Buffer.from('x'), big]);
    assert.deepEqual(
      framed.map((m) => m.length),
      [1, WEBSOCKET_MAX_SEND_BYTES, WEBSOCKET_MAX_SEND_BYTES, 5],
    );
    assert.deepEqual(Buffer.concat(framed), Buffer.concat([Buffer.from('x'), big]));
    const many = Array.from({ length: 10 }, () => Buffer.alloc(WEBSOCKET_COALESCE_BYTES / 4, 1));
    assert.ok(frameChunks(many).every((m) => m.length <= WEBSOCKET_COALESCE_BYTES));
    assert.deepEqual(frameChunks([Buffer.alloc(0)]), []);
  });
});

describe('WebSocketDuplex', () => {
  it('moves 16 MiB each way at once, intact', async () => {
    const pair = await wsPair();
    try {
      const up = randomBytes(BULK_BYTES);
      const down = randomBytes(BULK_BYTES);
      const [atServer, atClient] = await Promise.all([
        readAll(pair.server, 60_000),
        readAll(pair.client, 60_000),
        writeAll(pair.client, up),
        writeAll(pair.server, down),
      ]);
      assert.ok(atServer.equals(up), 'client → server bytes intact');
      assert.ok(atClient.equals(down), 'server → client bytes intact');
    } finally {
      await pair.close();
    }
  });

  it('pauses the WebSocket when the reader falls behind, and stalls the writer, without losing a byte', async () => {
    const pair = await wsPair();
    try {
      const data = randomBytes(BULK_BYTES);
      let written = 0;
      // Nobody reads the server side: the client must soon see write() return false and stay blocked.
      const writer = (async () => {
        for (let off = 0; off < data.length; off += WRITE_BYTES) {
          const piece = data.subarray(off, off + WRITE_BYTES);
          written += piece.length;
          if (!pair.client.write(piece)) await once(pair.client, 'drain');
        }
        pair.client.end();
      })();
      // Kernel buffers take a few MiB first; then the writer must stop for good.
      let last = -1;
      await waitFor(
        () => {
          const still = written === last && pair.client.writableNeedDrain;
          last = written;
          return still;
        },
        'the writer to stay blocked',
        20_000,
        200,
      );
      assert.ok(written < data.length, 'the writer did not finish while nobody read');
      assert.equal(pair.serverSocket.isPaused(), true, 'the server socket is paused');
      assert.ok(pair.server.readableLength <= 2 * WEBSOCKET_MAX_MESSAGE_BYTES, 'buffered bytes stay bounded');
      assert.ok(
        pair.client.socket.bufferedAmount < WEBSOCKET_WRITE_HIGH_WATER + WRITE_BYTES * 2,
        'the sender holds little unsent',
      );
      const got = await readAll(pair.server, 60_000);
      await writer;
      assert.ok(got.equals(data));
    } finally {
      await pair.close();
    }
  });

  it('carries a half-close: the other direction goes on until it ends too, then both close', async () => {
    const pair = await wsPair();
    try {
      const request = Buffer.from('request then FIN');
      pair.client.end(request);
      const got = await readAll(pair.server);
      assert.deepEqual(got, request);
      assert.equal(pair.client.destroyed, false, 'the client still reads after its end()');
      const reply = randomBytes(300_000);
      const back = readAll(pair.client);
      pair.server.end(reply);
      assert.ok((await back).equals(reply));
      const closes = await within(
        Promise.all([once(pair.client.socket, 'close'), once(pair.server.socket, 'close')]),
        'both WebSockets closed',
      );
      assert.deepEqual(
        closes.map(([code]) => code as number),
        [1000, 1000],
      );
    } finally {
      await pair.close();
    }
  });

  it('with a frp peer (no half-close agreement): end() is a Close frame, empty messages mean nothing', async () => {
    const listener = net.createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as net.AddressInfo;
    const acceptedP = once(listener, 'connection') as Promise<[net.Socket]>;
    // The ws package's own client sends no HALF_CLOSE_HEADER, like frpc.
    const frpLike = new WebSocket(`ws://127.0.0.1:${port}${FRP_WEBSOCKET_PATH}`, { perMessageDeflate: false });
    const [socket] = await acceptedP;
    try {
      const server = await acceptWebSocket(socket, { path: FRP_WEBSOCKET_PATH, timeoutMs: WAIT_LIMIT_MS });
      await once(frpLike, 'open');
      const got = once(server, 'data');
      frpLike.send(Buffer.alloc(0));
      frpLike.send(Buffer.from('after an empty message'));
      assert.deepEqual(
        (await within(got, 'the data'))[0],
        Buffer.from('after an empty message'),
        'the empty message was no end of stream',
      );
      const received: Buffer[] = [];
      frpLike.on('message', (m: Buffer) => received.push(m));
      const closed = once(frpLike, 'close');
      server.resume();
      server.end('bye');
      const [code] = await within(closed, 'the Close frame');
      assert.equal(code, 1000);
      assert.deepEqual(Buffer.concat(received), Buffer.from('bye'), 'every byte before the Close arrived');
      await within(once(server, 'close'), 'the server side closed');
    } finally {
      frpLike.terminate();
      socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('ends the peer cleanly on destroy() and fails it on destroy(err)', async () => {
    const clean = await wsPair();
    try {
      const ended = readAll(clean.client);
      clean.server.write('last words');
      clean.server.once('finish', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      clean.server.destroy();
      assert.deepEqual(await ended, Buffer.from('last words'));
    } finally {
      await clean.close();
    }
    const abort = await wsPair();
    try {
      const failed = once(abort.client, 'error');
      const local = once(abort.server, 'error');
      abort.server.destroy(new Error('local failure'));
      assert.match(String((await local)[0]), /local failure/);
      const [err] = await within(failed, 'the client error');
      assert.ok(isBurrowError(err, ErrorCode.NETWORK), String(err));
      assert.match((err as Error).message, /code 1006/);
    } finally {
      await abort.close();
    }
  });

  it('reports a write after the peer closed as an error, not silence', async () => {
    const pair = await wsPair();
    try {
      pair.client.resume();
      pair.server.socket.close(1000);
      await within(once(pair.client, 'end'), 'the client end');
      await waitFor(() => pair.client.socket.readyState === WebSocket.CLOSED, 'the WebSocket closed');
      const err = await new Promise<Error | null | undefined>((resolve) => {
        if (pair.client.writable) pair.client.write('late', resolve);
        else resolve(new Error('not writable any more'));
      });
      assert.ok(err instanceof Error, 'a late write fails');
    } finally {
      await pair.close();
    }
  });

  it('reads text frames as bytes (frp before 0.70), even when they are not UTF-8', async () => {
    const pair = await wsPair();
    try {
      const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
      const got = once(pair.server, 'data');
      pair.client.socket.send(bytes, { binary: false });
      const [chunk] = await within(got, 'the text frame');
      assert.deepEqual(chunk, bytes);
    } finally {
      await pair.close();
    }
  });

  it('fails the stream on a message above the limit', async () => {
    const pair = await wsPair();
    try {
      const failed = once(pair.server, 'error');
      pair.client.socket.send(Buffer.alloc(WEBSOCKET_MAX_MESSAGE_BYTES + 1));
      const [err] = await within(failed, 'the too-large error');
      assert.ok(isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE), String(err));
    } finally {
      await pair.close();
    }
  });

  it('fails the stream when data follows the end marker', async () => {
    const pair = await wsPair();
    try {
      pair.server.resume();
      const failed = once(pair.server, 'error');
      pair.client.socket.send(Buffer.alloc(0));
      pair.client.socket.send(Buffer.from('more'));
      const [err] = await within(failed, 'the protocol error');
      assert.ok(isBurrowError(err, ErrorCode.PROTOCOL), String(err));
    } finally {
      await pair.close();
    }
  });
});
