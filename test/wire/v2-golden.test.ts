// Golden tests: decode and decrypt the real frp 0.70.0 wire v2 captures (v2-nomux conn-1..5, v2-mux conn-1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { FrameType } from '../../src/mux/const.js';
import { FrameParser } from '../../src/mux/parser.js';
import {
  acceptWire,
  createAeadStream,
  decodeClientHello,
  decodeFrameHeader,
  decodeMessageFrame,
  decodeServerHello,
  deriveControlKeys,
  encodeClientHello,
  encodeMessageFrame,
  encodeServerHello,
  FRAME_CLIENT_HELLO,
  FRAME_HEADER_SIZE,
  FRAME_MESSAGE,
  FRAME_SERVER_HELLO,
  MAGIC,
  privilegeKey,
  transcriptHash,
  wrapWire,
  type Message,
  type V2Frame,
} from '../../src/wire/index.js';
import { FRP_FIXTURES } from '../fixtures.js';

const TOKEN = 'fixture-token';
/** Transcript hash and keys of v2-nomux/conn-1, computed independently with Python (hashlib/hmac). */
const NOMUX_TRANSCRIPT = '68a5af1c568edfceae1f442e883d0fb463f8b1ceb8bc7c7286212f51b2204ab2';
const NOMUX_C2S_KEY = 'b1291d9aba687a933b19b495370c5f5c5810517eadee3dd37db14efee41c73ee';
const NOMUX_S2C_KEY = '16095a01213951b21bde753df3a77ffaa7c0bdbdb3e8bc8367b92c320464b49a';
/** The control stream's yamux stream id in the mux capture (the client opens it first). */
const CONTROL_STREAM_ID = 1;

interface Capture {
  c2s: Buffer;
  s2c: Buffer;
}

function lines(file: string): { dir: 'c2s' | 's2c'; hex: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { dir: 'c2s' | 's2c'; hex: string });
}

function loadCapture(scenario: string, n: number): Capture {
  const out: Record<'c2s' | 's2c', Buffer[]> = { c2s: [], s2c: [] };
  for (const l of lines(`${FRP_FIXTURES}${scenario}/conn-${n}.jsonl`)) out[l.dir].push(Buffer.from(l.hex, 'hex'));
  return { c2s: Buffer.concat(out.c2s), s2c: Buffer.concat(out.s2c) };
}

/** The yamux streams of the mux capture: per stream id, the Data payloads of each direction. */
function demux(scenario: string): Map<number, Capture> {
  const streams = new Map<number, Record<'c2s' | 's2c', Buffer[]>>();
  for (const dir of ['c2s', 's2c'] as const) {
    const parser = new FrameParser({
      onHeader() {},
      onPayload(h, piece) {
        if (h.type !== FrameType.Data) return;
        let s = streams.get(h.streamId);
        if (s === undefined) streams.set(h.streamId, (s = { c2s: [], s2c: [] }));
        s[dir].push(Buffer.from(piece));
      },
      onFrameEnd() {},
    });
    for (const l of lines(`${FRP_FIXTURES}${scenario}/conn-1.jsonl`))
      if (l.dir === dir) parser.push(Buffer.from(l.hex, 'hex'));
  }
  return new Map([...streams].map(([id, s]) => [id, { c2s: Buffer.concat(s.c2s), s2c: Buffer.concat(s.s2c) }]));
}

/** Split `buf` into frames from `offset`, stopping at the first incomplete one; returns frames and bytes used. */
function frames(buf: Buffer, offset = 0, max = Infinity): { frames: V2Frame[]; end: number } {
  const out: V2Frame[] = [];
  let pos = offset;
  while (out.length < max && buf.length - pos >= FRAME_HEADER_SIZE) {
    const h = decodeFrameHeader(buf.subarray(pos, pos + FRAME_HEADER_SIZE));
    if (buf.length - pos - FRAME_HEADER_SIZE < h.length) break;
    out.push({ type: h.type, payload: buf.subarray(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + h.length) });
    pos += FRAME_HEADER_SIZE + h.length;
  }
  return { frames: out, end: pos };
}

