// Tests for first-byte sniffing on real loopback sockets, including TLS and plain reads after it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import {
  buildClientTlsOptions,
  buildServerTls,
  connectTls,
  sniffTlsFirstByte,
  wrapServerSocket,
  type ServerTls,
} from '../../src/tls/index.js';
import { readExactly, socketPair, tempDir } from './helpers.js';
import { peekUntil } from '../../src/net/peek.js';
import { PassThrough } from 'node:stream';

const clientSettings = {
  enable: true,
  certFile: '',
  keyFile: '',
  trustedCaFile: '',
  serverName: '',
  serverAddr: '127.0.0.1',
  disableCustomTLSFirstByte: true,
};

describe('sniffTlsFirstByte', () => {
  const tmp = tempDir('sniff');
  let serverTls: ServerTls;
  before(async () => {
    serverTls = await buildServerTls({ certFile: '', keyFile: '', trustedCaFile: '', force: false, stateDir: tmp.dir });
  });
  after(() => tmp.remove());

  for (const pauseOnConnect of [false, true]) {
    const mode = pauseOnConnect ? 'pauseOnConnect' : 'default accept';
    for (const customFirstByte of [true, false]) {
      it(`${customFirstByte ? '0x17' : '0x16'} path (${mode}): TLS handshake and data after sniff`, async () => {
        const pair = await socketPair({ pauseOnConnect });
        try {
          const { options } = await buildClientTlsOptions(clientSettings);
          const clientP = connectTls(pair.client, options, { customFirstByte });
          // Let the whole ClientHello land in the server socket's buffer before sniffing, the
          // delicate case: TLS must still see every buffered byte after the sniffer's read.
          await delay(50);
          const sniffed = await sniffTlsFirstByte(pair.accepted, { force: false });
          assert.deepEqual(sniffed, { kind: 'tls' });
          const [serverSock, clientSock] = await Promise.all([wrapServerSocket(pair.accepted, serverTls), clientP]);
          clientSock.write('hello over tls');
          assert.equal((await readExactly(serverSock, 14)).toString(), 'hello over tls');
          serverSock.write('reply');
          assert.equal((await readExactly(clientSock, 5)).toString(), 'reply');
          serverSock.destroy();
          clientSock.destroy();
        } finally {
          await pair.close();
        }
      });
    }

    it(`plain path (${mode}): first byte and the rest are preserved`, async () => {
      const pair = await socketPair({ pauseOnConnect });
      try {
        const payload = Buffer.from([0x00, 0x01, 0x02, 0x17, 0x16, 0xff, 0x41, 0x42, 0x43, 0x44, 0x45]);
        pair.client.write(payload);
        await delay(20);
        assert.deepEqual(await sniffTlsFirstByte(pair.accepted, { force: false }), { kind: 'plain' });
        assert.deepEqual(await readExactly(pair.accepted, payload.length), payload);
      } finally {
        await pair.close();
      }
    });
  }

  it('plain path when the first byte arrives alone, the rest later', async () => {
    const pair = await socketPair();
    try {
      const sniffP = sniffTlsFirstByte(pair.accepted, { force: false });
      pair.client.write(Buffer.from('o'));
      assert.deepEqual(await sniffP, { kind: 'plain' });
      pair.client.write(Buffer.from('1234567890'));
      assert.equal((await readExactly(pair.accepted, 11)).toString(), 'o1234567890');
    } finally {
      await pair.close();
    }
  });

  it('0x16 leaves the byte in place; 0x17 consumes it', async () => {
    for (const [first, expected] of [
      [0x16, Buffer.from([0x16, 0x61, 0x62])],
      [0x17, Buffer.from([0x61, 0x62])],
    ] as const) {
      const pair = await socketPair();
      try {
        pair.client.write(Buffer.from([first, 0x61, 0x62]));
        assert.deepEqual(await sniffTlsFirstByte(pair.accepted, { force: true }), { kind: 'tls' });
        assert.deepEqual(await readExactly(pair.accepted, expected.length), expected);
      } finally {
        await pair.close();
      }
    }
  });

  it('force refuses a plain connection with TLS_REQUIRED', async () => {
    const pair = await socketPair();
    try {
      pair.client.write(Buffer.from([0x00, 0x00, 0x00]));
      await assert.rejects(sniffTlsFirstByte(pair.accepted, { force: true }), (err: unknown) => {
        assert.ok(isBurrowError(err, ErrorCode.TLS_REQUIRED));
        assert.equal(err.message, 'plain connection refused: transport.tls.force is set');
        return true;
      });
    } finally {
      await pair.close();
    }
  });

  it('EOF before the first byte rejects UNEXPECTED_EOF', async () => {
    const pair = await socketPair();
    try {
      pair.client.end();
      await assert.rejects(sniffTlsFirstByte(pair.accepted, { force: false }), (err: unknown) =>
        isBurrowError(err, ErrorCode.UNEXPECTED_EOF),
      );
    } finally {
      await pair.close();
    }
  });

  it('silence rejects TIMEOUT at the deadline', async () => {
    const pair = await socketPair();
    try {
      const start = Date.now();
      await assert.rejects(sniffTlsFirstByte(pair.accepted, { force: false, timeoutMs: 100 }), (err: unknown) =>
        isBurrowError(err, ErrorCode.TIMEOUT),
      );
      assert.ok(Date.now() - start >= 90);
    } finally {
      await pair.close();
    }
  });

  it("after peekUntil (paused, bytes put back) the socket is released: a 'data' reader gets every byte", async () => {
    const pair = await socketPair();
    try {
      pair.client.write(Buffer.from('plain bytes'));
      assert.equal(await peekUntil(pair.accepted, (b) => b.length, { maxBytes: 64, timeoutMs: 2_000 }), 11);
      assert.deepEqual(await sniffTlsFirstByte(pair.accepted, { force: false }), { kind: 'plain' });
      assert.equal((await readExactly(pair.accepted, 11)).toString(), 'plain bytes');
    } finally {
      await pair.close();
    }
  });

  it('a socket reset before the first byte rejects UNEXPECTED_EOF with the cause', async () => {
    const s = new PassThrough();
    const sniffing = sniffTlsFirstByte(s, { force: false });
    s.destroy(new Error('ECONNRESET'));
    await assert.rejects(
      sniffing,
      (err: unknown) => isBurrowError(err, ErrorCode.UNEXPECTED_EOF) && /ECONNRESET/.test(err.message),
    );
  });
});
