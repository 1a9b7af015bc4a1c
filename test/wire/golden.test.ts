// Golden tests: decode (and re-encode byte for byte) the real frp 0.70.0 v1 captures.
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import {
  createEncryptedStream,
  decodeMessage,
  deriveCipherKey,
  encodeMessage,
  MessageDecoder,
  privilegeKey,
  readMessage,
  verifyPrivilegeKey,
  type Message,
} from '../../src/wire/index.js';
import { fixturesPath, loadCapture, loadScenarioFile } from './fixture-helpers.js';

const SCENARIO = 'v1-nomux';
const TOKEN = 'fixture-token';
const IV_SIZE = 16;
/** The snappy framing stream identifier chunk: what an encrypted+compressed work connection starts with. */
const SNAPPY_STREAM_ID = Buffer.from('ff060000734e61507059', 'hex');

/** Every message in `buf`, which must hold whole messages only. */
function decodeAll(buf: Buffer): Message[] {
  const decoder = new MessageDecoder();
  const messages = decoder.push(buf);
  assert.equal(decoder.buffered, 0, 'no partial message left over');
  return messages;
}

/** Decrypt one direction's cipher stream (IV first) with Node's crypto directly, independently of cipher.ts. */
function decryptDirection(buf: Buffer): Buffer {
  const iv = buf.subarray(0, IV_SIZE);
  return createDecipheriv('aes-128-cfb', deriveCipherKey(TOKEN), iv).update(buf.subarray(IV_SIZE));
}

/** A Duplex whose readable side already holds `bytes` then ends, like a socket after the peer wrote and closed. */
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

function remotePorts(): Map<string, number> {
  const cfg = parseToml(loadScenarioFile(SCENARIO, 'frpc.toml')) as { proxies: { name: string; remotePort: number }[] };
  return new Map(cfg.proxies.map((p) => [p.name, p.remotePort]));
}

test('the fixtures path is the captures folder inside the repository', () => {
  assert.match(fixturesPath(), /\/test\/fixtures\/frp-0\.70\.0\/$/);
});

describe('v1-nomux conn-1 (control connection)', () => {
  const { c2s, s2c } = loadCapture(SCENARIO, 1);
  const login = decodeMessage(c2s);
  const loginResp = decodeMessage(s2c);

  test('c2s starts with a Login in clear whose privilege_key is md5(token + timestamp)', () => {
    assert.ok(login);
    const msg = login.message;
    assert.equal(msg.type, 'Login');
    if (msg.type !== 'Login') return;
    assert.equal(msg.body.version, '0.70.0');
    assert.equal(msg.body.os, 'linux');
    assert.equal(msg.body.pool_count, 1);
    assert.deepEqual(msg.body.client_spec, {});
    assert.equal(msg.body.run_id, undefined);
    assert.equal(typeof msg.body.timestamp, 'number');
    const ts = msg.body.timestamp as number;
    assert.equal(msg.body.privilege_key, privilegeKey(TOKEN, ts));
    assert.ok(verifyPrivilegeKey(TOKEN, ts, msg.body.privilege_key));
  });

  test('re-encoding the Login gives the captured bytes exactly (field order, omitempty, client_spec)', () => {
    assert.ok(login);
    assert.deepEqual(encodeMessage(login.message), c2s.subarray(0, login.bytesUsed));
  });

  test('c2s after the Login decrypts to NewProxy echo, NewProxy echo-ez, Ping', () => {
    assert.ok(login);
    const plain = decryptDirection(c2s.subarray(login.bytesUsed));
    const msgs = decodeAll(plain);
    assert.deepEqual(
      msgs.map((m) => m.type),
      ['NewProxy', 'NewProxy', 'Ping'],
    );
    const ports = remotePorts();
    assert.deepEqual(msgs[0]?.body, { proxy_name: 'echo', proxy_type: 'tcp', remote_port: ports.get('echo') });
    assert.deepEqual(msgs[1]?.body, {
      proxy_name: 'echo-ez',
      proxy_type: 'tcp',
      use_encryption: true,
      use_compression: true,
      remote_port: ports.get('echo-ez'),
    });
    assert.deepEqual(msgs[2]?.body, {});
    // Our encoder writes exactly what frpc wrote.
    assert.deepEqual(Buffer.concat(msgs.map(encodeMessage)), plain);
  });

  test('s2c: LoginResp in clear, then ReqWorkConn, NewProxyResp x2 with the configured ports, Pong', () => {
    assert.ok(loginResp);
    const resp = loginResp.message;
    assert.equal(resp.type, 'LoginResp');
    if (resp.type !== 'LoginResp') return;
    assert.equal(resp.body.version, '0.70.0');
    assert.match(resp.body.run_id ?? '', /^[0-9a-f]{16}$/);
    assert.equal(resp.body.error, undefined);
    assert.deepEqual(encodeMessage(resp), s2c.subarray(0, loginResp.bytesUsed));

    const plain = decryptDirection(s2c.subarray(loginResp.bytesUsed));
    const msgs = decodeAll(plain);
    assert.deepEqual(
      msgs.slice(0, 5).map((m) => m.type),
      ['ReqWorkConn', 'NewProxyResp', 'NewProxyResp', 'Pong', 'ReqWorkConn'],
    );
    assert.ok(
      msgs.slice(4).every((m) => m.type === 'ReqWorkConn'),
      'only more ReqWorkConn after the Pong',
    );
    const ports = remotePorts();
    const resps = msgs.filter((m) => m.type === 'NewProxyResp');
    assert.deepEqual(
      resps.map((m) => m.body).sort((a, b) => String(a.proxy_name).localeCompare(String(b.proxy_name))),
      [
        { proxy_name: 'echo', remote_addr: `:${ports.get('echo')}` },
        { proxy_name: 'echo-ez', remote_addr: `:${ports.get('echo-ez')}` },
      ],
    );
    assert.deepEqual(msgs[0]?.body, {});
    assert.deepEqual(Buffer.concat(msgs.map(encodeMessage)), plain);
  });

  test('readMessage + createEncryptedStream on an inner stream that already buffers everything', async () => {
    for (const [bytes, expected] of [
      [c2s, ['Login', 'NewProxy', 'NewProxy', 'Ping']],
      [s2c, ['LoginResp', 'ReqWorkConn', 'NewProxyResp', 'NewProxyResp', 'Pong']],
    ] as const) {
      const inner = replay(bytes);
      const first = await readMessage(inner, { timeoutMs: 1000 });
      const enc = createEncryptedStream(inner, deriveCipherKey(TOKEN));
      const decoder = new MessageDecoder();
      const msgs: Message[] = [first];
      for await (const chunk of enc) msgs.push(...decoder.push(chunk as Buffer));
      assert.equal(decoder.buffered, 0);
      assert.deepEqual(
        msgs.slice(0, expected.length).map((m) => m.type),
        expected,
      );
    }
  });
});

