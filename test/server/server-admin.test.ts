// BurrowServer in process: its admin view and metrics after real traffic, the admin API it starts, and a clean failed start.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { defaultProxyConfig } from '../../src/index.js';
import type { BurrowServer } from '../../src/server/index.js';
import { download, freePort, randomPayload, removeDir, scratchDir, sha256, startFileServer } from '../e2e/harness.js';
import { clientConfig, get, serverConfig, startClient, startTestServer, TOKEN, waitUntil } from './server-fixtures.js';

const USER = 'admin';
const PASSWORD = 'server-admin-test';
const PAYLOAD_SIZE = 512 * 1024;
/** Upper bound of one test here. */
const TEST_TIMEOUT_MS = 30_000;

/** The value of one sample line in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('BurrowServer admin view, metrics and admin API', () => {
  const dir = scratchDir();
  const payload = randomPayload(PAYLOAD_SIZE);
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let server: BurrowServer;

  before(async () => {
    files = await startFileServer(payload);
    const config = await serverConfig(dir);
    config.webServer.port = await freePort();
    config.webServer.user = USER;
    config.webServer.password = PASSWORD;
    config.enablePrometheus = true;
    config.allowPorts = [{ start: 1024, end: 65535 }];
    server = await startTestServer(config);
  });

  after(async () => {
    await server?.close();
    await files?.close();
    removeDir(dir);
  });

  it(
    'shows a live client and proxy with its traffic, in the view, the API and the metrics',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      assert.match(server.adminUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const { config, remotePorts } = await clientConfig(server, { files: files.port });
      config.proxies.push({ ...defaultProxyConfig('hidden', 'stcp'), localPort: files.port, secretKey: 'not-served' });
      const client = await startClient(config, ['files', 'hidden']);
      try {
        const got = await download(remotePorts.files!);
        assert.equal(sha256(got), sha256(payload));
        await waitUntil('the connection to be counted closed', () => server.view.info().curConns === 0);

        const info = server.view.info();
        assert.equal(info.clientCounts, 1);
        assert.deepEqual(info.proxyTypeCount, { tcp: 1, stcp: 1 });
        assert.equal(info.bindPort, server.address.port);
        assert.equal(info.allowPortsStr, '1024-65535');
        assert.ok(info.totalTrafficOut >= PAYLOAD_SIZE, `totalTrafficOut ${info.totalTrafficOut}`);

        const [c] = server.view.clients();
        assert.ok(c);
        assert.match(c.wire, /^v[12]$/);
        assert.notEqual(c.controlCipher, '');
        assert.match(c.tls?.version ?? '', /^TLSv1\.[23]$/);
        assert.equal(c.tls?.identity, undefined, 'no client certificate');
        assert.ok(Date.parse(c.connectedSince) <= Date.now());

        const p = server.view.proxies().find((x) => x.name === 'files');
        assert.ok(p);
        assert.equal(p.name, 'files');
        assert.equal(p.status, 'online');
        assert.equal(p.remoteAddr, `:${remotePorts.files}`);
        assert.equal(p.runId, c.runId);
        assert.ok(p.todayTrafficOut >= PAYLOAD_SIZE);
        assert.equal(p.conf.proxy_name, 'files');
        const hidden = server.view.proxies().find((x) => x.name === 'hidden');
        assert.equal(hidden?.conf.proxy_type, 'stcp');
        assert.equal(hidden?.conf.sk, undefined, 'the secret key is not served');
        assert.ok((server.view.traffic('files')?.trafficOut[0] ?? 0) >= PAYLOAD_SIZE);
        assert.equal(server.view.traffic('nope'), undefined);
        const roles = server.view.certificates().map((cert) => cert.role);
        assert.deepEqual(roles, ['server']);
        assert.ok((server.view.certificates()[0]?.daysLeft ?? 0) > 300);

        const url = server.adminUrl!;
        assert.equal((await get(`${url}/api/serverinfo`)).status, 401);
        const proxies = await get(`${url}/api/proxy/tcp`, `${USER}:${PASSWORD}`);
        assert.equal(proxies.status, 200);
        assert.equal((JSON.parse(proxies.body) as { proxies: { name: string }[] }).proxies[0]?.name, 'files');
        const metrics = await get(`${url}/metrics`, `${USER}:${PASSWORD}`);
        assert.equal(metrics.status, 200);
        const bytesOut = sample(metrics.body, 'burrow_proxy_bytes_out_total{proxy="files",identity="none"}');
        assert.ok(bytesOut !== undefined && bytesOut >= PAYLOAD_SIZE, metrics.body);
        assert.equal(sample(metrics.body, 'burrow_proxy_connections_total{proxy="files",identity="none"}'), 1);
        assert.equal(sample(metrics.body, 'burrow_proxies{type="tcp"}'), 1);
        assert.equal(sample(metrics.body, 'burrow_clients{identity="none"}'), 1);
      } finally {
        await client.close();
      }

      // The closed proxy stays listed as offline with its counters; the metric counters keep their totals.
      await waitUntil('the proxies to go offline', () => server.view.proxies().every((x) => x.status === 'offline'));
      const offline = server.view.proxies().find((x) => x.name === 'files')!;
      assert.notEqual(offline.lastCloseTime, '');
      assert.ok(offline.todayTrafficOut >= PAYLOAD_SIZE);
      assert.equal(server.view.info().clientCounts, 0);
      assert.deepEqual(server.view.info().proxyTypeCount, {});
      const text = await server.metrics.metricsText();
      assert.ok((sample(text, 'burrow_proxy_bytes_out_total{proxy="files",identity="none"}') ?? 0) >= PAYLOAD_SIZE);
      assert.equal(sample(text, 'burrow_proxies{type="tcp"}'), 0);
      assert.equal(sample(text, 'burrow_clients{identity="none"}'), undefined);

      // Back under the same name: online again, today's traffic carried over.
      const again = await clientConfig(server, { files: files.port });
      const client2 = await startClient(again.config, ['files']);
      try {
        const listed = server.view.proxies().filter((x) => x.name === 'files');
        assert.equal(listed.length, 1, 'one entry per name');
        assert.equal(listed[0]?.status, 'online');
        assert.ok((listed[0]?.todayTrafficOut ?? 0) >= PAYLOAD_SIZE);
      } finally {
        await client2.close();
      }
    },
  );

  it('counts handshake failures and refused logins by reason', { timeout: TEST_TIMEOUT_MS }, async () => {
    const plain = net.connect({ host: '127.0.0.1', port: server.address.port });
    await new Promise<void>((resolve) => plain.once('connect', resolve));
    // A TLS record header followed by garbage: the TLS handshake fails.
    plain.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    plain.resume();
    await new Promise<void>((resolve) => plain.once('close', () => resolve()));

    const { config } = await clientConfig(server, {});
    config.auth.token = `${TOKEN}-wrong`;
    config.loginFailExit = true;
    await assert.rejects(startClient(config, []));
    const text = await server.metrics.metricsText();
    assert.equal(sample(text, 'burrow_login_failures_total{reason="bad_token",identity="none"}'), 1);
    assert.equal(sample(text, 'burrow_handshake_failures_total{reason="tls_handshake"}'), 1);
  });
});

describe('BurrowServer start failure', () => {
  it('a taken admin port fails start() and leaves nothing listening', { timeout: TEST_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const config = await serverConfig(dir);
      config.webServer.port = (blocker.address() as net.AddressInfo).port;
      await assert.rejects(startTestServer(config), (err: unknown) => isBurrowError(err, ErrorCode.NETWORK));
      // The bind port was released: it can be bound again at once.
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(config.bindPort, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      removeDir(dir);
    }
  });
});