/** Frame `index` of `buf` (counting from `offset`); fails the test when the capture holds fewer. */
function frameAt(buf: Buffer, offset: number, index: number): V2Frame {
  const frame = frames(buf, offset, index + 1).frames[index];
  assert.ok(frame, `frame ${index} in the capture`);
  return frame;
}

/** A Duplex whose readable side holds `bytes` then ends. */
function replay(bytes: Buffer): Duplex {
  const d = new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
  });
  d.push(bytes);
  d.push(null);
  return d;
}

/** Decrypt one AEAD direction with our stream and decode every Message frame in it. */
async function decryptMessages(bytes: Buffer, recvKey: Buffer): Promise<{ messages: Message[]; plain: Buffer }> {
  const dec = createAeadStream(replay(bytes), { algorithm: 'aes-256-gcm', sendKey: Buffer.alloc(32), recvKey });
  const parts: Buffer[] = [];
  for await (const c of dec) parts.push(c as Buffer);
  const plain = Buffer.concat(parts);
  const { frames: fs, end } = frames(plain);
  assert.equal(end, plain.length, 'the decrypted stream holds whole frames only');
  return { messages: fs.map(decodeMessageFrame), plain };
}

function remotePorts(scenario: string): Map<string, number> {
  const cfg = parseToml(readFileSync(`${FRP_FIXTURES}${scenario}/frpc.toml`, 'utf8')) as {
    proxies: { name: string; remotePort: number }[];
  };
  return new Map(cfg.proxies.map((p) => [p.name, p.remotePort]));
}

