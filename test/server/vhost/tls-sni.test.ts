// TLS ClientHello SNI tests: real hellos from Node's tls and openssl s_client on loopback, re-fragmented, tiny writes, malformed, fuzz.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { describe, test } from 'node:test';
import { BurrowError, ErrorCode, isBurrowError } from '../../../src/errors.js';
import { MAX_CLIENT_HELLO_BYTES, parseTlsClientHelloSni, tlsRecordBoundary } from '../../../src/server/vhost/index.js';

/** Bound for capturing a ClientHello on loopback. */
const CAPTURE_TIMEOUT_MS = 10_000;
/** Random inputs for the fuzz test. */
const FUZZ_ROUNDS = 3000;
const HAS_OPENSSL = spawnSync('openssl', ['version']).status === 0;

/** Listen on loopback, let `start(port)` connect, and return the bytes the client sent until its ClientHello is complete. */
async function captureHello(start: (port: number) => () => void): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  let stop: (() => void) | undefined;
  try {
    const captured = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ClientHello captured')), CAPTURE_TIMEOUT_MS);
      server.once('connection', (sock: net.Socket) => {
        const chunks: Buffer[] = [];
        sock.on('error', () => {});
        sock.on('data', (c: Buffer) => {
          chunks.push(c);
          const all = Buffer.concat(chunks);
          try {
            if (!parseTlsClientHelloSni(all).complete) return;
          } catch (err) {
            reject(err as Error);
          }
          clearTimeout(timer);
          sock.destroy();
          resolve(all);
        });
      });
    });
    stop = start(port);
    return await captured;
  } finally {
    stop?.();
    server.close();
  }
}

function nodeHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  return captureHello((port) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    s.on('error', () => {}); // the capture server hangs up mid-handshake
    return () => s.destroy();
  });
}

function opensslHello(args: string[]): Promise<Buffer> {
  return captureHello((port) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {});
    return () => child.kill();
  });
}

/** Re-cut the handshake message of a single-record hello into records of `size` bytes. */
function refragment(hello: Buffer, size: number): Buffer {
  const len = hello.readUInt16BE(3);
  const hs = hello.subarray(5, 5 + len);
  const records: Buffer[] = [];
  for (let off = 0; off < hs.length; off += size) {
    const frag = hs.subarray(off, off + size);
    const head = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    head.writeUInt16BE(frag.length, 3);
    records.push(head, frag);
  }
  return Buffer.concat(records);
}

function isProtocol(message: RegExp) {
  return (err: unknown): boolean => isBurrowError(err, ErrorCode.PROTOCOL) && message.test((err as Error).message);
}

describe('parseTlsClientHelloSni on real ClientHellos', () => {
  test("Node's tls.connect({ servername }) — SNI lower-cased, helloBytes = the record", async () => {
    const hello = await nodeHello({ servername: 'App.Example.COM' });
    const r = parseTlsClientHelloSni(hello);
    assert.deepEqual(r, { complete: true, sni: 'app.example.com', helloBytes: 5 + hello.readUInt16BE(3) });
  });

  test("Node's TLS 1.2-only hello", async () => {
    const r = parseTlsClientHelloSni(await nodeHello({ servername: 'v12.example.org', maxVersion: 'TLSv1.2' }));
    assert.ok(r.complete);
    assert.equal(r.sni, 'v12.example.org');
  });

  test('no SNI when connecting to an IP without servername', async () => {
    const r = parseTlsClientHelloSni(await nodeHello({}));
    assert.deepEqual(r.complete && r.sni, undefined);
    assert.equal(r.complete, true);
  });

  test('openssl s_client -servername', { skip: !HAS_OPENSSL && 'openssl not installed' }, async () => {
    const r = parseTlsClientHelloSni(await opensslHello(['-servername', 'openssl.example.net']));
    assert.ok(r.complete);
    assert.equal(r.sni, 'openssl.example.net');
  });

  test('openssl s_client -noservername -tls1_2', { skip: !HAS_OPENSSL && 'openssl not installed' }, async () => {
    const r = parseTlsClientHelloSni(await opensslHello(['-noservername', '-tls1_2']));
    assert.ok(r.complete);
    assert.equal(r.sni, undefined);
  });

  test('a hello arriving one byte at a time is incomplete until its last byte', async () => {
    const hello = await nodeHello({ servername: 'slow.example.com' });
    for (let n = 0; n < hello.length; n++)
      assert.deepEqual(parseTlsClientHelloSni(hello.subarray(0, n)), { complete: false }, `prefix ${n}`);
    assert.equal((parseTlsClientHelloSni(hello) as { sni?: string }).sni, 'slow.example.com');
  });

  test('a hello split across many records (as Go reassembles), and bytes after it', async () => {
    const hello = await nodeHello({ servername: 'split.example.com' });
    for (const size of [1, 3, 50, 200]) {
      const cut = refragment(hello, size);
      const r = parseTlsClientHelloSni(Buffer.concat([cut, Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01])]));
      assert.deepEqual(r, { complete: true, sni: 'split.example.com', helloBytes: cut.length }, `records of ${size}`);
      for (const n of [4, 5, 6, 10, cut.length - 1])
        assert.deepEqual(parseTlsClientHelloSni(cut.subarray(0, n)), { complete: false });
    }
  });
});

