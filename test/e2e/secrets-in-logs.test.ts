// e2e: no secret ever reaches a log. Server and clients run at trace level with distinctive secrets (token, httpPassword,
// webServer passwords, an stcp secretKey, an encrypted CA key's passphrase); logins, proxies, refusals and admin calls
// good and bad; then every line of output and every log file is searched for the secrets and their encodings.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  runCli,
  scratchDir,
  sha256,
  sleep,
  startFileServer,
  writeFile,
} from './harness.js';
import { httpGet, startHttpOrigin } from './proxy-helpers.js';

const run = promisify(execFile);

/** Distinctive secrets: long enough that a hit cannot be a coincidence. */
const SECRETS = {
  token: 'tok-SECRET-9b1e54c07d',
  wrongToken: 'badtok-SECRET-3f8a21d6e0',
  httpPassword: 'httppw-SECRET-a41c9e7b22',
  wrongHttpPassword: 'badhttppw-SECRET-c07e5d19f3',
  serverWebPassword: 'srvweb-SECRET-5d2f8a9c61',
  clientWebPassword: 'cliweb-SECRET-e93b7104ad',
  wrongWebPassword: 'badweb-SECRET-71c4e2b8f5',
  stcpKey: 'stcpkey-SECRET-2ab96f0e4c',
  wrongStcpKey: 'badstcp-SECRET-8e5d3c1a97',
  caPassphrase: 'capass-SECRET-f6a0b2d83e',
  wrongCaPassphrase: 'badcapass-SECRET-49d1e7c0b5',
} as const;
const HTTP_USER = 'alice';
const WEB_USER = 'admin';
/** Field names of frp messages that carry token-derived material; a dumped Login or NewVisitorConn would show them. */
const SECRET_BEARING_FIELDS = ['privilege_key', 'sign_key'];
/** Bound on waiting for a line in a log file. */
const LOG_WAIT_MS = 20_000;
/** How often a log file is re-read while waiting. */
const LOG_POLL_MS = 100;
/** Refusals are retried by clients on timers; give them time to be logged more than once. */
const SETTLE_MS = 1_500;

/** Every form a secret could take in a log: as is, in Basic auth, and base64 of itself. */
function forms(secret: string, user?: string): string[] {
  const out = [secret, Buffer.from(secret).toString('base64')];
  if (user) out.push(Buffer.from(`${user}:${secret}`).toString('base64'));
  return out;
}