/** Check one control connection's capture end to end; returns the run id. */
async function checkControl(
  scenario: string,
  cap: Capture,
  bootstrap: object,
  heartbeats: boolean,
  keys?: { transcript: string; c2s: string; s2c: string },
): Promise<string> {
  const { c2s, s2c } = cap;
  assert.deepEqual(c2s.subarray(0, MAGIC.length), MAGIC, 'c2s starts with the magic');
  const up = frames(c2s, MAGIC.length, 2);
  assert.deepEqual(
    up.frames.map((f) => f.type),
    [FRAME_CLIENT_HELLO, FRAME_MESSAGE],
  );
  const [chFrame, loginFrame] = up.frames;
  assert.ok(chFrame && loginFrame);
  const hello = decodeClientHello(chFrame.payload);
  assert.deepEqual(hello.bootstrap, bootstrap);
  assert.deepEqual(hello.capabilities.message.codecs, ['json']);
  assert.deepEqual(hello.capabilities.crypto.algorithms, ['aes-256-gcm', 'xchacha20-poly1305']);
  assert.equal(hello.capabilities.crypto.clientRandom.length, 32);
  assert.deepEqual(encodeClientHello(hello), chFrame.payload, 'our ClientHello encoder writes what frpc wrote');

  const login = decodeMessageFrame(loginFrame);
  assert.equal(login.type, 'Login');
  if (login.type !== 'Login') return '';
  assert.equal(login.body.version, '0.70.0');
  assert.equal(login.body.privilege_key, privilegeKey(TOKEN, login.body.timestamp ?? 0));
  assert.deepEqual(
    encodeMessageFrame(login).subarray(FRAME_HEADER_SIZE),
    loginFrame.payload,
    'Login JSON byte-identical',
  );

  const down = frames(s2c, 0, 2);
  assert.deepEqual(
    down.frames.map((f) => f.type),
    [FRAME_SERVER_HELLO, FRAME_MESSAGE],
  );
  const [shFrame, respFrame] = down.frames;
  assert.ok(shFrame && respFrame);
  const sh = decodeServerHello(shFrame.payload);
  assert.equal(sh.selected.message.codec, 'json');
  assert.equal(sh.selected.crypto.algorithm, 'aes-256-gcm');
  assert.equal(sh.selected.crypto.serverRandom.length, 32);
  assert.equal(sh.error, undefined);
  assert.deepEqual(encodeServerHello(sh), shFrame.payload, 'our ServerHello encoder writes what frps wrote');
  const resp = decodeMessageFrame(respFrame);
  assert.equal(resp.type, 'LoginResp');
  if (resp.type !== 'LoginResp') return '';
  assert.match(resp.body.run_id ?? '', /^[0-9a-f]{16}$/);
  assert.equal(resp.body.error, undefined);

  const th = transcriptHash(chFrame.payload, shFrame.payload);
  const k = deriveControlKeys(TOKEN, 'aes-256-gcm', th);
  if (keys !== undefined) {
    assert.equal(th.toString('hex'), keys.transcript);
    assert.equal(k.clientToServer.toString('hex'), keys.c2s);
    assert.equal(k.serverToClient.toString('hex'), keys.s2c);
  }

  const ports = remotePorts(scenario);
  const upMsgs = (await decryptMessages(c2s.subarray(up.end), k.clientToServer)).messages;
  // frpc turns heartbeats off when tcpMux is on (yamux keepalive does the job): then no Ping / Pong.
  assert.deepEqual(
    upMsgs.map((m) => m.type),
    heartbeats ? ['NewProxy', 'NewProxy', 'Ping'] : ['NewProxy', 'NewProxy'],
  );
  const proxies = upMsgs
    .slice(0, 2)
    .map((m) => m.body)
    .sort((a, b) =>
      String((a as { proxy_name: string }).proxy_name).localeCompare(String((b as { proxy_name: string }).proxy_name)),
    );
  assert.deepEqual(proxies, [
    { proxy_name: 'echo', proxy_type: 'tcp', remote_port: ports.get('echo') },
    {
      proxy_name: 'echo-ez',
      proxy_type: 'tcp',
      use_encryption: true,
      use_compression: true,
      remote_port: ports.get('echo-ez'),
    },
  ]);

  const { messages: downMsgs, plain } = await decryptMessages(s2c.subarray(down.end), k.serverToClient);
  assert.equal(downMsgs[0]?.type, 'ReqWorkConn');
  assert.deepEqual(
    downMsgs
      .filter((m) => m.type === 'NewProxyResp')
      .map((m) => m.body)
      .sort((a, b) => String(a.proxy_name).localeCompare(String(b.proxy_name))),
    [
      { proxy_name: 'echo', remote_addr: `:${ports.get('echo')}` },
      { proxy_name: 'echo-ez', remote_addr: `:${ports.get('echo-ez')}` },
    ],
  );
  const types = new Set(downMsgs.map((m) => m.type));
  assert.deepEqual(
    [...types].sort(),
    heartbeats ? ['NewProxyResp', 'Pong', 'ReqWorkConn'] : ['NewProxyResp', 'ReqWorkConn'],
  );
  assert.ok(downMsgs.filter((m) => m.type === 'ReqWorkConn').length >= 2, 'more ReqWorkConn after the first');
  // Our encoder writes each message exactly as frps did.
  assert.deepEqual(Buffer.concat(downMsgs.map(encodeMessageFrame)), plain);
  return resp.body.run_id ?? '';
}

describe('v2-nomux conn-1 (control connection)', () => {
  test('magic, ClientHello, Login; ServerHello, LoginResp; both AEAD directions decrypt', async () => {
    await checkControl('v2-nomux', loadCapture('v2-nomux', 1), { transport: 'tcp' }, true, {
      transcript: NOMUX_TRANSCRIPT,
      c2s: NOMUX_C2S_KEY,
      s2c: NOMUX_S2C_KEY,
    });
  });

  test('acceptWire on the captured c2s bytes returns the Login with the ClientHello, writing a fresh ServerHello', async () => {
    const { c2s } = loadCapture('v2-nomux', 1);
    const written: Buffer[] = [];
    const d = new Duplex({
      read() {},
      write(c: Buffer, _e, cb) {
        written.push(c);
        cb();
      },
    });
    d.push(c2s);
    const accepted = await acceptWire(d, { timeoutMs: 1000 });
    assert.equal(accepted.conn.version, 'v2');
    assert.equal(accepted.first.type, 'Login');
    assert.deepEqual(accepted.clientHello?.capabilities.crypto.algorithms, ['aes-256-gcm', 'xchacha20-poly1305']);
    assert.equal(accepted.handshake?.algorithm, 'aes-256-gcm');
    assert.equal(written.length, 1);
    assert.equal(written[0]?.readUInt16BE(0), FRAME_SERVER_HELLO);
    d.destroy();
  });
});