describe('v1-nomux work connections (conn-2..5)', () => {
  const runId = (() => {
    const r = decodeMessage(loadCapture(SCENARIO, 1).s2c)?.message;
    assert.ok(r && r.type === 'LoginResp');
    return r.body.run_id;
  })();

  for (const n of [2, 3, 4, 5]) {
    test(`conn-${n}: NewWorkConn with the session's run_id, re-encoded byte for byte`, () => {
      const { c2s } = loadCapture(SCENARIO, n);
      const nwc = decodeMessage(c2s);
      assert.ok(nwc);
      assert.deepEqual(nwc.message, { type: 'NewWorkConn', body: { run_id: runId } });
      assert.deepEqual(encodeMessage(nwc.message), c2s.subarray(0, nwc.bytesUsed));
    });
  }

  test('conn-3: StartWorkConn for echo, then the raw user bytes both ways', async () => {
    const { c2s, s2c } = loadCapture(SCENARIO, 3);
    const swc = decodeMessage(s2c);
    assert.ok(swc);
    assert.deepEqual(swc.message, {
      type: 'StartWorkConn',
      body: {
        proxy_name: 'echo',
        src_addr: '127.0.0.1',
        dst_addr: '127.0.0.1',
        src_port: 52002,
        dst_port: remotePorts().get('echo'),
      },
    });
    assert.deepEqual(encodeMessage(swc.message), s2c.subarray(0, swc.bytesUsed));
    assert.equal(s2c.subarray(swc.bytesUsed).toString(), 'hello through frp\n');
    const nwc = decodeMessage(c2s);
    assert.ok(nwc);
    assert.equal(c2s.subarray(nwc.bytesUsed).toString(), 'hello through frp\n');

    // Through readMessage: the bytes after StartWorkConn stay for a 'data' consumer.
    const inner = replay(s2c);
    const msg = await readMessage(inner, { timeoutMs: 1000 });
    assert.equal(msg.type, 'StartWorkConn');
    const rest: Buffer[] = [];
    for await (const chunk of inner) rest.push(chunk as Buffer);
    assert.equal(Buffer.concat(rest).toString(), 'hello through frp\n');
  });

  test('conn-4: echo-ez work connection is AES-128-CFB(token) of a snappy stream in both directions', () => {
    const { c2s, s2c } = loadCapture(SCENARIO, 4);
    const swc = decodeMessage(s2c);
    assert.ok(swc);
    assert.equal(swc.message.type, 'StartWorkConn');
    assert.equal((swc.message.body as { proxy_name?: string }).proxy_name, 'echo-ez');
    assert.equal((swc.message.body as { dst_port?: number }).dst_port, remotePorts().get('echo-ez'));
    const nwc = decodeMessage(c2s);
    assert.ok(nwc);
    for (const payload of [s2c.subarray(swc.bytesUsed), c2s.subarray(nwc.bytesUsed)]) {
      const plain = decryptDirection(payload);
      assert.deepEqual(plain.subarray(0, SNAPPY_STREAM_ID.length), SNAPPY_STREAM_ID);
    }
  });

  test('conn-5: a pooled work connection that never got a StartWorkConn', () => {
    const { s2c } = loadCapture(SCENARIO, 5);
    assert.equal(s2c.length, 0);
    assert.equal(decodeMessage(s2c), undefined);
  });
});
