// e2e: a real `burrow server` with [webServer]: every admin endpoint with and without credentials after real traffic,
// HTTPS admin, SIGHUP reload (policy, invalid file, CRL closing revoked sessions) and SIGTERM's graceful drain.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_AUTH_MAX_FAILURES } from '../../src/admin/constants.js';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  runCli,
  runCliOk,
  scratchDir,
  sha256,
  startFileServer,
  writeFile,
} from './harness.js';

const TOKEN = 'admin-e2e-token';
const USER = 'admin';
const PASSWORD = 'admin-e2e-password';
/** The file downloaded through the tunnel before the API is read. */
const FILE_SIZE = 1024 * 1024;
/** Any admin request must answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;
/** The slow download of the drain test: 2 MiB in 64 KiB pieces every 40 ms (about 1.3 s). */
const SLOW_SIZE = 2 * 1024 * 1024;
const SLOW_CHUNK = 64 * 1024;
const SLOW_EVERY_MS = 40;

/** Certificates made once with burrow's own PKI commands. */
interface Pki {
  ca: string;
  caCrt: string;
  serverCrt: string;
  serverKey: string;
  aliceCrt: string;
  aliceKey: string;
  bobCrt: string;
  bobKey: string;
}

/** The CLI run to success (its output), or a failed test showing that output. */
const cli = runCliOk;

async function makePki(dir: string): Promise<Pki> {
  const ca = join(dir, 'ca');
  await cli(['ca', 'init', '--dir', ca, '--name', 'admin e2e CA']);
  await cli(['cert', 'issue', 'server', '--ca-dir', ca, '--out', join(dir, 'server'), '127.0.0.1', 'localhost']);
  await cli(['cert', 'issue', 'client', '--ca-dir', ca, '--out', join(dir, 'alice'), 'alice']);
  await cli(['cert', 'issue', 'client', '--ca-dir', ca, '--out', join(dir, 'bob'), 'bob']);
  const p = (name: string) => join(dir, name);
  return {
    ca,
    caCrt: join(ca, 'ca.crt'),
    serverCrt: `${p('server')}.crt`,
    serverKey: `${p('server')}.key`,
    aliceCrt: `${p('alice')}.crt`,
    aliceKey: `${p('alice')}.key`,
    bobCrt: `${p('bob')}.crt`,
    bobKey: `${p('bob')}.key`,
  };
}