/** Waits until `file` holds `count` lines matching `pattern`. */
async function waitInFile(file: string, pattern: RegExp, count = 1): Promise<void> {
  const deadline = Date.now() + LOG_WAIT_MS;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.split('\n').filter((line) => pattern.test(line)).length >= count) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count}× ${pattern} in ${file}:\n${text}`);
    await sleep(LOG_POLL_MS);
  }
}

/** GET on an admin API with Basic auth; resolves with the status. */
function adminGet(port: number, path: string, user: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, auth: `${user}:${password}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('secrets never appear in logs', () => {
  const dir = scratchDir();
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    await killAll();
    for (const cleanup of cleanups) await cleanup();
    removeDir(dir);
  });

  it('trace-level server and clients, logins good and bad, proxies, refusals, admin calls: no secret in any output or log file', async () => {
    const payload = randomPayload(256 * 1024);
    const files = await startFileServer(payload);
    cleanups.push(files.close);
    const origin = await startHttpOrigin((_req, res) => res.end('hello'));
    cleanups.push(origin.close);
    const [bindPort, vhostPort, serverWeb, clientWeb, tcpPort, visitorPort, badVisitorPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const serverLog = join(dir, 'server.log');
    const visitorLog = join(dir, 'visitor.log');
    const outputs: string[] = [];

    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        [
          'bindAddr = "127.0.0.1"',
          `bindPort = ${bindPort}`,
          `vhostHTTPPort = ${vhostPort}`,
          `stateDir = "${dir}/state"`,
          `auth.token = "${SECRETS.token}"`,
          'auth.additionalScopes = ["HeartBeats", "NewWorkConns"]',
          // tcpMux off: every work connection is a separate login-like exchange, and heartbeats carry privilege keys.
          'transport.tcpMux = false',
          // Ports 1-1024 only: a proxy asking for another port is refused.
          'allowPorts = [{ start = 1, end = 1024 }, { single = ' + tcpPort + ' }]',
          'webServer.addr = "127.0.0.1"',
          `webServer.port = ${serverWeb}`,
          `webServer.user = "${WEB_USER}"`,
          `webServer.password = "${SECRETS.serverWebPassword}"`,
          'log.level = "trace"',
          `log.to = "${serverLog}"`,
          '',
        ].join('\n'),
      ),
    ]);
    await waitInFile(serverLog, /burrow server listening/);

    const clientToml = (token: string, body: string[], extra: string[] = []): string =>
      [
        'serverAddr = "127.0.0.1"',
        `serverPort = ${bindPort}`,
        `auth.token = "${token}"`,
        'auth.additionalScopes = ["HeartBeats", "NewWorkConns"]',
        'transport.tls.enable = true',
        'transport.tcpMux = false',
        'transport.heartbeatInterval = 1',
        'transport.heartbeatTimeout = 30',
        'transport.poolCount = 1',
        'loginFailExit = false',
        'log.level = "trace"',
        ...extra,
        '',
        ...body,
        '',
      ].join('\n');

    // The owner of the proxies logs to stdout (console): the harness sees every line.
    const owner = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'owner.toml',
        clientToml(
          SECRETS.token,
          [
            '[[proxies]]',
            'name = "files"',
            'type = "tcp"',
            `localPort = ${files.port}`,
            `remotePort = ${tcpPort}`,
            '',
            '[[proxies]]',
            'name = "web"',
            'type = "http"',
            `localPort = ${origin.port}`,
            'customDomains = ["web.example.test"]',
            `httpUser = "${HTTP_USER}"`,
            `httpPassword = "${SECRETS.httpPassword}"`,
            '',
            '[[proxies]]',
            'name = "vault"',
            'type = "stcp"',
            `secretKey = "${SECRETS.stcpKey}"`,
            `localPort = ${files.port}`,
            '',
            '[[proxies]]',
            'name = "refused"',
            'type = "tcp"',
            `localPort = ${files.port}`,
            'remotePort = 40999',
            '',
          ],
          [
            'webServer.addr = "127.0.0.1"',
            `webServer.port = ${clientWeb}`,
            `webServer.user = "${WEB_USER}"`,
            `webServer.password = "${SECRETS.clientWebPassword}"`,
          ],
        ),
      ),
    ]);
    await owner.waitForCount(/start proxy success/, 3);
    await owner.waitFor(/refused|not allowed/);

    // Visitors (good key and wrong key) log to a file.
    const visitor = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'visitor.toml',
        clientToml(
          SECRETS.token,
          [
            '[[visitors]]',
            'name = "to-vault"',
            'type = "stcp"',
            'serverName = "vault"',
            `secretKey = "${SECRETS.stcpKey}"`,
            'bindAddr = "127.0.0.1"',
            `bindPort = ${visitorPort}`,
            '',
            '[[visitors]]',
            'name = "to-vault-bad"',
            'type = "stcp"',
            'serverName = "vault"',
            `secretKey = "${SECRETS.wrongStcpKey}"`,
            'bindAddr = "127.0.0.1"',
            `bindPort = ${badVisitorPort}`,
            '',
          ],
          [`log.to = "${visitorLog}"`],
        ),
      ),
    ]);
    await waitInFile(visitorLog, /visitor listening/, 2);

    // A client with the wrong token: refused at login (and it keeps retrying).
    const intruder = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'intruder.toml', clientToml(SECRETS.wrongToken, [])),
    ]);
    await intruder.waitFor(/login refused|token/);

    // Traffic: tcp, http with good and bad credentials, stcp with good and bad keys.
    assert.equal(sha256(await download(tcpPort)), sha256(payload));
    const basic = (password: string) => `Basic ${Buffer.from(`${HTTP_USER}:${password}`).toString('base64')}`;
    assert.equal(
      (await httpGet(vhostPort, 'web.example.test', '/', { Authorization: basic(SECRETS.httpPassword) })).status,
      200,
    );
    assert.equal(
      (await httpGet(vhostPort, 'web.example.test', '/', { Authorization: basic(SECRETS.wrongHttpPassword) })).status,
      401,
    );
    assert.equal(sha256(await download(visitorPort)), sha256(payload));
    assert.equal((await download(badVisitorPort)).length, 0);
    await waitInFile(visitorLog, /visitor connection failed/);

    // Admin APIs of both sides, right and wrong password.
    assert.equal(await adminGet(serverWeb, '/api/serverinfo', WEB_USER, SECRETS.serverWebPassword), 200);
    assert.equal(await adminGet(serverWeb, '/api/serverinfo', WEB_USER, SECRETS.wrongWebPassword), 401);
    assert.equal(await adminGet(clientWeb, '/api/status', WEB_USER, SECRETS.clientWebPassword), 200);
    assert.equal(await adminGet(clientWeb, '/api/status', WEB_USER, SECRETS.wrongWebPassword), 401);
    await sleep(SETTLE_MS);

    // PKI: an encrypted CA key used with the right and the wrong passphrase.
    const caDir = join(dir, 'ca');
    const init = await runCli(['ca', 'init', '--dir', caDir]);
    assert.equal(init.code, 0, init.output);
    await run('openssl', [
      'pkey',
      '-in',
      join(caDir, 'ca.key'),
      '-aes256',
      '-passout',
      `pass:${SECRETS.caPassphrase}`,
      '-out',
      join(caDir, 'ca.key.enc'),
    ]);
    renameSync(join(caDir, 'ca.key.enc'), join(caDir, 'ca.key'));
    const good = await runCli([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      caDir,
      '--out',
      join(dir, 'srv'),
      '--key-passphrase-file',
      writeFile(dir, 'pass.txt', `${SECRETS.caPassphrase}\n`),
      'localhost',
    ]);
    assert.equal(good.code, 0, good.output);
    const bad = await runCli([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      caDir,
      '--out',
      join(dir, 'srv2'),
      '--key-passphrase-file',
      writeFile(dir, 'badpass.txt', `${SECRETS.wrongCaPassphrase}\n`),
      'localhost',
    ]);
    assert.notEqual(bad.code, 0, bad.output);
    outputs.push(init.output, good.output, bad.output);

    await Promise.all([owner.kill(), visitor.kill(), intruder.kill()]);
    await server.kill();
    outputs.push(server.output, owner.output, visitor.output, intruder.output);
    const logFiles = [serverLog, visitorLog].map((file) => readFileSync(file, 'utf8'));
    const everything = [...outputs, ...logFiles].join('\n');

    // The logs are really at trace/debug level and really cover what happened (else this test proves nothing).
    assert.match(logFiles[0]!, /"level":(10|20)/, 'the server log has trace/debug lines');
    assert.match(owner.output, /"level":(10|20)/, 'the client output has trace/debug lines');
    assert.match(logFiles[0]!, /login refused/);
    assert.match(logFiles[0]!, /visitor connection refused/);

    const leaks: string[] = [];
    const check = (label: string, needles: string[]): void => {
      for (const needle of needles) if (everything.includes(needle)) leaks.push(`${label}: "${needle}"`);
    };
    check('token', forms(SECRETS.token));
    check('wrong token', forms(SECRETS.wrongToken));
    check('http password', forms(SECRETS.httpPassword, HTTP_USER));
    check('wrong http password', forms(SECRETS.wrongHttpPassword, HTTP_USER));
    check('server webServer password', forms(SECRETS.serverWebPassword, WEB_USER));
    check('client webServer password', forms(SECRETS.clientWebPassword, WEB_USER));
    check('wrong webServer password', forms(SECRETS.wrongWebPassword, WEB_USER));
    check('stcp secretKey', forms(SECRETS.stcpKey));
    check('wrong stcp secretKey', forms(SECRETS.wrongStcpKey));
    check('CA key passphrase', forms(SECRETS.caPassphrase));
    check('wrong CA key passphrase', forms(SECRETS.wrongCaPassphrase));
    check(
      'secret-bearing message field',
      SECRET_BEARING_FIELDS.map((field) => `"${field}":"`),
    );
    check('any secret marker', ['SECRET-']);
    assert.deepEqual(leaks, [], `secrets found in logs:\n${leaks.join('\n')}`);
  });
});
