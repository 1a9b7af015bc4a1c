// e2e: with [[auth.clients]] a Login's `user` (frp's proxy-name prefix, and who a visitor is) is bound to the client certificate: bob's certificate cannot log in as user "alice".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { encodeMessage, privilegeKey, readMessage, type Message } from '../../src/wire/index.js';
import {
  BurrowProcess,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  runCli,
  runCliOk,
  scratchDir,
  sha256,
  download,
  startFileServer,
  writeFile,
} from './harness.js';

const TOKEN = 'identity-user-token';
/** Deadline for one raw exchange with the server. */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** A client whose login is refused has this long to exit. */
const CLIENT_EXIT_TIMEOUT_MS = 30_000;

/** Logs in over TLS with `name`'s certificate as `user`; resolves with the LoginResp's error ("" when accepted). */
async function loginAs(port: number, dir: string, name: string, user: string): Promise<string> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
    rejectUnauthorized: false,
  });
  socket.on('error', () => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const body = {
      version: '0.70.0',
      hostname: `${name}-host`,
      os: 'linux',
      arch: 'amd64',
      user,
      privilege_key: privilegeKey(TOKEN, timestamp),
      timestamp,
      run_id: '',
      pool_count: 0,
    };
    socket.write(encodeMessage({ type: 'Login', body }));
    const answer: Message = await readMessage(socket, { timeoutMs: EXCHANGE_TIMEOUT_MS });
    assert.equal(answer.type, 'LoginResp');
    return answer.type === 'LoginResp' ? (answer.body.error ?? '') : '';
  } finally {
    socket.destroy();
  }
}

describe('Login user bound to the client certificate when [[auth.clients]] is set', () => {
  let dir: string;
  let server: BurrowProcess;
  let bindPort: number;

  before(async () => {
    dir = scratchDir();
    await runCliOk(['ca', 'init', '--dir', join(dir, 'ca'), '--name', 'identity-user e2e CA']);
    for (const name of ['alice', 'bob'])
      await runCliOk(['cert', 'issue', 'client', '--ca-dir', join(dir, 'ca'), '--out', join(dir, name), name]);
    bindPort = await freePort();
    const toml = [
      'bindAddr = "127.0.0.1"',
      `bindPort = ${bindPort}`,
      `auth.token = "${TOKEN}"`,
      `stateDir = "${join(dir, 'state')}"`,
      `transport.tls.trustedCaFile = "${join(dir, 'ca', 'ca.crt')}"`,
      // One TLS connection per logical connection, so the raw logins below need no yamux.
      'transport.tcpMux = false',
      '[[auth.clients]]',
      'id = "alice"',
      '',
    ].join('\n');
    server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps.toml', toml)]);
    await server.waitFor(/burrow server listening/);
  });

  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it("a Login whose user is another identity is refused; the certificate's own identity or no user logs in", async () => {
    // bob holds the token and a certificate of the CA; as user "alice" he would be alice to stcp visitors and to her proxy-name prefix.
    assert.match(
      await loginAs(bindPort, dir, 'bob', 'alice'),
      /login user "alice" is not the identity of the client certificate/,
    );
    assert.match(
      await loginAs(bindPort, dir, 'alice', 'bob'),
      /login user "bob" is not the identity of the client certificate \(expected "alice" or no user\)/,
    );
    await server.waitFor(/login user \\"bob\\" is not the identity[^\n]*login refused/);
    assert.equal(await loginAs(bindPort, dir, 'alice', 'alice'), '');
    assert.equal(await loginAs(bindPort, dir, 'alice', ''), '');
    // bob has no [[auth.clients]] entry (he may open no proxy) but may still name himself.
    assert.equal(await loginAs(bindPort, dir, 'bob', 'bob'), '');
  });

  it('a burrow client with user = its identity tunnels; with another user it is refused and says why', async () => {
    const payload = randomPayload(16 * 1024);
    const files = await startFileServer(payload);
    const clientToml = (user: string, remotePort: number): string =>
      [
        'serverAddr = "127.0.0.1"',
        `serverPort = ${bindPort}`,
        `auth.token = "${TOKEN}"`,
        `user = "${user}"`,
        'transport.tcpMux = false',
        `transport.tls.certFile = "${join(dir, 'alice.crt')}"`,
        `transport.tls.keyFile = "${join(dir, 'alice.key')}"`,
        '[[proxies]]',
        'name = "web"',
        'type = "tcp"',
        `localPort = ${files.port}`,
        `remotePort = ${remotePort}`,
        '',
      ].join('\n');
    const remotePort = await freePort();
    const good = new BurrowProcess(['client', '-c', writeFile(dir, 'good.toml', clientToml('alice', remotePort))]);
    await good.waitFor(/start proxy success/);
    assert.equal(sha256(await download(remotePort)), sha256(payload));
    await good.kill();
    const bad = runCli(['client', '-c', writeFile(dir, 'bad.toml', clientToml('mallory', await freePort()))]);
    const timer = setTimeout(() => void killAll(), CLIENT_EXIT_TIMEOUT_MS);
    const result = await bad;
    clearTimeout(timer);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /login user \\?"mallory\\?" is not the identity of the client certificate/);
    await files.close();
  });
});