/** TOML lines from a flat record of dotted keys. */
function toml(entries: Record<string, string | number | boolean>): string {
  return Object.entries(entries)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** A tcp proxy table. */
function tcpProxy(name: string, localPort: number, remotePort: number): string {
  return `\n[[proxies]]\nname = "${name}"\ntype = "tcp"\nlocalIP = "127.0.0.1"\nlocalPort = ${localPort}\nremotePort = ${remotePort}\n`;
}

/** A GET on the admin API; `auth` as "user:password"; `ca` for HTTPS. */
function get(
  url: string,
  opts: { auth?: string; ca?: Buffer; host?: string } = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  if (opts.host) headers.Host = opts.host;
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { headers, agent: false, timeout: REQUEST_TIMEOUT_MS, ...(opts.ca ? { ca: opts.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The JSON of a GET that must answer 200 with credentials. */
async function getJson<T>(url: string, ca?: Buffer): Promise<T> {
  const res = await get(url, { auth: `${USER}:${PASSWORD}`, ...(ca ? { ca } : {}) });
  assert.equal(res.status, 200, `${url}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** The value of one sample line in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The admin URL the server printed. */
async function adminUrlOf(server: BurrowProcess): Promise<string> {
  const line = await server.waitFor(/burrow server admin API on /);
  return /admin API on (\S+)/.exec(line)![1]!;
}

/** Resolves with the error code of a TCP connect to 127.0.0.1:port ("" when it connected). */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A local service sending `payload` in pieces every SLOW_EVERY_MS, then closing. */
async function startSlowService(payload: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let offset = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(payload.subarray(offset, offset + SLOW_CHUNK));
      offset += SLOW_CHUNK;
      if (offset >= payload.length) {
        clearInterval(timer);
        socket.end();
      }
    }, SLOW_EVERY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('admin API of a real server', () => {
  let dir: string;
  let pki: Pki;
  const payload = randomPayload(FILE_SIZE);
  let files: Awaited<ReturnType<typeof startFileServer>>;

  before(async () => {
    dir = scratchDir();
    pki = await makePki(dir);
    files = await startFileServer(payload);
  });

  after(async () => {
    await killAll();
    await files?.close();
    removeDir(dir);
  });

  /** Server config text: mutual TLS, the admin API with credentials and Prometheus, plus `extra`. */
  function serverToml(
    bindPort: number,
    adminPort: number,
    extra: Record<string, string | number | boolean> = {},
  ): string {
    return `${toml({
      bindAddr: '127.0.0.1',
      bindPort,
      'auth.token': TOKEN,
      stateDir: join(dir, 'state'),
      'transport.tls.certFile': pki.serverCrt,
      'transport.tls.keyFile': pki.serverKey,
      'transport.tls.trustedCaFile': pki.caCrt,
      'webServer.port': adminPort,
      'webServer.user': USER,
      'webServer.password': PASSWORD,
      enablePrometheus: true,
      ...extra,
    })}\n`;
  }

  /** Client config text with a client certificate and `proxies` (TOML tables). */
  function clientToml(
    serverPort: number,
    who: { crt: string; key: string },
    proxies: string,
    extra: Record<string, string | number | boolean> = {},
  ): string {
    return `${toml({
      serverAddr: '127.0.0.1',
      serverPort,
      'auth.token': TOKEN,
      'transport.tls.trustedCaFile': pki.caCrt,
      'transport.tls.certFile': who.crt,
      'transport.tls.keyFile': who.key,
      ...extra,
    })}\n${proxies}`;
  }

  it('serves every endpoint after traffic: 401 without credentials, 200 with, loopback by default', async () => {
    const [bindPort, adminPort, remotePort] = [await freePort(), await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'frps-api.toml', serverToml(bindPort, adminPort)),
    ]);
    const url = await adminUrlOf(server);
    assert.equal(url, `http://127.0.0.1:${adminPort}`, 'bound to loopback by default');
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc-api.toml',
        clientToml(bindPort, { crt: pki.aliceCrt, key: pki.aliceKey }, tcpProxy('files', files.port, remotePort)),
      ),
    ]);
    await client.waitFor(/start proxy success/);
    assert.equal(sha256(await download(remotePort)), sha256(payload));

    assert.equal((await get(`${url}/healthz`)).status, 200, '/healthz needs no credentials');
    const paths = [
      '/api/serverinfo',
      '/api/proxy/tcp',
      '/api/proxy/tcp/files',
      '/api/traffic/files',
      '/api/clients',
      '/api/certificates',
      '/metrics',
    ];
    for (const [i, path] of paths.entries()) {
      assert.equal((await get(`${url}${path}`)).status, 401, `${path} without credentials`);
      // Fewer wrong guesses than ADMIN_AUTH_MAX_FAILURES: one more would back this address off (test/e2e/admin-auth-limit).
      if (i < ADMIN_AUTH_MAX_FAILURES - 1)
        assert.equal(
          (await get(`${url}${path}`, { auth: `${USER}:wrong` })).status,
          401,
          `${path} with a wrong password`,
        );
    }
    assert.equal(
      (await get(`${url}/api/serverinfo`, { auth: `${USER}:${PASSWORD}`, host: 'evil.example' })).status,
      403,
      'a foreign Host is refused',
    );

    const info = await getJson<{
      bindPort: number;
      clientCounts: number;
      curConns: number;
      proxyTypeCount: Record<string, number>;
      totalTrafficOut: number;
    }>(`${url}/api/serverinfo`);
    assert.equal(info.bindPort, bindPort);
    assert.equal(info.clientCounts, 1);
    assert.deepEqual(info.proxyTypeCount, { tcp: 1 });
    assert.ok(info.totalTrafficOut >= FILE_SIZE, `totalTrafficOut ${info.totalTrafficOut}`);

    const list = await getJson<{
      proxies: { name: string; status: string; todayTrafficOut: number; remoteAddr: string }[];
    }>(`${url}/api/proxy/tcp`);
    assert.deepEqual(
      list.proxies.map((p) => [p.name, p.status, p.remoteAddr]),
      [['files', 'online', `:${remotePort}`]],
    );
    assert.ok((list.proxies[0]?.todayTrafficOut ?? 0) >= FILE_SIZE);
    const one = await getJson<{ name: string; type: string; curConns: number }>(`${url}/api/proxy/tcp/files`);
    assert.deepEqual([one.name, one.type], ['files', 'tcp']);
    assert.equal((await get(`${url}/api/proxy/tcp/nope`, { auth: `${USER}:${PASSWORD}` })).status, 404);

    const traffic = await getJson<{ name: string; trafficIn: number[]; trafficOut: number[] }>(
      `${url}/api/traffic/files`,
    );
    assert.equal(traffic.trafficOut.length, 7);
    assert.ok((traffic.trafficOut[0] ?? 0) >= FILE_SIZE);

    const clients = await getJson<
      {
        runID: string;
        tls: { version: string; cipher: string; identity?: { cn: string; fingerprint: string } } | null;
      }[]
    >(`${url}/api/clients`);
    assert.equal(clients.length, 1);
    assert.match(clients[0]?.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.equal(clients[0]?.tls?.identity?.cn, 'alice');
    assert.match(clients[0]?.tls?.identity?.fingerprint ?? '', /^sha256:[0-9a-f]{64}$/);

    const certs = await getJson<{ role: string; daysLeft: number }[]>(`${url}/api/certificates`);
    assert.deepEqual(
      certs.map((c) => c.role),
      ['server', 'client CA', 'client'],
    );

    const metrics = await get(`${url}/metrics`, { auth: `${USER}:${PASSWORD}` });
    assert.equal(metrics.status, 200);
    const bytesOut = sample(metrics.body, 'burrow_proxy_bytes_out_total{proxy="files",identity="alice"}');
    assert.ok(bytesOut !== undefined && bytesOut >= FILE_SIZE, metrics.body);
    assert.equal(sample(metrics.body, 'burrow_clients{identity="alice"}'), 1);
    assert.equal(sample(metrics.body, 'burrow_proxies{type="tcp"}'), 1);

    await client.kill();
    await server.kill();
  });

  it('serves HTTPS with webServer.tls', async () => {
    const [bindPort, adminPort] = [await freePort(), await freePort()];
    const text = serverToml(bindPort, adminPort, {
      'webServer.tls.certFile': pki.serverCrt,
      'webServer.tls.keyFile': pki.serverKey,
    });
    const server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps-https.toml', text)]);
    const url = await adminUrlOf(server);
    assert.equal(url, `https://127.0.0.1:${adminPort}`);
    const ca = readFileSync(pki.caCrt);
    assert.equal((await get(`${url}/api/serverinfo`, { ca })).status, 401);
    const info = await getJson<{ bindPort: number }>(`${url}/api/serverinfo`, ca);
    assert.equal(info.bindPort, bindPort);
    await assert.rejects(get(`http://127.0.0.1:${adminPort}/api/serverinfo`), 'no plain HTTP on the HTTPS port');
    await server.kill();
  });

  it('a taken admin port fails the start with the reason, and nothing stays up', async () => {
    const [bindPort, adminPort] = [await freePort(), await freePort()];
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(adminPort, '127.0.0.1', resolve));
    try {
      const result = await runCli(['server', '-c', writeFile(dir, 'frps-taken.toml', serverToml(bindPort, adminPort))]);
      assert.notEqual(result.code, 0);
      assert.match(result.output, new RegExp(`admin API cannot listen on 127\\.0\\.0\\.1:${adminPort}`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('SIGHUP applies a new identity policy to new proxies; an invalid file is logged and the server keeps running', async () => {
    const [bindPort, adminPort, portA, portB] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const serverFile = writeFile(dir, 'frps-hup.toml', serverToml(bindPort, adminPort));
    const server = new BurrowProcess(['server', '-c', serverFile]);
    await server.waitFor(/burrow server listening/);
    const alice = { crt: pki.aliceCrt, key: pki.aliceKey };
    const first = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'frpc-hup-a.toml', clientToml(bindPort, alice, tcpProxy('a', files.port, portA))),
    ]);
    await first.waitFor(/start proxy success/);

    writeFile(dir, 'frps-hup.toml', `${serverToml(bindPort, adminPort)}\n[[auth.clients]]\nid = "bob"\n`);
    server.child.kill('SIGHUP');
    await server.waitFor(/server config reloaded/);
    const second = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'frpc-hup-b.toml', clientToml(bindPort, alice, tcpProxy('b', files.port, portB))),
    ]);
    await second.waitFor(/proxy refused by server/);
    assert.match(second.output, /client identity CN=alice[^"]* has no \[\[auth.clients\]\] entry/);
    assert.equal(sha256(await download(portA)), sha256(payload), 'the proxy opened before the reload goes on');

    writeFile(
      dir,
      'frps-hup.toml',
      serverToml(bindPort, adminPort).replace(`bindPort = ${bindPort}`, 'bindPort = "not a port"'),
    );
    server.child.kill('SIGHUP');
    const failed = await server.waitFor(/config reload failed/);
    assert.ok(failed.includes('frps-hup.toml'), failed);
    assert.match(failed, /bindPort/);
    assert.equal(sha256(await download(portA)), sha256(payload), 'still serving on the old settings');
    assert.equal(server.child.exitCode, null);

    await second.kill();
    await first.kill();
    await server.kill();
  });

  it('a reloaded CRL closes the live sessions of the certificates it revokes, and only those', async () => {
    const [bindPort, adminPort] = [await freePort(), await freePort()];
    const crl = join(dir, 'live-crl.pem');
    await cli(['ca', 'crl', '--dir', pki.ca]);
    copyFileSync(join(pki.ca, 'crl.pem'), crl);
    // Without tcpMux each logical connection carries its own client certificate.
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps-crl.toml',
        serverToml(bindPort, adminPort, { 'transport.tls.crlFile': crl, 'transport.tcpMux': false }),
      ),
    ]);
    const url = await adminUrlOf(server);
    const clients = [];
    for (const [name, crt, key] of [
      ['alice', pki.aliceCrt, pki.aliceKey],
      ['bob', pki.bobCrt, pki.bobKey],
    ] as const) {
      const c = new BurrowProcess([
        'client',
        '-c',
        writeFile(
          dir,
          `frpc-crl-${name}.toml`,
          clientToml(bindPort, { crt, key }, '', { 'transport.tcpMux': false, loginFailExit: false }),
        ),
      ]);
      await c.waitFor(/login to server success/);
      clients.push(c);
    }
    await cli(['ca', 'revoke', '--dir', pki.ca, pki.aliceCrt]);
    await cli(['ca', 'crl', '--dir', pki.ca]);
    copyFileSync(join(pki.ca, 'crl.pem'), crl);
    server.child.kill('SIGHUP');
    const closed = await server.waitFor(/client session closed by the server/);
    assert.match(closed, /CN=alice/);
    assert.match(closed, /revoked/);
    const online = await getJson<{ tls: { identity?: { cn: string } } }[]>(`${url}/api/clients`);
    assert.deepEqual(
      online.map((c) => c.tls.identity?.cn),
      ['bob'],
    );
    for (const c of clients) await c.kill();
    await server.kill();
  });

  it('SIGTERM lets a running download finish, refuses new connections meanwhile, then exits 0', async () => {
    const slowPayload = randomPayload(SLOW_SIZE);
    const slow = await startSlowService(slowPayload);
    const [bindPort, adminPort, remotePort] = [await freePort(), await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'frps-term.toml', serverToml(bindPort, adminPort)),
    ]);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc-term.toml',
        clientToml(bindPort, { crt: pki.aliceCrt, key: pki.aliceKey }, tcpProxy('slow', slow.port, remotePort)),
      ),
    ]);
    await client.waitFor(/start proxy success/);
    const downloading = download(remotePort);
    // Wait for the download to be under way, as the server counts it.
    const url = await adminUrlOf(server);
    for (let i = 0; i < 100; i += 1) {
      const info = await getJson<{ curConns: number }>(`${url}/api/serverinfo`);
      if (info.curConns === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.child.kill('SIGTERM');
    await server.waitFor(/draining/);
    assert.equal(await connectError(remotePort), 'ECONNREFUSED', 'no new user connection once draining');
    assert.equal(await connectError(bindPort), 'ECONNREFUSED', 'no new client connection once draining');
    const got = await downloading;
    assert.equal(got.length, SLOW_SIZE);
    assert.equal(sha256(got), sha256(slowPayload), 'the download in flight finished intact');
    assert.equal(await server.exited, 0);
    await client.kill();
    await slow.close();
  });

  it('a second SIGINT exits at once, cutting the drain', async () => {
    const slow = await startSlowService(randomPayload(SLOW_SIZE * 8));
    const [bindPort, adminPort, remotePort] = [await freePort(), await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(dir, 'frps-int.toml', serverToml(bindPort, adminPort)),
    ]);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc-int.toml',
        clientToml(bindPort, { crt: pki.aliceCrt, key: pki.aliceKey }, tcpProxy('slow', slow.port, remotePort)),
      ),
    ]);
    await client.waitFor(/start proxy success/);
    const downloading = download(remotePort);
    const url = await adminUrlOf(server);
    for (let i = 0; i < 100; i += 1) {
      if ((await getJson<{ curConns: number }>(`${url}/api/serverinfo`)).curConns === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.child.kill('SIGINT');
    await server.waitFor(/draining/);
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 1);
    const got = await downloading;
    assert.ok(got.length < SLOW_SIZE * 8, 'the download was cut');
    await client.kill();
    await slow.close();
  });
});
