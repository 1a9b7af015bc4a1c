// e2e: frp's client [store] through the real CLI: a tcp proxy added with POST /api/store/proxies runs at once, persists (0600), is back after a restart, goes with DELETE; clashes are refused.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BurrowProcess,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  sleep,
  startEchoServer,
  writeFile,
} from './harness.js';
import { clientToml, serverToml, setup, startServer } from './proxy-helpers.js';

const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'store-admin-pw';
const AUTH = `${ADMIN_USER}:${ADMIN_PASSWORD}`;
/** Each admin request must answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long a removed proxy's port may take to close. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  body: string;
}

/** One request to the admin API on 127.0.0.1:port; `auth` null sends no credentials. */
function request(port: number, method: string, path: string, body?: string, auth: string | null = AUTH) {
  return new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
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

/** Resolves once nothing accepts on 127.0.0.1:port (the proxy was closed on the server). */
async function waitClosed(port: number): Promise<void> {
  const deadline = Date.now() + CLOSE_TIMEOUT_MS;
  for (;;) {
    const refused = await roundTrip(port, Buffer.from('x'), 2_000).then(
      () => false,
      () => true,
    );
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still open after ${CLOSE_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

describe('client store through the real CLI', () => {
  let dir: string;
  let bindPort: number;
  let adminPort: number;
  let storedPort: number;
  let configPort: number;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let configFile: string;
  let client: BurrowProcess;

  /** What frpc 0.70 answers for the POST below (captured from the real frpc, same body). */
  function frpAnswer(): Record<string, unknown> {
    return {
      name: 'stored',
      type: 'tcp',
      tcp: {
        name: 'stored',
        type: 'tcp',
        transport: { bandwidthLimit: '' },
        loadBalancer: { group: '' },
        healthCheck: { type: '', intervalSeconds: 0 },
        localIP: '127.0.0.1',
        localPort: echo.port,
        plugin: null,
        remotePort: storedPort,
      },
    };
  }

  function startClient(): Promise<string> {
    client = new BurrowProcess(['client', '-c', configFile]);
    return client.waitFor(/"msg":"\[cfg\] start proxy success"/);
  }

  before(async () => {
    ({ dir, bindPort } = await setup());
    echo = await startEchoServer();
    adminPort = await freePort();
    storedPort = await freePort();
    configPort = await freePort();
    await startServer(dir, serverToml(bindPort, dir));
    const body = [
      '[[proxies]]',
      'name = "cfg"',
      'type = "tcp"',
      `localPort = ${echo.port}`,
      `remotePort = ${configPort}`,
    ];
    configFile = writeFile(
      dir,
      'frpc.toml',
      clientToml(bindPort, body, [
        `webServer.port = ${adminPort}`,
        `webServer.user = "${ADMIN_USER}"`,
        `webServer.password = "${ADMIN_PASSWORD}"`,
        // Relative: beside the config file, as frpc resolves it.
        'store.path = "data/store.json"',
      ]),
    );
    await startClient();
  });

  after(async () => {
    await killAll();
    await echo.close();
    removeDir(dir);
  });

  const storeFile = () => join(dir, 'data', 'store.json');
  const postBody = () =>
    JSON.stringify({
      name: 'stored',
      type: 'tcp',
      tcp: { localIP: '127.0.0.1', localPort: echo.port, remotePort: storedPort },
    });

  it('needs the admin credentials, and starts empty', async () => {
    assert.equal((await request(adminPort, 'GET', '/api/store/proxies', undefined, null)).status, 401);
    assert.equal((await request(adminPort, 'POST', '/api/store/proxies', postBody(), 'ops:wrong')).status, 401);
    const list = await request(adminPort, 'GET', '/api/store/proxies');
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), { proxies: [] });
    assert.deepEqual(JSON.parse((await request(adminPort, 'GET', '/api/store/visitors')).body), { visitors: [] });
  });

  it('POST adds a tcp proxy that runs at once, answered and stored in frp’s JSON shape with mode 0600', async () => {
    const created = await request(adminPort, 'POST', '/api/store/proxies', postBody());
    assert.equal(created.status, 200, created.body);
    assert.deepEqual(JSON.parse(created.body), frpAnswer());
    await client.waitFor(/"msg":"\[stored\] start proxy success"/);
    const payload = randomPayload(64 * 1024);
    assert.deepEqual(await roundTrip(storedPort, payload), payload);

    assert.equal(statSync(storeFile()).mode & 0o777, 0o600);
    const onDisk = JSON.parse(readFileSync(storeFile(), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(onDisk, { proxies: [frpAnswer().tcp] });
    const one = await request(adminPort, 'GET', '/api/store/proxies/stored');
    assert.deepEqual(JSON.parse(one.body), frpAnswer());
    const status = JSON.parse((await request(adminPort, 'GET', '/api/status')).body) as {
      tcp: { name: string; status: string; source?: string }[];
    };
    // frp marks the store's proxies with "source": "store"; the config file's have no source.
    assert.deepEqual(status.tcp.map((p) => [p.name, p.status, p.source]).sort(), [
      ['cfg', 'running', undefined],
      ['stored', 'running', 'store'],
    ]);
  });

  it('refuses clashes: the same name again, a config file proxy’s name (409), a bad body (400)', async () => {
    const again = await request(adminPort, 'POST', '/api/store/proxies', postBody());
    assert.equal(again.status, 409);
    assert.match(again.body, /already exists: proxy \\"stored\\"/);
    const clash = JSON.stringify({ name: 'cfg', type: 'tcp', tcp: { localPort: echo.port } });
    const refused = await request(adminPort, 'POST', '/api/store/proxies', clash);
    assert.equal(refused.status, 409);
    assert.match(refused.body, /config file already has a proxy named \\"cfg\\"/);
    const mismatch = await request(
      adminPort,
      'POST',
      '/api/store/proxies',
      JSON.stringify({ name: 'x', type: 'udp', tcp: { localPort: 1 } }),
    );
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body, /proxy type block \\"tcp\\" does not match type \\"udp\\"/);
    const wrongUrl = await request(adminPort, 'PUT', '/api/store/proxies/other', postBody());
    assert.equal(wrongUrl.status, 400);
    assert.match(wrongUrl.body, /proxy name in URL must match name in body/);
    assert.equal((await request(adminPort, 'GET', '/api/store/proxies/nope')).status, 404);
    // Nothing of that reached the file.
    const onDisk = JSON.parse(readFileSync(storeFile(), 'utf8')) as { proxies: { name: string }[] };
    assert.deepEqual(
      onDisk.proxies.map((p) => p.name),
      ['stored'],
    );
  });

  it('the stored proxy is back after a restart, beside the config file’s', async () => {
    await client.kill();
    await waitClosed(storedPort);
    await startClient();
    await client.waitFor(/"msg":"\[stored\] start proxy success"/);
    const payload = randomPayload(16 * 1024);
    assert.deepEqual(await roundTrip(storedPort, payload), payload);
    assert.deepEqual(await roundTrip(configPort, payload), payload);
    const list = JSON.parse((await request(adminPort, 'GET', '/api/store/proxies')).body) as unknown;
    assert.deepEqual(list, { proxies: [frpAnswer()] });
    // A reload of the config file leaves the store's proxy alone.
    const reload = JSON.parse((await request(adminPort, 'GET', '/api/reload')).body) as {
      removed: string[];
      changed: string[];
    };
    assert.deepEqual([reload.removed, reload.changed], [[], []]);
    assert.deepEqual(await roundTrip(storedPort, payload), payload);
  });

  it('DELETE removes it from the session and the file; the config file’s proxy runs on', async () => {
    const deleted = await request(adminPort, 'DELETE', '/api/store/proxies/stored');
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body, '');
    await waitClosed(storedPort);
    assert.deepEqual(JSON.parse(readFileSync(storeFile(), 'utf8')), {});
    assert.equal((await request(adminPort, 'DELETE', '/api/store/proxies/stored')).status, 404);
    const payload = randomPayload(1024);
    assert.deepEqual(await roundTrip(configPort, payload), payload);
  });
});
