// e2e: a running `burrow client`'s admin API through the real CLI: every endpoint with and without credentials, PUT validation, `client status` / `client reload` and their errors, log.to a file.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ADMIN_AUTH_MAX_FAILURES } from '../../src/admin/constants.js';
import { redactConfigText } from '../../src/admin/redact-config.js';
import { BurrowProcess, freePort, killAll, removeDir, runCli, sleep, startEchoServer, writeFile } from './harness.js';
import { clientToml, serverToml, setup, startServer } from './proxy-helpers.js';

/** Credentials of the client's admin API. */
const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'admin-pw-not-in-logs';
/** How long to poll for a proxy to run. */
const STATUS_TIMEOUT_MS = 20_000;
/** Each admin request must answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  body: string;
}

/** One request to 127.0.0.1:port, with Basic credentials when given. */
function request(port: number, method: string, path: string, auth?: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const GOOD_AUTH = `${ADMIN_USER}:${ADMIN_PASSWORD}`;

describe('client admin API through the real CLI', () => {
  let dir: string;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let adminPort: number;
  let bindPort: number;
  let configFile: string;
  let configText: string;
  let logFile: string;
  let client: BurrowProcess;

  /** The client config with `proxies` (name → remote port) and the admin API settings in `web`. */
  function configWith(
    proxies: [string, number][],
    web = [
      `webServer.port = ${adminPort}`,
      `webServer.user = "${ADMIN_USER}"`,
      `webServer.password = "${ADMIN_PASSWORD}"`,
    ],
  ): string {
    const body = proxies.flatMap(([name, remotePort]) => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `localPort = ${echo.port}`,
      `remotePort = ${remotePort}`,
      '',
    ]);
    return clientToml(bindPort, body, [...web, `log.to = "${logFile}"`]);
  }

  /** The status JSON once `name` runs. */
  async function waitRunning(name: string): Promise<void> {
    const deadline = Date.now() + STATUS_TIMEOUT_MS;
    for (;;) {
      const answer = await request(adminPort, 'GET', '/api/status', GOOD_AUTH).catch(() => undefined);
      const tcp =
        answer?.status === 200
          ? ((JSON.parse(answer.body) as { tcp?: { name: string; status: string }[] }).tcp ?? [])
          : [];
      if (tcp.some((p) => p.name === name && p.status === 'running')) return;
      if (Date.now() > deadline)
        throw new Error(`proxy ${name} not running after ${STATUS_TIMEOUT_MS} ms:\n${client.output}`);
      await sleep(100);
    }
  }

  before(async () => {
    ({ dir, bindPort } = await setup());
    echo = await startEchoServer();
    adminPort = await freePort();
    logFile = `${dir}/client.log`;
    await startServer(dir, serverToml(bindPort, dir));
    configText = configWith([['alpha', await freePort()]]);
    configFile = writeFile(dir, 'frpc.toml', configText);
    client = new BurrowProcess(['client', '-c', configFile]);
    await client.waitFor(/admin API on http:\/\/127\.0\.0\.1:\d+/);
    await waitRunning('alpha');
  });

  after(async () => {
    await killAll();
    await echo.close();
    removeDir(dir);
  });

  it('every endpoint answers 401 without credentials or with wrong ones, and 200 with them', async () => {
    const endpoints: [string, string][] = [
      ['GET', '/api/status'],
      ['GET', '/api/config'],
      ['PUT', '/api/config'],
      ['GET', '/api/reload'],
      ['GET', '/'],
    ];
    for (const [i, [method, path]] of endpoints.entries()) {
      const body = method === 'PUT' ? configText : undefined;
      assert.equal(
        (await request(adminPort, method, path, undefined, body)).status,
        401,
        `${method} ${path} without credentials`,
      );
      // Fewer wrong guesses than ADMIN_AUTH_MAX_FAILURES: one more would back this address off (test/e2e/admin-auth-limit).
      if (i < ADMIN_AUTH_MAX_FAILURES - 1) {
        assert.equal(
          (await request(adminPort, method, path, `${ADMIN_USER}:wrong`, body)).status,
          401,
          `${method} ${path} with a wrong password`,
        );
      }
      const ok = await request(adminPort, method, path, GOOD_AUTH, body);
      assert.equal(ok.status, 200, `${method} ${path} with credentials: ${ok.body}`);
    }
    assert.equal((await request(adminPort, 'GET', '/healthz')).status, 200, 'the health check needs no credentials');
  });

  it('GET /api/status lists the proxy as frp does; GET /api/config serves the file as on disk, secrets masked', async () => {
    const status = JSON.parse((await request(adminPort, 'GET', '/api/status', GOOD_AUTH)).body) as Record<
      string,
      Record<string, string>[]
    >;
    assert.deepEqual(Object.keys(status), ['tcp']);
    const alpha = status.tcp![0]!;
    assert.equal(alpha.name, 'alpha');
    assert.equal(alpha.status, 'running');
    assert.equal(alpha.local_addr, `127.0.0.1:${echo.port}`);
    assert.match(alpha.remote_addr!, /^:\d+$/);
    assert.equal(alpha.err, '');
    // Served as on disk, but with the secrets masked (the token, webServer.password).
    const served = (await request(adminPort, 'GET', '/api/config', GOOD_AUTH)).body;
    assert.equal(served, redactConfigText(readFileSync(configFile, 'utf8')));
    assert.ok(!served.includes(ADMIN_PASSWORD), 'webServer.password is not served');
    assert.match(served, /webServer\.password = "<redacted>"/);
  });

  it('PUT /api/config with an invalid text answers 400 with the problem and writes nothing', async () => {
    const before = readFileSync(configFile, 'utf8');
    const bad = `${before}\n[[proxies]]\nname = "broken"\ntype = "tcp"\nlocalPort = 99999\n`;
    const answer = await request(adminPort, 'PUT', '/api/config', GOOD_AUTH, bad);
    assert.equal(answer.status, 400);
    assert.match((JSON.parse(answer.body) as { error: string }).error, /proxies\[1\]\.localPort/);
    assert.equal(readFileSync(configFile, 'utf8'), before);
    const notToml = await request(adminPort, 'PUT', '/api/config', GOOD_AUTH, 'serverPort = = 1');
    assert.equal(notToml.status, 400);
    assert.equal(readFileSync(configFile, 'utf8'), before);
  });

  it('PUT /api/config with a valid text writes it; GET /api/reload applies it and says what changed', async () => {
    const next = configWith([
      ['alpha', Number(/remotePort = (\d+)/.exec(configText)![1])],
      ['beta', await freePort()],
    ]);
    assert.equal((await request(adminPort, 'PUT', '/api/config', GOOD_AUTH, next)).status, 200);
    assert.equal(readFileSync(configFile, 'utf8'), next);
    const reload = await request(adminPort, 'GET', '/api/reload', GOOD_AUTH);
    assert.equal(reload.status, 200);
    const result = JSON.parse(reload.body) as {
      added: string[];
      removed: string[];
      changed: string[];
      restartRequired: string[];
    };
    assert.deepEqual([result.added, result.removed, result.changed, result.restartRequired], [['beta'], [], [], []]);
    await waitRunning('beta');
    configText = next;
  });

  it('`burrow client status -c FILE` prints the proxies table', async () => {
    const { code, output } = await runCli(['client', 'status', '-c', configFile]);
    assert.equal(code, 0, output);
    const lines = output.split('\n');
    assert.match(lines[0]!, /^NAME\s+TYPE\s+STATUS\s+LOCAL ADDR\s+REMOTE ADDR\s+ERROR$/);
    assert.match(output, new RegExp(`^alpha\\s+tcp\\s+running\\s+127\\.0\\.0\\.1:${echo.port}\\s+:\\d+$`, 'm'));
    assert.match(output, /^beta\s+tcp\s+running\s+/m);
  });

  it('`burrow client reload -c FILE` reloads; wrong credentials, no admin port and an unreachable one are clear errors', async () => {
    const ok = await runCli(['client', 'reload', '-c', configFile]);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /reload success/);

    const wrong = writeFile(dir, 'wrong-pw.toml', configText.replace(ADMIN_PASSWORD, 'not-the-password'));
    const denied = await runCli(['client', 'reload', '-c', wrong]);
    assert.equal(denied.code, 1, denied.output);
    assert.match(denied.output, /refused the credentials \(401\)/);

    const off = writeFile(dir, 'no-admin.toml', configWith([['alpha', 1]], []));
    const noPort = await runCli(['client', 'status', '-c', off]);
    assert.equal(noPort.code, 2, noPort.output);
    assert.match(noPort.output, /webServer\.port is not set/);

    const closedPort = await freePort();
    const unreachable = writeFile(
      dir,
      'unreachable.toml',
      configWith([['alpha', 1]], [`webServer.port = ${closedPort}`]),
    );
    const down = await runCli(['client', 'status', '-c', unreachable]);
    assert.equal(down.code, 1, down.output);
    assert.match(
      down.output,
      new RegExp(`cannot reach the client admin API at http://127\\.0\\.0\\.1:${closedPort}.*is the client running`),
    );
  });

  it('log.to a file: JSON lines appended to a new 0600 file, with proxy events and no secret', () => {
    assert.equal(statSync(logFile).mode & 0o777, 0o600);
    const text = readFileSync(logFile, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; role: string });
    assert.ok(
      lines.some((l) => l.msg?.endsWith('start proxy success') === true),
      'proxy events are logged',
    );
    assert.ok(
      lines.some((l) => l.msg === 'config reloaded'),
      'reloads are logged',
    );
    assert.ok(lines.every((l) => l.role === 'client'));
    assert.doesNotMatch(text, new RegExp(ADMIN_PASSWORD));
    assert.doesNotMatch(text, /e2e-proxy-token/);
  });
});