/** Build a minimal ClientHello record around the given extensions block. */
function helloWith(
  extensions: Buffer | undefined,
  opts: { sessionId?: number; suites?: number; compression?: number } = {},
): Buffer {
  const sid = Buffer.alloc(opts.sessionId ?? 0, 1);
  const suites = Buffer.alloc(opts.suites ?? 2, 0x13);
  const comp = Buffer.alloc(opts.compression ?? 1, 0);
  const parts: Buffer[] = [Buffer.from([0x03, 0x03]), Buffer.alloc(32, 7), Buffer.from([sid.length]), sid];
  const suitesLen = Buffer.alloc(2);
  suitesLen.writeUInt16BE(suites.length);
  parts.push(suitesLen, suites, Buffer.from([comp.length]), comp);
  if (extensions !== undefined) {
    const extLen = Buffer.alloc(2);
    extLen.writeUInt16BE(extensions.length);
    parts.push(extLen, extensions);
  }
  const body = Buffer.concat(parts);
  const hs = Buffer.concat([Buffer.from([0x01, 0, 0, 0]), body]);
  hs.writeUIntBE(body.length, 1, 3);
  const rec = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0, 0]), hs]);
  rec.writeUInt16BE(hs.length, 3);
  return rec;
}

function ext(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

function sniExt(names: [number, string][]): Buffer {
  const entries = Buffer.concat(
    names.map(([type, name]) => {
      const n = Buffer.from(name, 'latin1');
      const h = Buffer.from([type, 0, 0]);
      h.writeUInt16BE(n.length, 1);
      return Buffer.concat([h, n]);
    }),
  );
  const listLen = Buffer.alloc(2);
  listLen.writeUInt16BE(entries.length);
  return ext(0, Buffer.concat([listLen, entries]));
}

describe('parseTlsClientHelloSni on built and malformed hellos', () => {
  test('a minimal hello with and without extensions', () => {
    assert.equal((parseTlsClientHelloSni(helloWith(sniExt([[0, 'a.b']]))) as { sni?: string }).sni, 'a.b');
    assert.deepEqual(parseTlsClientHelloSni(helloWith(undefined)), {
      complete: true,
      helloBytes: helloWith(undefined).length,
    });
  });

  test('ignores non-host_name entries', () => {
    assert.equal(
      (
        parseTlsClientHelloSni(
          helloWith(
            sniExt([
              [1, 'opaque'],
              [0, 'x.example'],
            ]),
          ),
        ) as { sni?: string }
      ).sni,
      'x.example',
    );
  });

  const malformed: [string, Buffer, RegExp][] = [
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\n'), /first byte 0x47 is not a TLS handshake record/],
    ['an SSLv2-style hello', Buffer.from([0x80, 0x2e, 0x01]), /first byte 0x80/],
    ['record version 2', Buffer.from([0x16, 0x02]), /record version major 2 is not 3/],
    [
      'an oversize record',
      Buffer.from([0x16, 0x03, 0x01, 0x40, 0x01]),
      /record length 16385 exceeds the TLS maximum of 16384/,
    ],
    ['an empty record', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]), /empty handshake record/],
    ['a ServerHello', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x30, 0x02]), /handshake type 2 is not ClientHello/],
    [
      'a ClientHello over 64 KiB',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x01]),
      /ClientHello of 65537 bytes exceeds the limit of 65536/,
    ],
    [
      'an alert record after the first fragment',
      Buffer.concat([
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x40]),
        Buffer.from([0x15, 0x03, 0x03]),
      ]),
      /record at byte 9 has type 0x15/,
    ],
    ['a session id of 33 bytes', helloWith(undefined, { sessionId: 33 }), /session id of 33 bytes exceeds 32/],
    [
      'an odd cipher suites length',
      helloWith(undefined, { suites: 3 }),
      /cipher suites length 3 is not a positive even number/,
    ],
    ['no compression methods', helloWith(undefined, { compression: 0 }), /no compression methods/],
    [
      'duplicate extensions',
      helloWith(Buffer.concat([ext(0x10, Buffer.alloc(0)), ext(0x10, Buffer.alloc(0))])),
      /duplicate extension 0x0010/,
    ],
    [
      'an extension running past the block',
      helloWith(Buffer.from([0x00, 0x10, 0x00, 0x05, 0x00])),
      /extension 0x0010: needs 5 bytes, 1 left/,
    ],
    ['an empty server_name list', helloWith(ext(0, Buffer.from([0, 0]))), /server_name list is empty/],
    [
      'two host_names',
      helloWith(
        sniExt([
          [0, 'a.com'],
          [0, 'b.com'],
        ]),
      ),
      /more than one host_name/,
    ],
    ['a trailing dot (Go rejects it)', helloWith(sniExt([[0, 'a.com.']])), /"a.com." is not a valid host name/],
    ['an empty host_name', helloWith(sniExt([[0, '']])), /"" is not a valid host name/],
    ['a host_name with a NUL', helloWith(sniExt([[0, 'a\x00.com']])), /is not a valid host name/],
    ['a host_name with a space', helloWith(sniExt([[0, 'a b.com']])), /is not a valid host name/],
  ];
  for (const [name, buf, message] of malformed) {
    test(`rejects ${name}`, () => assert.throws(() => parseTlsClientHelloSni(buf), isProtocol(message)));
  }

  test(`a 60 KB hello (big padding extension) in 16 KiB records parses within MAX_CLIENT_HELLO_BYTES (${MAX_CLIENT_HELLO_BYTES})`, () => {
    // 65536-byte body + 4-byte header, in ceil(65540 / 16384) = 5 records of 5-byte headers.
    assert.equal(MAX_CLIENT_HELLO_BYTES, 65540 + 5 * 5);
    const big = helloWith(Buffer.concat([ext(0x15, Buffer.alloc(60_000)), sniExt([[0, 'big.example.com']])]));
    const cut = refragment(big, 16384);
    assert.ok(cut.length <= MAX_CLIENT_HELLO_BYTES);
    assert.deepEqual(parseTlsClientHelloSni(cut), { complete: true, sni: 'big.example.com', helloBytes: cut.length });
  });

  test(`${FUZZ_ROUNDS} random and mutated hellos: results or BurrowError PROTOCOL only`, () => {
    const seed = helloWith(Buffer.concat([sniExt([[0, 'fuzz.example.com']]), ext(0x2b, Buffer.from([2, 3, 4]))]));
    for (let i = 0; i < FUZZ_ROUNDS; i++) {
      let buf: Buffer;
      if (i % 4 === 0) buf = Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), randomBytes(i % 100)]);
      else {
        buf = Buffer.from(seed);
        for (let k = 0; k < 1 + (i % 3); k++) buf[(i * 11 + k * 37) % buf.length] = (i * 5 + k * 3) & 0xff;
        if (i % 7 === 0) buf = buf.subarray(0, i % buf.length);
      }
      try {
        const r = parseTlsClientHelloSni(buf);
        if (r.complete) assert.ok(r.helloBytes <= buf.length);
      } catch (err) {
        assert.ok(err instanceof BurrowError && err.code === ErrorCode.PROTOCOL, `round ${i}: ${String(err)}`);
      }
    }
  });
});

describe('tlsRecordBoundary', () => {
  /** A record header announcing `length` bytes of fragment. */
  function header(length: number): Buffer {
    const h = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    h.writeUInt16BE(length, 3);
    return h;
  }

  test('says where the record being received ends', () => {
    assert.equal(tlsRecordBoundary(Buffer.alloc(0)), 5, 'no header yet: at least one header');
    assert.equal(tlsRecordBoundary(Buffer.from([0x16, 0x03])), 5);
    assert.equal(tlsRecordBoundary(header(100)), 105, 'a header alone: its record');
    assert.equal(tlsRecordBoundary(Buffer.concat([header(100), Buffer.alloc(40)])), 105);
    const first = Buffer.concat([header(10), Buffer.alloc(10)]);
    assert.equal(tlsRecordBoundary(first), 20, 'one whole record: the next header');
    assert.equal(tlsRecordBoundary(Buffer.concat([first, header(7)])), 27, 'then the second record');
  });
});
