// e2e attack: a real server and client with a planted secret in every secret-bearing field; every admin endpoint
// of both (listed from the router itself) is read with valid credentials and no answer may contain any of them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { BurrowMetrics } from '../../src/observe/index.js';
import { REDACTED } from '../../src/observe/redact.js';
import { adminRoutes } from '../../src/admin/server.js';
import { fakeClientView, fakeServerView } from '../admin/fakes.js';
import { BurrowProcess, freePort, killAll, removeDir, scratchDir, startEchoServer, writeFile } from './harness.js';
import { httpGet, startHttpOrigin } from './proxy-helpers.js';

/** Every planted secret: distinctive strings that no answer may contain. */
const S = {
  token: 'PLANTEDtoken4b7e19c2',
  serverWebPassword: 'PLANTEDserverweb81d0a6',
  clientWebPassword: 'PLANTEDclientweb3c59f7',
  groupKey: 'PLANTEDgroupkey6e2a90',
  meta: 'PLANTEDmeta0f4c8b',
  httpPassword: 'PLANTEDhttppw95d3e1',
  headerAuth: 'PLANTEDauthz27c6f4',
  headerCookie: 'PLANTEDcookie5a81d3',
  responseHeader: 'PLANTEDresphdr7d0b92',
  sk: 'PLANTEDsk1e9f6a',
  visitorSk: 'PLANTEDvisitorsk48c2d7',
};
const SECRETS = Object.values(S);
const USER = 'ops';
/** Each admin request must answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  body: string;
}

function request(port: number, method: string, path: string, password: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}` };
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

/** Fails naming the endpoint and the secret when `body` holds any planted secret. */
function assertClean(what: string, body: string): void {
  for (const secret of SECRETS)
    assert.ok(!body.includes(secret), `${what} serves the planted secret ${secret}:\n${body.slice(0, 2000)}`);
}

/** The concrete paths of a route pattern: every :type and :name the server knows. */
function expand(pattern: string, proxies: { name: string; type: string }[]): string[] {
  if (pattern.includes(':type') && pattern.includes(':name')) {
    return proxies.map((p) => pattern.replace(':type', p.type).replace(':name', encodeURIComponent(p.name)));
  }
  if (pattern.includes(':type'))
    return [...new Set(proxies.map((p) => p.type))].map((t) => pattern.replace(':type', t));
  if (pattern.includes(':name')) return proxies.map((p) => pattern.replace(':name', encodeURIComponent(p.name)));
  return [pattern];
}

