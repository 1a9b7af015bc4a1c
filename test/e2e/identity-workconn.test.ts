// e2e (issue 21 hole 5): on a mutual-TLS server a NewWorkConn naming alice's run_id from bob's certificate (or from no certificate) gets none of alice's users' traffic, over separate connections and tcpMux streams, unproven or proven session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { Session } from '../../src/mux/index.js';
import {
  createEncryptedStream,
  deriveCipherKey,
  encodeMessage,
  privilegeKey,
  readMessage,
  type Login,
  type Message,
} from '../../src/wire/index.js';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  removeDir,
  runCliOk,
  scratchDir,
  sha256,
  startFileServer,
  writeFile,
} from './harness.js';

const TOKEN = 'identity-workconn-token';
/** Deadline for one raw exchange with the server. */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** What alice's raw (frp-style) client serves on each of her work connections. */
const ALICE_PAYLOAD = randomBytes(64 * 1024);
/** At most this many control messages are read by the raw client before it gives up. */
const MAX_CONTROL_MESSAGES = 64;

interface Cert {
  crt: string;
  key: string;
}

/** Opens logical connections to the server: one TLS (or plain) connection each, or yamux streams on one. */
interface Dialer {
  open(): Promise<Duplex>;
  close(): void;
}

function connectSecure(port: number, cert: Cert): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    cert: readFileSync(cert.crt),
    key: readFileSync(cert.key),
    rejectUnauthorized: false,
  });
  socket.on('error', () => socket.destroy());
  return new Promise((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function connectPlain(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => socket.destroy());
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A dialer presenting `cert` (none: plain TCP); `mux` opens yamux streams on one connection. */
async function dialer(port: number, cert: Cert | undefined, mux: boolean): Promise<Dialer> {
  const sockets: Duplex[] = [];
  const dial = async (): Promise<Duplex> => {
    const socket = cert ? await connectSecure(port, cert) : await connectPlain(port);
    sockets.push(socket);
    return socket;
  };
  if (!mux) return { open: dial, close: () => sockets.forEach((s) => s.destroy()) };
  const session = new Session(await dial(), { client: true, keepaliveIntervalMs: 0 });
  return {
    open: () => Promise.resolve(session.open()),
    close: () => {
      session.close();
      sockets.forEach((s) => s.destroy());
    },
  };
}

function frpLogin(): Login {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    version: '0.70.0',
    hostname: 'alice-host',
    os: 'linux',
    arch: 'amd64',
    privilege_key: privilegeKey(TOKEN, timestamp),
    timestamp,
    run_id: '',
    pool_count: 0,
  };
}

/**
 * alice as a plain frpc would be (no login proof): logs in, opens tcp proxy "web" on `remotePort`
 * and answers every ReqWorkConn with a work connection that sends ALICE_PAYLOAD. Resolves once the
 * proxy is up, with the run_id.
 */
async function rawAlice(d: Dialer, remotePort: number): Promise<string> {
  const first = await d.open();
  first.write(encodeMessage({ type: 'Login', body: frpLogin() }));
  const resp = await readMessage(first, { timeoutMs: EXCHANGE_TIMEOUT_MS });
  assert.equal(resp.type, 'LoginResp');
  const runId = resp.type === 'LoginResp' ? (resp.body.run_id ?? '') : '';
  assert.equal(resp.type === 'LoginResp' ? resp.body.error : 'x', undefined);
  const control = createEncryptedStream(first, deriveCipherKey(TOKEN));
  control.on('error', () => control.destroy());
  control.write(
    encodeMessage({ type: 'NewProxy', body: { proxy_name: 'web', proxy_type: 'tcp', remote_port: remotePort } }),
  );
  const serveWorkConn = async (): Promise<void> => {
    const work = await d.open();
    work.on('error', () => work.destroy());
    work.write(encodeMessage({ type: 'NewWorkConn', body: { run_id: runId } }));
    const start = await readMessage(work, { timeoutMs: EXCHANGE_TIMEOUT_MS });
    assert.equal(start.type === 'StartWorkConn' ? start.body.error : start.type, undefined);
    work.end(ALICE_PAYLOAD);
  };
  let proxyUp: (() => void) | undefined;
  const up = new Promise<void>((resolve) => (proxyUp = resolve));
  void (async () => {
    for (let i = 0; i < MAX_CONTROL_MESSAGES; i += 1) {
      const m = await readMessage(control, { timeoutMs: 0 });
      if (m.type === 'NewProxyResp') {
        assert.equal(m.body.error, undefined, `alice's proxy refused: ${m.body.error}`);
        proxyUp?.();
      } else if (m.type === 'ReqWorkConn') {
        void serveWorkConn().catch(() => undefined);
      }
    }
  })().catch(() => undefined);
  await up;
  return runId;
}

/** The attacker: a NewWorkConn naming `runId`; resolves with the server's first answer (or the close). */
async function attack(d: Dialer, runId: string): Promise<Message | 'closed'> {
  const conn = await d.open();
  conn.on('error', () => conn.destroy());
  conn.write(encodeMessage({ type: 'NewWorkConn', body: { run_id: runId } }));
  try {
    return await readMessage(conn, { timeoutMs: EXCHANGE_TIMEOUT_MS });
  } catch (err) {
    if (/timed out|timeout/i.test(String(err))) throw err;
    return 'closed';
  }
}

/** The attacker was refused: StartWorkConn carrying the error (no proxy name, no user connection). */
function assertRefused(answer: Message | 'closed', who: string): void {
  assert.notEqual(answer, 'closed', `${who}: closed without the refusal`);
  const m = answer as Message;
  assert.equal(m.type, 'StartWorkConn');
  const body = m.type === 'StartWorkConn' ? m.body : {};
  assert.equal(body.proxy_name, undefined, `${who} received a user connection of alice's proxy`);
  assert.match(
    body.error ?? '',
    /presents another client certificate than the session it joins/,
    `${who}: ${JSON.stringify(body)}`,
  );
}

describe('work connections are bound to the certificate of their session (issue 21 hole 5)', () => {
  const dirs: string[] = [];
  const closers: (() => void)[] = [];
  let dir: string;
  const cert = (name: string): Cert => ({ crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });

  before(async () => {
    dir = scratchDir();
    dirs.push(dir);
    await runCliOk(['ca', 'init', '--dir', join(dir, 'ca'), '--name', 'identity e2e CA']);
    for (const name of ['alice', 'bob'])
      await runCliOk(['cert', 'issue', 'client', '--ca-dir', join(dir, 'ca'), '--out', join(dir, name), name]);
  });

  after(async () => {
    for (const close of closers) close();
    await killAll();
    for (const d of dirs) removeDir(d);
  });

  async function startServer(tcpMux: boolean): Promise<{ server: BurrowProcess; bindPort: number }> {
    const bindPort = await freePort();
    const lines = [
      'bindAddr = "127.0.0.1"',
      `bindPort = ${bindPort}`,
      `auth.token = "${TOKEN}"`,
      `stateDir = "${join(dir, `state-${bindPort}`)}"`,
      `transport.tcpMux = ${tcpMux}`,
      `transport.tls.trustedCaFile = "${join(dir, 'ca', 'ca.crt')}"`,
      '',
    ];
    const server = new BurrowProcess(['server', '-c', writeFile(dir, `frps-${bindPort}.toml`, lines.join('\n'))]);
    await server.waitFor(/burrow server listening/);
    return { server, bindPort };
  }

  /** The server's refusal line names the run_id and both identities (alice's session, the attacker's connection). */
  async function assertRefusalLogged(server: BurrowProcess, runId: string, attacker: RegExp): Promise<void> {
    const line = await server.waitFor(
      new RegExp(`"runId":"${runId}"[^\\n]*work connection refused: client certificate differs`),
    );
    assert.match(line, /"sessionIdentity":"CN=alice \(DNS:alice\) sha256:[0-9a-f]{64}"/);
    assert.match(line, attacker);
  }

  for (const tcpMux of [false, true]) {
    it(`frp-style (unproven) alice, tcpMux=${tcpMux}: bob's NewWorkConn with her run_id is refused and her user is served by her own work connection`, async () => {
      const { server, bindPort } = await startServer(tcpMux);
      const remotePort = await freePort();
      const alice = await dialer(bindPort, cert('alice'), tcpMux);
      closers.push(() => alice.close());
      const runId = await rawAlice(alice, remotePort);
      const bob = await dialer(bindPort, cert('bob'), tcpMux);
      closers.push(() => bob.close());
      const bobAnswer = attack(bob, runId);
      // A user of alice's proxy while bob's connection is (or, before the fix, was) in alice's pool.
      const user = download(remotePort);
      assertRefused(await bobAnswer, 'bob');
      assert.equal(sha256(await user), sha256(ALICE_PAYLOAD), "alice's user is served by alice");
      await assertRefusalLogged(server, runId, /"workConnIdentity":"CN=bob \(DNS:bob\) sha256:[0-9a-f]{64}"/);
      if (!tcpMux) {
        // A CA implies tls.force: a plain TCP connection without a certificate is closed before its NewWorkConn is read.
        const plain = await dialer(bindPort, undefined, false);
        closers.push(() => plain.close());
        assert.equal(await attack(plain, runId), 'closed');
      }
      assert.equal(sha256(await download(remotePort)), sha256(ALICE_PAYLOAD), "alice's proxy still works");
      alice.close();
      bob.close();
      await server.kill();
    });
  }

  it('a burrow client (proven session, tcpMux): bob opening a stream with its run_id is refused for his certificate', async () => {
    const { server, bindPort } = await startServer(true);
    const payload = randomBytes(32 * 1024);
    const files = await startFileServer(payload);
    closers.push(() => void files.close());
    const remotePort = await freePort();
    const alice = cert('alice');
    const clientToml = [
      'serverAddr = "127.0.0.1"',
      `serverPort = ${bindPort}`,
      `auth.token = "${TOKEN}"`,
      `transport.tls.certFile = "${alice.crt}"`,
      `transport.tls.keyFile = "${alice.key}"`,
      '[[proxies]]',
      'name = "files"',
      'type = "tcp"',
      `localPort = ${files.port}`,
      `remotePort = ${remotePort}`,
      '',
    ].join('\n');
    const client = new BurrowProcess(['client', '-c', writeFile(dir, 'alice-frpc.toml', clientToml)]);
    const login = await server.waitFor(/"loginProof":"proven"[^\n]*client login/);
    const runId = /"runId":"([0-9a-f]+)"/.exec(login)?.[1] ?? '';
    await client.waitFor(/start proxy success/);
    const bob = await dialer(bindPort, cert('bob'), true);
    closers.push(() => bob.close());
    assertRefused(await attack(bob, runId), 'bob');
    await assertRefusalLogged(server, runId, /"workConnIdentity":"CN=bob \(DNS:bob\) sha256:[0-9a-f]{64}"/);
    assert.equal(sha256(await download(remotePort)), sha256(payload), "alice's tunnel works");
    bob.close();
    await client.kill();
    await server.kill();
    await files.close();
  });
});