describe('v2-nomux work connections (conn-2..5)', () => {
  const runId = (() => {
    const f = frameAt(loadCapture('v2-nomux', 1).s2c, 0, 1);
    const m = decodeMessageFrame(f);
    assert.ok(m.type === 'LoginResp');
    return m.body.run_id;
  })();

  for (const n of [2, 3, 4, 5]) {
    test(`conn-${n}: magic + NewWorkConn (no hello) read through acceptWire`, async () => {
      const { c2s } = loadCapture('v2-nomux', n);
      const accepted = await acceptWire(replay(c2s), { timeoutMs: 1000 });
      assert.equal(accepted.conn.version, 'v2');
      assert.equal(accepted.clientHello, undefined);
      assert.deepEqual(accepted.first, { type: 'NewWorkConn', body: { run_id: runId } });
      assert.deepEqual(
        c2s.subarray(MAGIC.length, MAGIC.length + FRAME_HEADER_SIZE + 31),
        encodeMessageFrame(accepted.first),
      );
    });
  }

  test('conn-3: StartWorkConn frame for echo, then raw user bytes both ways', async () => {
    const { c2s, s2c } = loadCapture('v2-nomux', 3);
    const conn = wrapWire(replay(s2c), 'v2');
    const swc = await conn.read({ timeoutMs: 1000 });
    assert.deepEqual(swc, {
      type: 'StartWorkConn',
      body: {
        proxy_name: 'echo',
        src_addr: '127.0.0.1',
        dst_addr: '127.0.0.1',
        src_port: 46778,
        dst_port: remotePorts('v2-nomux').get('echo'),
      },
    });
    const rest: Buffer[] = [];
    for await (const c of conn.stream) rest.push(c as Buffer);
    assert.equal(Buffer.concat(rest).toString(), 'hello through frp\n');

    const accepted = await acceptWire(replay(c2s), { timeoutMs: 1000 });
    const up: Buffer[] = [];
    for await (const c of accepted.conn.stream) up.push(c as Buffer);
    assert.equal(Buffer.concat(up).toString(), 'hello through frp\n');
  });

  test('conn-2 and conn-4: StartWorkConn for echo-ez; conn-5 never got one', () => {
    for (const n of [2, 4]) {
      const m = decodeMessageFrame(frameAt(loadCapture('v2-nomux', n).s2c, 0, 0));
      assert.equal(m.type, 'StartWorkConn');
      assert.equal((m.body as { proxy_name?: string }).proxy_name, 'echo-ez');
    }
    assert.equal(loadCapture('v2-nomux', 5).s2c.length, 0);
  });
});

describe('v2-mux conn-1 (yamux)', () => {
  const streams = demux('v2-mux');

  test('every client stream starts with the magic', () => {
    assert.ok(streams.size >= 3, `expected control + work streams, got ${streams.size}`);
    for (const [id, s] of streams) {
      assert.equal(id % 2, 1, 'client-opened stream ids are odd');
      assert.deepEqual(s.c2s.subarray(0, MAGIC.length), MAGIC, `stream ${id}`);
    }
  });

  test('stream 1 is the control stream: hellos, Login/LoginResp, both AEAD directions decrypt', async () => {
    const control = streams.get(CONTROL_STREAM_ID);
    assert.ok(control);
    await checkControl('v2-mux', control, { transport: 'tcp', tcpMux: true }, false);
  });

  test('the other streams are work connections: NewWorkConn up, StartWorkConn down (when used)', async () => {
    let started = 0;
    for (const [id, s] of streams) {
      if (id === CONTROL_STREAM_ID) continue;
      const accepted = await acceptWire(replay(s.c2s), { timeoutMs: 1000 });
      assert.equal(accepted.first.type, 'NewWorkConn', `stream ${id}`);
      if (s.s2c.length > 0) {
        assert.equal(decodeMessageFrame(frameAt(s.s2c, 0, 0)).type, 'StartWorkConn');
        started++;
      }
    }
    assert.ok(started >= 2, 'echo and echo-ez each used a work stream');
  });
});
