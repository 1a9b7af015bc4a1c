// Loopback tests of the version-neutral WireConn API: control login v1/v2 both ways, work connections, refusals, bad input.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  acceptWire,
  clientLogin,
  createEncryptedStream,
  decodeServerHello,
  deriveCipherKey,
  encodeClientHello,
  encodeFrame,
  encodeMessage,
  encodeMessageFrame,
  encodeServerHello,
  FRAME_CLIENT_HELLO,
  FRAME_SERVER_HELLO,
  HelloError,
  MAGIC,
  MISSING_HELLO_REASON,
  MissingHelloError,
  newClientHello,
  newServerHello,
  openWire,
  privilegeKey,
  readFrame,
  readMessage,
  refuseLogin,
  startServerControl,
  verifyPrivilegeKey,
  writeMessage,
  writeServerHelloError,
  decodeMessageFrame,
  type AcceptedWire,
  type ControlChannel,
  type Login,
  type Message,
  type WireVersion,
} from '../../src/wire/index.js';

const TOKEN = 'loopback-token';
const KEY = deriveCipherKey(TOKEN);
/** Deadline for every read in these tests. */
const READ_MS = 2000;
/** Short deadline for the tests that expect a timeout. */
const SHORT_MS = 150;

const servers = new Set<Server>();
const sockets = new Set<Socket>();
after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server calling `onConn` for each connection; resolves with its port. */
async function listen(onConn: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {}); // a test may destroy either side mid-way; failures are asserted on the other side
    onConn(s);
  });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function dial(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  sockets.add(s);
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

function login(): Login {
  const timestamp = 1_800_000_000;
  return {
    version: '0.70.0',
    os: 'linux',
    arch: 'amd64',
    privilege_key: privilegeKey(TOKEN, timestamp),
    timestamp,
    client_spec: {},
    pool_count: 1,
  };
}

/** A deferred value settled by the server callback. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The server of the control tests: accept, check the token, answer, then echo the conversation. */
async function controlServer(): Promise<{
  port: number;
  result: Promise<{ accepted: AcceptedWire; channel: ControlChannel }>;
}> {
  const result = deferred<{ accepted: AcceptedWire; channel: ControlChannel }>();
  const port = await listen((s) => {
    void (async () => {
      const accepted = await acceptWire(s, { timeoutMs: READ_MS });
      assert.equal(accepted.first.type, 'Login');
      const body = accepted.first.body as Login;
      if (!verifyPrivilegeKey(TOKEN, body.timestamp ?? 0, body.privilege_key)) {
        refuseLogin(accepted, { version: '0.70.0', error: 'token mismatch' });
        return;
      }
      const channel = startServerControl(accepted, { version: '0.70.0', run_id: 'abcdef0123456789' }, KEY, TOKEN);
      result.resolve({ accepted, channel });
    })().catch(result.reject);
  });
  return { port, result: result.promise };
}

/** Both directions of a logged-in control channel: NewProxy ↔ NewProxyResp, ReqWorkConn, Ping ↔ Pong. */
async function converse(client: ControlChannel, server: ControlChannel): Promise<void> {
  const np: Message = { type: 'NewProxy', body: { proxy_name: 'echo', proxy_type: 'tcp', remote_port: 6000 } };
  client.write(np);
  assert.deepEqual(await server.read({ timeoutMs: READ_MS }), np);
  server.write({ type: 'ReqWorkConn', body: {} });
  server.write({ type: 'NewProxyResp', body: { proxy_name: 'echo', remote_addr: ':6000' } });
  assert.deepEqual(await client.read({ timeoutMs: READ_MS }), { type: 'ReqWorkConn', body: {} });
  assert.deepEqual(await client.read({ timeoutMs: READ_MS }), {
    type: 'NewProxyResp',
    body: { proxy_name: 'echo', remote_addr: ':6000' },
  });
  for (let i = 0; i < 3; i++) {
    client.write({ type: 'Ping', body: { timestamp: i + 1 } });
    assert.deepEqual(await server.read({ timeoutMs: READ_MS }), { type: 'Ping', body: { timestamp: i + 1 } });
    server.write({ type: 'Pong', body: {} });
    assert.deepEqual(await client.read({ timeoutMs: READ_MS }), { type: 'Pong', body: {} });
  }
  // A large message arrives whole (v1 readers cap JSON at 10240 bytes, v2 frames at 65536).
  const blob = 'x'.repeat(client.version === 'v1' ? 9_000 : 60_000);
  const big: Message = { type: 'NewProxy', body: { proxy_name: 'big', metas: { blob } } };
  client.write(big);
  assert.deepEqual(await server.read({ timeoutMs: READ_MS }), big);
}

describe('control connection login over loopback', () => {
  const cases: { version: WireVersion; algorithms?: string[]; expect: string }[] = [
    { version: 'v1', expect: 'aes-128-cfb' },
    { version: 'v2', algorithms: ['aes-256-gcm', 'xchacha20-poly1305'], expect: 'aes-256-gcm' },
    { version: 'v2', algorithms: ['xchacha20-poly1305', 'aes-256-gcm'], expect: 'xchacha20-poly1305' },
    { version: 'v2', algorithms: ['xchacha20-poly1305'], expect: 'xchacha20-poly1305' },
  ];
  for (const c of cases) {
    test(`${c.version} offering ${c.algorithms?.join(',') ?? '-'}: both sides agree on ${c.expect}, messages flow both ways`, async () => {
      const { port, result } = await controlServer();
      const sock = await dial(port);
      const { resp, channel } = await clientLogin(sock, c.version, login(), {
        token: TOKEN,
        encryptionKey: KEY,
        timeoutMs: READ_MS,
        algorithms: c.algorithms,
      });
      assert.deepEqual(resp, { version: '0.70.0', run_id: 'abcdef0123456789' });
      assert.ok(channel);
      const server = await result;
      assert.equal(server.accepted.conn.version, c.version);
      assert.equal(server.channel.algorithm, c.expect);
      assert.equal(channel.algorithm, c.expect);
      assert.equal(channel.version, c.version);
      if (c.version === 'v2')
        assert.deepEqual(server.accepted.clientHello?.capabilities.crypto.algorithms, c.algorithms);
      await converse(channel, server.channel);
      channel.stream.destroy();
      server.channel.stream.destroy();
    });
  }

  test('v2 with the default algorithm order picks what preferredAlgorithms puts first', async () => {
    const { port, result } = await controlServer();
    const sock = await dial(port);
    const { channel } = await clientLogin(sock, 'v2', login(), {
      token: TOKEN,
      encryptionKey: KEY,
      timeoutMs: READ_MS,
    });
    const server = await result;
    const expected = ['x64', 'arm64', 's390x', 'ppc64'].includes(process.arch) ? 'aes-256-gcm' : 'xchacha20-poly1305';
    assert.equal(channel?.algorithm, expected);
    assert.equal(server.channel.algorithm, expected);
    channel?.stream.destroy();
    server.channel.stream.destroy();
  });

  test('v1 through WireConn is byte-compatible with the existing readMessage / createEncryptedStream client', async () => {
    const { port, result } = await controlServer();
    const sock = await dial(port);
    writeMessage(sock, { type: 'Login', body: login() });
    const resp = await readMessage(sock, { timeoutMs: READ_MS });
    assert.deepEqual(resp, { type: 'LoginResp', body: { version: '0.70.0', run_id: 'abcdef0123456789' } });
    const enc = createEncryptedStream(sock, KEY);
    const server = await result;
    enc.write(encodeMessage({ type: 'Ping', body: {} }));
    assert.deepEqual(await server.channel.read({ timeoutMs: READ_MS }), { type: 'Ping', body: {} });
    server.channel.write({ type: 'Pong', body: {} });
    assert.deepEqual(await readMessage(enc, { timeoutMs: READ_MS }), { type: 'Pong', body: {} });
    enc.destroy();
    server.channel.stream.destroy();
  });

  for (const version of ['v1', 'v2'] as const) {
    test(`${version}: a refused login returns the LoginResp with its error and no channel`, async () => {
      const { port } = await controlServer();
      const sock = await dial(port);
      const bad = { ...login(), privilege_key: 'wrong' };
      const { resp, channel } = await clientLogin(sock, version, bad, {
        token: TOKEN,
        encryptionKey: KEY,
        timeoutMs: READ_MS,
      });
      assert.deepEqual(resp, { version: '0.70.0', error: 'token mismatch' });
      assert.equal(channel, undefined);
      sock.destroy();
    });
  }

  test('v2 refusal on the wire: ServerHello (no error) then LoginResp with the error, in clear, then EOF', async () => {
    const { port } = await controlServer();
    const sock = await dial(port);
    const hello = newClientHello({ transport: 'tcp' }, ['aes-256-gcm']);
    sock.write(
      Buffer.concat([
        MAGIC,
        encodeFrame(FRAME_CLIENT_HELLO, encodeClientHello(hello)),
        encodeMessageFrame({ type: 'Login', body: { ...login(), privilege_key: 'x' } }),
      ]),
    );
    const sh = await readFrame(sock, { timeoutMs: READ_MS });
    assert.equal(sh.type, FRAME_SERVER_HELLO);
    assert.equal(decodeServerHello(sh.payload).error, undefined);
    assert.deepEqual(decodeMessageFrame(await readFrame(sock, { timeoutMs: READ_MS })), {
      type: 'LoginResp',
      body: { version: '0.70.0', error: 'token mismatch' },
    });
    await assert.rejects(readFrame(sock, { timeoutMs: READ_MS }), (e) => isBurrowError(e, ErrorCode.UNEXPECTED_EOF));
    sock.destroy();
  });
});

describe('work connections', () => {
  for (const version of ['v1', 'v2'] as const) {
    test(`${version}: openWire + acceptWire, StartWorkConn, then raw bytes intact both ways`, async () => {
      const raw = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
      const serverSide = deferred<{ accepted: AcceptedWire; up: Buffer }>();
      const port = await listen((s) => {
        void (async () => {
          const accepted = await acceptWire(s, { timeoutMs: READ_MS });
          accepted.conn.write({
            type: 'StartWorkConn',
            body: { proxy_name: 'echo', src_addr: '127.0.0.1', src_port: 1234, dst_port: 6000 },
          });
          s.write(raw);
          const parts: Buffer[] = [];
          let total = 0;
          s.on('data', (c: Buffer) => {
            parts.push(c);
            total += c.length;
            if (total >= raw.length) serverSide.resolve({ accepted, up: Buffer.concat(parts) });
          });
        })().catch(serverSide.reject);
      });
      const sock = await dial(port);
      const conn = openWire(sock, version);
      assert.equal(conn.version, version);
      // NewWorkConn and the first raw bytes in the same flight: the server must not eat the raw bytes.
      conn.write({ type: 'NewWorkConn', body: { run_id: 'abcdef0123456789' } });
      sock.write(raw);
      const swc = await conn.read({ timeoutMs: READ_MS });
      assert.equal(swc.type, 'StartWorkConn');
      const down: Buffer[] = [];
      let got = 0;
      await new Promise<void>((resolve) => {
        sock.on('data', (c: Buffer) => {
          down.push(c);
          got += c.length;
          if (got >= raw.length) resolve();
        });
      });
      assert.deepEqual(Buffer.concat(down), raw);
      const { accepted, up } = await serverSide.promise;
      assert.equal(accepted.conn.version, version);
      assert.deepEqual(accepted.first, { type: 'NewWorkConn', body: { run_id: 'abcdef0123456789' } });
      assert.equal(accepted.clientHello, undefined);
      assert.deepEqual(up, raw);
      sock.destroy();
    });
  }
});

describe('bad input', () => {
  /** A server that runs acceptWire and hands back its outcome and the socket. */
  async function acceptOnce(
    timeoutMs = READ_MS,
  ): Promise<{ port: number; outcome: Promise<{ s: Socket; err?: unknown; accepted?: AcceptedWire }> }> {
    const d = deferred<{ s: Socket; err?: unknown; accepted?: AcceptedWire }>();
    const port = await listen((s) => {
      acceptWire(s, { timeoutMs }).then(
        (accepted) => d.resolve({ s, accepted }),
        (err: unknown) => d.resolve({ s, err }),
      );
    });
    return { port, outcome: d.promise };
  }

  test('a partial magic then silence times out', async () => {
    const { port, outcome } = await acceptOnce(SHORT_MS);
    const sock = await dial(port);
    sock.write(MAGIC.subarray(0, 4));
    const { err } = await outcome;
    assert.ok(isBurrowError(err, ErrorCode.TIMEOUT), String(err));
    assert.match((err as Error).message, /waiting for 7 bytes \(4 buffered\)/);
    sock.destroy();
  });

  test('a ClientHello with no algorithm: HelloError, answered by a ServerHello carrying the reason', async () => {
    const { port, outcome } = await acceptOnce();
    const sock = await dial(port);
    const hello = newClientHello({ transport: 'tcp' }, []);
    sock.write(
      Buffer.concat([
        MAGIC,
        encodeFrame(FRAME_CLIENT_HELLO, encodeClientHello(hello)),
        encodeMessageFrame({ type: 'Login', body: login() }),
      ]),
    );
    const { s, err } = await outcome;
    assert.ok(err instanceof HelloError);
    assert.equal(err.code, ErrorCode.PROTOCOL);
    assert.equal(err.reason, 'no supported crypto algorithm');
    writeServerHelloError(s, err.reason);
    const frame = await readFrame(sock, { timeoutMs: READ_MS });
    assert.equal(frame.type, FRAME_SERVER_HELLO);
    assert.equal(
      frame.payload.toString(),
      '{"selected":{"message":{"codec":"json"},"crypto":{}},"error":"no supported crypto algorithm"}',
    );
    sock.destroy();
  });

  test('a clientRandom of the wrong length: HelloError with frps wording', async () => {
    const { port, outcome } = await acceptOnce();
    const sock = await dial(port);
    const hello = newClientHello({ transport: 'tcp' }, ['aes-256-gcm'], Buffer.alloc(16, 7));
    sock.write(Buffer.concat([MAGIC, encodeFrame(FRAME_CLIENT_HELLO, encodeClientHello(hello))]));
    const { err } = await outcome;
    assert.ok(err instanceof HelloError);
    assert.equal(err.reason, 'invalid crypto client random length 16, want 32');
    sock.destroy();
  });

  test('a v2 Login without a ClientHello: MissingHelloError, refused with a LoginResp like frps', async () => {
    const { port, outcome } = await acceptOnce();
    const sock = await dial(port);
    sock.write(Buffer.concat([MAGIC, encodeMessageFrame({ type: 'Login', body: login() })]));
    const { err } = await outcome;
    assert.ok(err instanceof MissingHelloError);
    assert.equal(err.reason, MISSING_HELLO_REASON);
    assert.equal(err.accepted.first.type, 'Login');
    refuseLogin(err.accepted, { version: '0.70.0', error: err.reason });
    assert.deepEqual(decodeMessageFrame(await readFrame(sock, { timeoutMs: READ_MS })), {
      type: 'LoginResp',
      body: { version: '0.70.0', error: 'missing v2 crypto negotiation' },
    });
    sock.destroy();
  });

  test('a Message frame with non-zero flags, an unknown message id, a v1 unknown type byte', async () => {
    const flagged = encodeMessageFrame({ type: 'NewWorkConn', body: {} });
    flagged.writeUInt16BE(4, 2);
    const unknownId = encodeMessageFrame({ type: 'NewWorkConn', body: {} });
    unknownId.writeUInt16BE(99, 8);
    for (const [bytes, re] of [
      [Buffer.concat([MAGIC, flagged]), /unsupported frame flags 4, expected 0/],
      [Buffer.concat([MAGIC, unknownId]), /unknown message id 99/],
      [Buffer.from('GET / HTTP/1.1\r\n\r\n'), /unknown message type byte 0x47/],
    ] as const) {
      const { port, outcome } = await acceptOnce();
      const sock = await dial(port);
      sock.write(bytes);
      const { err } = await outcome;
      assert.ok(isBurrowError(err, ErrorCode.PROTOCOL) && re.test(err.message), String(err));
      sock.destroy();
    }
  });

  test('EOF before 7 bytes is UNEXPECTED_EOF', async () => {
    const { port, outcome } = await acceptOnce();
    const sock = await dial(port);
    sock.end(Buffer.from('FRP'));
    const { err } = await outcome;
    assert.ok(isBurrowError(err, ErrorCode.UNEXPECTED_EOF), String(err));
  });

  test('client: a ServerHello with error, an algorithm it did not offer, a Message instead of a ServerHello, silence', async () => {
    // Plain sockets that answer the client's first flight with what frps would never send.
    const cases: [(s: Socket) => void, RegExp, string][] = [
      [
        (s) =>
          s.write(
            encodeFrame(
              FRAME_SERVER_HELLO,
              encodeServerHello({
                selected: { message: { codec: 'json' }, crypto: { algorithm: '', serverRandom: Buffer.alloc(0) } },
                error: 'no supported crypto algorithm',
              }),
            ),
          ),
        /server refused the v2 ClientHello: no supported crypto algorithm/,
        ErrorCode.PROTOCOL,
      ],
      [
        (s) => s.write(encodeFrame(FRAME_SERVER_HELLO, encodeServerHello(newServerHello('xchacha20-poly1305')))),
        /xchacha20-poly1305 was not advertised by the client/,
        ErrorCode.PROTOCOL,
      ],
      [
        (s) => s.write(encodeMessageFrame({ type: 'LoginResp', body: { version: '0.70.0' } })),
        /unexpected frame type 16 \(Message\) in answer to the v2 ClientHello, want 2/,
        ErrorCode.PROTOCOL,
      ],
      [() => {}, /timed out/, ErrorCode.TIMEOUT],
    ];
    for (const [answer, re, code] of cases) {
      const port = await listen((s) => {
        s.once('data', () => answer(s));
      });
      const sock = await dial(port);
      await assert.rejects(
        clientLogin(sock, 'v2', login(), {
          token: TOKEN,
          encryptionKey: KEY,
          timeoutMs: code === ErrorCode.TIMEOUT ? SHORT_MS : READ_MS,
          algorithms: ['aes-256-gcm'],
        }),
        (e) => isBurrowError(e) && e.code === code && re.test(e.message),
      );
      sock.destroy();
    }
  });

  test('client: an override with an unknown algorithm is a CONFIG error before anything is sent', async () => {
    const port = await listen(() => {});
    const sock = await dial(port);
    await assert.rejects(
      clientLogin(sock, 'v2', login(), {
        token: TOKEN,
        encryptionKey: KEY,
        timeoutMs: READ_MS,
        algorithms: ['aes-128-gcm'],
      }),
      (e) => isBurrowError(e, ErrorCode.CONFIG),
    );
    assert.equal(sock.bytesWritten, 0);
    sock.destroy();
  });
});
