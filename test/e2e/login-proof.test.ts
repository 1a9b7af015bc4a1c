// e2e: the burrow↔burrow login proof through the real CLI: proven logins, captured logins and work connections replayed, frp clients, a wrong proof, run_id ownership.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import {
  createEncryptedStream,
  decodeMessage,
  deriveCipherKey,
  encodeMessage,
  loginProofMetas,
  newClientNonce,
  privilegeKey,
  readMessage,
  type Login,
  type Message,
} from '../../src/wire/index.js';
import { loadCapture } from '../wire/fixture-helpers.js';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  removeDir,
  runCli,
  scratchDir,
  sha256,
  sleep,
  startFileServer,
  writeFile,
} from './harness.js';

const TOKEN = 'login-proof-token';
/** The token of the captured frp 0.70.0 session. */
const FIXTURE_TOKEN = 'fixture-token';
/** The file tunnelled in these tests. */
const FILE_SIZE = 256 * 1024;
/** Deadline for one raw exchange with the server. */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** How long to wait for the relay to have seen a connection's first message. */
const CAPTURE_TIMEOUT_MS = 10_000;
/** Poll interval while waiting for captured bytes. */
const POLL_MS = 25;
/** A client whose login must fail has this long to exit. */
const CLIENT_EXIT_TIMEOUT_MS = 30_000;
/** At most this many control messages are read while waiting for a Pong. */
const MAX_MESSAGES_BEFORE_PONG = 16;
/** Seconds in the server's replay memory (24 h): frp Logins further from its clock are refused. */
const REPLAY_MEMORY_SEC = 24 * 60 * 60;
/** How much older than the replay memory the stale Login of the tests is (seconds). */
const STALE_EXTRA_SEC = 3600;

interface Relay {
  port: number;
  /** What clients sent on each connection, in order of connection. */
  sent: Buffer[][];
  close(): Promise<void>;
}

/**
 * A TCP relay to 127.0.0.1:target that records what clients send. As an active attacker on the path
 * could (everything is in clear without TLS): `swapNonce` replaces the burrow_nonce of the first
 * connection's LoginResp by another one; `rewriteLogin` changes the first connection's Login.
 */