describe('no admin endpoint of server or client serves a secret', () => {
  let dir: string;
  let serverWeb: number;
  let clientWeb: number;
  let vhostPort: number;
  let clientConfig: string;
  let clientFile: string;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;

  before(async () => {
    dir = scratchDir();
    echo = await startEchoServer();
    origin = await startHttpOrigin((req, res) => res.end(`auth=${req.headers.authorization ?? ''}`));
    const [bindPort, tcpPort, visitorPort, badVisitorPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    [serverWeb, clientWeb, vhostPort] = [await freePort(), await freePort(), await freePort()];
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
          `auth.token = "${S.token}"`,
          `stateDir = "${dir}/state"`,
          'enablePrometheus = true',
          'webServer.addr = "127.0.0.1"',
          `webServer.port = ${serverWeb}`,
          `webServer.user = "${USER}"`,
          `webServer.password = "${S.serverWebPassword}"`,
          '',
        ].join('\n'),
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    clientConfig = [
      'serverAddr = "127.0.0.1"',
      `serverPort = ${bindPort}`,
      `auth.token = "${S.token}"`,
      'transport.tls.enable = true',
      'webServer.addr = "127.0.0.1"',
      `webServer.port = ${clientWeb}`,
      `webServer.user = "${USER}"`,
      `webServer.password = "${S.clientWebPassword}"`,
      '',
      '[[proxies]]',
      'name = "grouped"',
      'type = "tcp"',
      `localPort = ${echo.port}`,
      `remotePort = ${tcpPort}`,
      'loadBalancer.group = "g1"',
      `loadBalancer.groupKey = "${S.groupKey}"`,
      `metadatas.owner = "${S.meta}"`,
      '',
      '[[proxies]]',
      'name = "site"',
      'type = "http"',
      `localPort = ${origin.port}`,
      'customDomains = ["site.example.test"]',
      'httpUser = "visitor"',
      `httpPassword = "${S.httpPassword}"`,
      `requestHeaders.set.Authorization = "Bearer ${S.headerAuth}"`,
      `requestHeaders.set.Cookie = "session=${S.headerCookie}"`,
      `responseHeaders.set.X-Internal = "${S.responseHeader}"`,
      '',
      '[[proxies]]',
      'name = "vault"',
      'type = "stcp"',
      `localPort = ${echo.port}`,
      `secretKey = "${S.sk}"`,
      '',
      '[[visitors]]',
      'name = "to-vault"',
      'type = "stcp"',
      'serverName = "vault"',
      `secretKey = "${S.sk}"`,
      'bindAddr = "127.0.0.1"',
      `bindPort = ${visitorPort}`,
      '',
      '[[visitors]]',
      'name = "to-vault-bad"',
      'type = "stcp"',
      'serverName = "vault"',
      `secretKey = "${S.visitorSk}"`,
      'bindAddr = "127.0.0.1"',
      `bindPort = ${badVisitorPort}`,
      '',
    ].join('\n');
    clientFile = writeFile(dir, 'frpc.toml', clientConfig);
    const client = new BurrowProcess(['client', '-c', clientFile]);
    await client.waitForCount(/start proxy success/, 3);
    // The http proxy really carries the planted header: the secret is live, not just in a file.
    const through = await httpGet(vhostPort, 'site.example.test', '/', {
      Authorization: `Basic ${Buffer.from(`visitor:${S.httpPassword}`).toString('base64')}`,
    });
    assert.equal(through.body.toString(), `auth=Bearer ${S.headerAuth}`);
  });

  after(async () => {
    await killAll();
    await echo?.close();
    await origin?.close();
    removeDir(dir);
  });

  it('server: every GET route of the router, for every proxy, answers without any planted secret', async () => {
    const list = await request(serverWeb, 'GET', '/api/proxies', S.serverWebPassword);
    assert.equal(list.status, 200);
    const proxies = (
      JSON.parse(list.body) as { proxies: { name: string; type: string; conf: Record<string, unknown> }[] }
    ).proxies;
    assert.deepEqual(proxies.map((p) => p.name).sort(), ['grouped', 'site', 'vault']);
    // The fields did reach the server (so they would be served if not redacted): names shown, values masked.
    const site = proxies.find((p) => p.name === 'site')!;
    assert.deepEqual(site.conf.headers, { Authorization: REDACTED, Cookie: REDACTED });
    assert.deepEqual(site.conf.response_headers, { 'X-Internal': REDACTED });
    const grouped = proxies.find((p) => p.name === 'grouped')!;
    assert.deepEqual(grouped.conf.metas, { owner: REDACTED });
    assert.equal(grouped.conf.group, 'g1');
    assert.ok(!('group_key' in grouped.conf) && !('sk' in proxies.find((p) => p.name === 'vault')!.conf));

    const routes = adminRoutes({ view: fakeServerView(), metrics: new BurrowMetrics(), enablePrometheus: true }).filter(
      (r) => r.method === 'GET',
    );
    let walked = 0;
    for (const route of routes) {
      for (const path of expand(route.pattern, proxies)) {
        const answer = await request(serverWeb, 'GET', path, S.serverWebPassword);
        assert.equal(answer.status, 200, `GET ${path}: ${answer.body}`);
        assertClean(`server GET ${path}`, answer.body);
        walked++;
      }
    }
    assert.ok(walked >= routes.length, `walked ${walked} paths`);
  });

  it('client: every GET route answers without a planted secret; a PUT of the masked config keeps every secret on disk', async () => {
    const routes = adminRoutes({ view: fakeClientView() });
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const answer = await request(clientWeb, 'GET', route.pattern, S.clientWebPassword);
      assert.equal(answer.status, 200, `GET ${route.pattern}: ${answer.body}`);
      assertClean(`client GET ${route.pattern}`, answer.body);
    }
    const masked = (await request(clientWeb, 'GET', '/api/config', S.clientWebPassword)).body;
    assert.match(masked, /auth\.token = "<redacted>"/);
    assert.match(masked, /requestHeaders\.set\.Authorization = "<redacted>"/);
    assert.ok(
      routes.some((r) => r.method === 'PUT' && r.pattern === '/api/config'),
      'the router has PUT /api/config',
    );
    // The dashboard's editor round trip: the masked text, edited, sent back.
    const edited = `# edited through the admin API\n${masked}`;
    const put = await request(clientWeb, 'PUT', '/api/config', S.clientWebPassword, edited);
    assert.equal(put.status, 200, put.body);
    assertClean('client PUT /api/config', put.body);
    assert.equal(
      readFileSync(clientFile, 'utf8'),
      `# edited through the admin API\n${clientConfig}`,
      'every secret is kept on disk',
    );
    const reload = await request(clientWeb, 'GET', '/api/reload', S.clientWebPassword);
    assert.equal(reload.status, 200, reload.body);
    assertClean('client GET /api/reload', reload.body);
    // A mask where the config in use has no secret is refused, not written.
    const bogus = await request(
      clientWeb,
      'PUT',
      '/api/config',
      S.clientWebPassword,
      `${clientConfig}\n[[proxies]]\nname = "new"\ntype = "stcp"\nlocalPort = 1\nsecretKey = "<redacted>"\n`,
    );
    assert.equal(bogus.status, 400, bogus.body);
    assert.match(bogus.body, /proxies\.3\.secretKey/);
  });
});