async function startRelay(
  target: number,
  opts: { swapNonce?: boolean; rewriteLogin?: (login: Login) => Login } = {},
): Promise<Relay> {
  const sent: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = sent.length;
    const chunks: Buffer[] = [];
    sent.push(chunks);
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    let login: Buffer | undefined = opts.rewriteLogin && index === 0 ? Buffer.alloc(0) : undefined;
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (login === undefined || !opts.rewriteLogin) {
        upstream.write(chunk);
        return;
      }
      login = Buffer.concat([login, chunk]);
      const decoded = decodeMessage(login);
      if (!decoded) return;
      const rest = login.subarray(decoded.bytesUsed);
      login = undefined;
      assert.equal(decoded.message.type, 'Login');
      upstream.write(encodeMessage({ type: 'Login', body: opts.rewriteLogin(decoded.message.body as Login) }));
      upstream.write(rest);
    });
    let pending: Buffer | undefined = opts.swapNonce && index === 0 ? Buffer.alloc(0) : undefined;
    upstream.on('data', (chunk: Buffer) => {
      if (pending === undefined) {
        client.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const decoded = decodeMessage(pending);
      if (!decoded) return;
      const { message, bytesUsed } = decoded;
      const rest = pending.subarray(bytesUsed);
      pending = undefined;
      if (message.type === 'LoginResp' && message.body.burrow_nonce) {
        client.write(
          encodeMessage({
            type: 'LoginResp',
            body: { ...message.body, burrow_nonce: randomBytes(32).toString('base64') },
          }),
        );
      } else {
        client.write(encodeMessage(message));
      }
      client.write(rest);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    sent,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first message in `bytes` and how many bytes it took; fails when incomplete. */
function firstMessage(bytes: Buffer): { message: Message; bytesUsed: number } {
  const decoded = decodeMessage(bytes);
  assert.ok(decoded, `no complete message in ${bytes.length} captured bytes`);
  return decoded;
}

/** Waits until connection `index` of the relay has sent at least one whole message; returns everything it sent. */
async function captured(relay: Relay, index: number): Promise<Buffer> {
  const deadline = Date.now() + CAPTURE_TIMEOUT_MS;
  for (;;) {
    const bytes = Buffer.concat(relay.sent[index] ?? []);
    if (bytes.length > 0 && decodeMessage(bytes)) return bytes;
    if (Date.now() > deadline)
      throw new Error(`relay connection ${index} sent no whole message within ${CAPTURE_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

/** Sends `bytes` on a fresh plain connection to the server and reads its first answer (clear). */
async function exchange(port: number, bytes: Buffer): Promise<{ socket: net.Socket; answer: Message }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(bytes);
  const answer = await readMessage(socket, { timeoutMs: EXCHANGE_TIMEOUT_MS });
  return { socket, answer };
}

/** Sends one message and returns the server's first answer; the connection is closed afterwards. */
async function ask(port: number, bytes: Buffer): Promise<Message> {
  const { socket, answer } = await exchange(port, bytes);
  socket.destroy();
  return answer;
}

/** Resolves once `port` on loopback accepts connections (false when it refuses them). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function serverToml(dir: string, bindPort: number, extra: string[] = [], token = TOKEN): string {
  return [
    'bindAddr = "127.0.0.1"',
    `bindPort = ${bindPort}`,
    `auth.token = "${token}"`,
    `stateDir = "${dir}/state"`,
    ...extra,
    '',
  ].join('\n');
}

function clientToml(serverPort: number, localPort: number, remotePort: number, extra: string[] = []): string {
  return [
    'serverAddr = "127.0.0.1"',
    `serverPort = ${serverPort}`,
    `auth.token = "${TOKEN}"`,
    ...extra,
    '[[proxies]]',
    'name = "files"',
    'type = "tcp"',
    `localPort = ${localPort}`,
    `remotePort = ${remotePort}`,
    '',
  ].join('\n');
}

/** Runs `burrow ARGS` to completion, or kills it after `timeoutMs` (code null then). */
async function runBounded(
  args: string[],
  timeoutMs = CLIENT_EXIT_TIMEOUT_MS,
): Promise<{ code: number | null; output: string }> {
  const proc = new BurrowProcess(args);
  const timer = setTimeout(() => void proc.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output };
}

/** A Login as a client builds it now, signed with `token`, before `overrides`. */
function freshLogin(token: string, overrides: Partial<Login> = {}): Login {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    version: '0.70.0',
    hostname: 'raw-test',
    os: 'linux',
    arch: 'amd64',
    privilege_key: privilegeKey(token, timestamp),
    timestamp,
    run_id: '',
    client_spec: {},
    pool_count: 0,
    ...overrides,
  };
}

/** The run id of the last 'client login' line of `server`. */
async function loggedInRunId(server: BurrowProcess, pattern: RegExp): Promise<string> {
  const line = await server.waitFor(pattern);
  const runId = /"runId":"([0-9a-f]+)"/.exec(line)?.[1];
  assert.ok(runId, `no runId in ${line}`);
  return runId;
}

/** Logs in on a TLS connection presenting `cert`; returns the socket and LoginResp. */
async function tlsLogin(
  port: number,
  cert: { crt: string; key: string },
  login: Login,
): Promise<{ socket: tls.TLSSocket; answer: Message }> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    cert: readFileSync(cert.crt),
    key: readFileSync(cert.key),
    rejectUnauthorized: false,
  });
  socket.on('error', () => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  socket.write(encodeMessage({ type: 'Login', body: login }));
  return { socket, answer: await readMessage(socket, { timeoutMs: EXCHANGE_TIMEOUT_MS }) };
}

/** True when the (frp, unproven) control session on `socket` answers a Ping with a Pong. */
async function pingPong(socket: net.Socket, token: string): Promise<boolean> {
  const control = createEncryptedStream(socket, deriveCipherKey(token));
  control.write(encodeMessage({ type: 'Ping', body: {} }));
  try {
    for (let i = 0; i < MAX_MESSAGES_BEFORE_PONG; i += 1) {
      const message = await readMessage(control, { timeoutMs: EXCHANGE_TIMEOUT_MS });
      if (message.type === 'Pong') return !message.body.error;
    }
  } catch {
    return false; // the session was closed
  }
  return false;
}

/** TLS off and one TCP connection per logical connection, so a relay sees every message in clear. */
const PLAIN_NO_MUX_SERVER = ['transport.tcpMux = false'];
const PLAIN_NO_MUX_CLIENT = ['transport.tcpMux = false', 'transport.tls.enable = false'];

/** The real frpc's Login, as captured on its control connection (wire v1, TLS off, tcpMux off). */
function fixtureLoginBytes(): Buffer {
  const { c2s } = loadCapture('v1-nomux', 1);
  const { message, bytesUsed } = firstMessage(c2s);
  assert.equal(message.type, 'Login');
  return c2s.subarray(0, bytesUsed);
}

describe('burrow↔burrow login proof through the real CLI', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  async function setUp(): Promise<{ dir: string; payload: Buffer; files: { port: number } }> {
    const dir = scratchDir();
    dirs.push(dir);
    const payload = randomBytes(FILE_SIZE);
    const files = await startFileServer(payload);
    closers.push(files.close);
    return { dir, payload, files };
  }

  it('a burrow client proves its login to a burrow server (TLS, tcpMux) and the tunnel works', async () => {
    const { dir, payload, files } = await setUp();
    const [bindPort, remotePort] = [await freePort(), await freePort()];
    const server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps.toml', serverToml(dir, bindPort))]);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'frpc.toml', clientToml(bindPort, files.port, remotePort)),
    ]);
    await server.waitFor(/"loginProof":"proven"[^\n]*client login \(login proven/);
    await server.waitFor(/new proxy success/);
    await client.waitFor(/login proven: answered the server nonce/);
    // The client must have seen NewProxyResp before a work connection for the proxy arrives.
    await client.waitFor(/start proxy success/);
    assert.equal(sha256(await download(remotePort)), sha256(payload));
    assert.equal(
      sha256(await download(remotePort)),
      sha256(payload),
      'a second work connection (next sequence number) is accepted too',
    );
    await client.kill();
    await server.kill();
  });

  it('captured burrow Logins and NewWorkConns replayed on plain TCP are refused, verbatim or stripped of the proof meta', async () => {
    const { dir, payload, files } = await setUp();
    const [bindPort, remotePort] = [await freePort(), await freePort()];
    const serverFile = writeFile(dir, 'frps.toml', serverToml(dir, bindPort, PLAIN_NO_MUX_SERVER));
    const server = new BurrowProcess(['server', '-c', serverFile]);
    await server.waitFor(/burrow server listening/);
    const relay = await startRelay(bindPort);
    closers.push(relay.close);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'frpc.toml', clientToml(relay.port, files.port, remotePort, PLAIN_NO_MUX_CLIENT)),
    ]);
    await server.waitFor(/client login \(login proven/);
    await server.waitFor(/new proxy success/);
    await client.waitFor(/start proxy success/);
    assert.equal(sha256(await download(remotePort)), sha256(payload));

    // What a passive attacker captured: the control connection (Login in clear, then the
    // encrypted proof and proxies) and the first work connection's NewWorkConn.
    const control = await captured(relay, 0);
    const { message: login, bytesUsed: loginLength } = firstMessage(control);
    assert.equal(login.type, 'Login');
    const loginBody = login.body as Login;
    assert.equal(loginBody.metas?.['burrow.proof'], '1');
    const workConn = firstMessage(await captured(relay, 1)).message;
    assert.equal(workConn.type, 'NewWorkConn');

    // The Login again, verbatim.
    const verbatim = await ask(bindPort, control.subarray(0, loginLength));
    assert.deepEqual(
      verbatim.type === 'LoginResp' ? verbatim.body.error : verbatim,
      'replayed login: this burrow login was already used',
    );
    // The Login without its proof meta, to pass as an frp client.
    const { metas: _metas, ...withoutMetas } = loginBody;
    const strippedAnswer = await ask(bindPort, encodeMessage({ type: 'Login', body: withoutMetas }));
    assert.equal(strippedAnswer.type, 'LoginResp');
    assert.match(
      strippedAnswer.type === 'LoginResp' ? (strippedAnswer.body.error ?? '') : '',
      /replayed login: it is a copy of a burrow login seen before/,
    );
    // An frpc with the same token logging in during the same second has the same privilege key,
    // but it is not a copy: it logs in.
    const sameSecond = await ask(
      bindPort,
      encodeMessage({ type: 'Login', body: { ...withoutMetas, hostname: 'frpc-host', os: 'windows' } }),
    );
    assert.equal(sameSecond.type, 'LoginResp');
    assert.equal(sameSecond.type === 'LoginResp' ? sameSecond.body.error : 'x', undefined);
    assert.equal(sameSecond.type === 'LoginResp' ? sameSecond.body.burrow_nonce : 'x', undefined);
    // The captured NewWorkConn (its sequence number is used), and one with the run_id alone.
    for (const body of [workConn.body, { run_id: (workConn.body as { run_id?: string }).run_id }]) {
      const answer = await ask(bindPort, encodeMessage({ type: 'NewWorkConn', body } as Message));
      assert.equal(answer.type, 'StartWorkConn');
      assert.match(
        answer.type === 'StartWorkConn' ? (answer.body.error ?? '') : '',
        /work connection proof of this burrow session is missing, wrong or already used/,
      );
    }
    // The live session is untouched.
    assert.equal(sha256(await download(remotePort)), sha256(payload));
    await server.waitForCount(/login refused/, 2);
    await server.waitForCount(/work connection refused/, 2);

    // A restarted server remembers nothing: the verbatim replay then gets a nonce, but the
    // captured proof answers the old one, so the session is closed before anything is served.
    await client.kill();
    await server.kill();
    const restarted = new BurrowProcess(['server', '-c', serverFile]);
    await restarted.waitFor(/burrow server listening/);
    const { socket, answer } = await exchange(bindPort, control);
    assert.equal(answer.type, 'LoginResp');
    assert.equal(answer.type === 'LoginResp' ? answer.body.error : 'x', undefined);
    assert.match(answer.type === 'LoginResp' ? (answer.body.burrow_nonce ?? '') : '', /^[A-Za-z0-9+/]{43}=$/);
    const decrypted = createEncryptedStream(socket, deriveCipherKey(TOKEN));
    const pong = await readMessage(decrypted, { timeoutMs: EXCHANGE_TIMEOUT_MS });
    assert.equal(pong.type, 'Pong');
    assert.match(pong.type === 'Pong' ? (pong.body.error ?? '') : '', /burrow login proof failed/);
    socket.destroy();
    await restarted.waitFor(/burrow login proof failed[^\n]*login refused/);
    assert.equal(await accepts(remotePort), false, 'the replayed NewProxy must not have opened the proxy');
    assert.doesNotMatch(restarted.output, /new proxy success/);
    await restarted.kill();

    // With auth.loginProof = "require", the stripped Login is refused even without any memory.
    const strict = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps-require.toml',
        serverToml(dir, bindPort, [...PLAIN_NO_MUX_SERVER, 'auth.loginProof = "require"']),
      ),
    ]);
    await strict.waitFor(/burrow server listening/);
    const refused = await ask(bindPort, encodeMessage({ type: 'Login', body: withoutMetas }));
    assert.match(refused.type === 'LoginResp' ? (refused.body.error ?? '') : '', /requires the burrow login proof/);
    await strict.kill();
  });

  it('a real frpc Login (captured from frp 0.70.0) logs in under "auto" when current, not when old, and is refused under "require"', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const bindPort = await freePort();
    const capturedBody = firstMessage(fixtureLoginBytes()).message.body as Login;
    // frpc's Login as it would send it now: its own fields, the current time and key.
    const timestamp = Math.floor(Date.now() / 1000);
    const login = encodeMessage({
      type: 'Login',
      body: { ...capturedBody, timestamp, privilege_key: privilegeKey(FIXTURE_TOKEN, timestamp) },
    });

    const auto = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'auto.toml', serverToml(dir, bindPort, PLAIN_NO_MUX_SERVER, FIXTURE_TOKEN)),
    ]);
    await auto.waitFor(/burrow server listening/);
    // The same Login recorded more than a day ago and sent again (token right, timestamp old): refused.
    const then = timestamp - REPLAY_MEMORY_SEC - STALE_EXTRA_SEC;
    const old = await ask(
      bindPort,
      encodeMessage({
        type: 'Login',
        body: { ...capturedBody, timestamp: then, privilege_key: privilegeKey(FIXTURE_TOKEN, then) },
      }),
    );
    assert.equal(old.type, 'LoginResp');
    assert.match(
      old.type === 'LoginResp' ? (old.body.error ?? '') : '',
      /login timestamp is \d+ s away from the server's clock \(more than 86400 s allowed .*frpc always sends the current time/,
    );
    await auto.waitFor(/login refused/);
    const accepted = await ask(bindPort, login);
    assert.equal(accepted.type, 'LoginResp');
    if (accepted.type !== 'LoginResp') return;
    assert.equal(accepted.body.error, undefined);
    assert.match(accepted.body.run_id ?? '', /^[0-9a-f]{16}$/);
    assert.equal(accepted.body.burrow_nonce, undefined, 'an frp client must not be sent the burrow nonce');
    await auto.waitFor(/"loginProof":"none"[^\n]*"msg":"client login"/);
    await auto.kill();

    const strict = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'require.toml',
        serverToml(dir, bindPort, [...PLAIN_NO_MUX_SERVER, 'auth.loginProof = "require"'], FIXTURE_TOKEN),
      ),
    ]);
    await strict.waitFor(/burrow server listening/);
    const refused = await ask(bindPort, login);
    assert.equal(refused.type, 'LoginResp');
    assert.match(
      refused.type === 'LoginResp' ? (refused.body.error ?? '') : '',
      /only burrow clients can log in; frp clients \(frpc\) cannot/,
    );
    await strict.waitFor(/login refused/);
    await strict.kill();

    const verify = await runCli(['server', 'verify', '-c', writeFile(dir, 'bad.toml', 'auth.loginProof = "always"\n')]);
    assert.equal(verify.code, 2, verify.output);
    assert.match(verify.output, /auth\.loginProof: expected one of "auto", "require"/);
  });

  it('a wrong proof closes the session: the client says why and exits, the server logs it', async () => {
    const { dir, files } = await setUp();
    const [bindPort, remotePort] = [await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'frps.toml', serverToml(dir, bindPort, PLAIN_NO_MUX_SERVER)),
    ]);
    await server.waitFor(/burrow server listening/);
    // An attacker on the path swaps the nonce: the client's proof answers the wrong one.
    const relay = await startRelay(bindPort, { swapNonce: true });
    closers.push(relay.close);
    const result = await runCli([
      'client',
      '-c',
      writeFile(dir, 'frpc.toml', clientToml(relay.port, files.port, remotePort, PLAIN_NO_MUX_CLIENT)),
    ]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /login refused: burrow login proof failed/);
    await server.waitFor(/burrow login proof failed[^\n]*login refused/);
    assert.equal(await accepts(remotePort), false);
    await server.kill();
  });

  it('a man in the middle that changes the run_id or user of a burrow Login breaks the proof; the session it aimed at stays', async () => {
    const { dir, payload, files } = await setUp();
    const [bindPort, victimPort, remotePort] = [await freePort(), await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'frps.toml', serverToml(dir, bindPort, PLAIN_NO_MUX_SERVER)),
    ]);
    await server.waitFor(/burrow server listening/);
    const victim = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'victim.toml', clientToml(bindPort, files.port, victimPort, PLAIN_NO_MUX_CLIENT)),
    ]);
    const victimRunId = await loggedInRunId(server, /client login \(login proven/);
    await server.waitFor(/new proxy success/);
    await victim.waitFor(/start proxy success/);
    const rewrites: [string, (login: Login) => Login][] = [
      ['run_id', (login) => ({ ...login, run_id: victimRunId })],
      ['user', (login) => ({ ...login, user: 'mallory' })],
    ];
    for (const [field, rewriteLogin] of rewrites) {
      const relay = await startRelay(bindPort, { rewriteLogin });
      closers.push(relay.close);
      const result = await runBounded([
        'client',
        '-c',
        writeFile(dir, `frpc-${field}.toml`, clientToml(relay.port, files.port, remotePort, PLAIN_NO_MUX_CLIENT)),
      ]);
      assert.equal(result.code, 1, `${field}: ${result.output}`);
      assert.match(result.output, /login refused: burrow login proof failed/, field);
    }
    await server.waitForCount(/burrow login proof failed[^\n]*login refused/, 2);
    assert.doesNotMatch(server.output, /replacing its previous session/);
    assert.equal(await accepts(remotePort), false);
    assert.equal(sha256(await download(victimPort)), sha256(payload), 'the victim session still serves its proxy');
    assert.equal(victim.child.exitCode, null);
    await victim.kill();
    await server.kill();
  });

  it('a live session is not replaced by a Login naming its run_id from another client certificate; the same certificate reconnects', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const pki = (name: string): { crt: string; key: string } => ({
      crt: join(dir, `${name}.crt`),
      key: join(dir, `${name}.key`),
    });
    for (const args of [
      ['ca', 'init', '--dir', join(dir, 'ca'), '--name', 'login-proof e2e CA'],
      ['cert', 'issue', 'client', '--ca-dir', join(dir, 'ca'), '--out', join(dir, 'alice'), 'alice'],
      ['cert', 'issue', 'client', '--ca-dir', join(dir, 'ca'), '--out', join(dir, 'bob'), 'bob'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, result.output);
    }
    const bindPort = await freePort();
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        serverToml(dir, bindPort, [
          ...PLAIN_NO_MUX_SERVER,
          `transport.tls.trustedCaFile = "${join(dir, 'ca', 'ca.crt')}"`,
        ]),
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    // alice logs in as an frp client (no proof) over TLS with her certificate.
    const alice = await tlsLogin(bindPort, pki('alice'), freshLogin(TOKEN, { hostname: 'alice-host' }));
    assert.equal(alice.answer.type, 'LoginResp');
    const runId = alice.answer.type === 'LoginResp' ? (alice.answer.body.run_id ?? '') : '';
    assert.equal(alice.answer.type === 'LoginResp' ? alice.answer.body.error : 'x', undefined);
    assert.match(runId, /^[0-9a-f]{16}$/);
    // bob holds the token and a valid certificate, but not alice's: naming her run_id, with or without the proof, is refused.
    for (const metas of [undefined, loginProofMetas(newClientNonce())]) {
      const bob = await tlsLogin(
        bindPort,
        pki('bob'),
        freshLogin(TOKEN, { hostname: 'bob-host', run_id: runId, ...(metas ? { metas } : {}) }),
      );
      bob.socket.destroy();
      assert.equal(bob.answer.type, 'LoginResp');
      assert.match(
        bob.answer.type === 'LoginResp' ? (bob.answer.body.error ?? '') : '',
        new RegExp(`run id \\[${runId}\\] belongs to a live session of another TLS client identity`),
      );
    }
    await server.waitForCount(/another TLS client identity[^\n]*login refused/, 2);
    assert.doesNotMatch(server.output, /replacing its previous session/);
    assert.equal(await pingPong(alice.socket, TOKEN), true, "alice's session is untouched");
    // alice reconnects with her run_id from the same certificate: the ordinary reconnect.
    const again = await tlsLogin(bindPort, pki('alice'), freshLogin(TOKEN, { hostname: 'alice-host', run_id: runId }));
    assert.equal(again.answer.type === 'LoginResp' ? again.answer.body.error : 'x', undefined);
    assert.equal(again.answer.type === 'LoginResp' ? again.answer.body.run_id : '', runId);
    await server.waitFor(/replacing its previous session/);
    assert.equal(await pingPong(again.socket, TOKEN), true);
    alice.socket.destroy();
    again.socket.destroy();
    await server.kill();
  });
});
