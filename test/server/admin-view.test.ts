// ServerAdminView snapshots: server facts, clients with their TLS identity, proxies without secrets, traffic, certificates.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BurrowMetrics } from '../../src/observe/index.js';
import { defaultServerConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { initCa, issueCert } from '../../src/pki/index.js';
import { allowPortsString, daysLeft, ServerAdminView } from '../../src/server/admin-view.js';
import { ServerControl, type ControlHost } from '../../src/server/control.js';
import type { ServerProxy } from '../../src/server/proxies/proxy.js';
import { ProxyLedger } from '../../src/server/proxy-ledger.js';
import { TrafficMeter } from '../../src/server/traffic.js';
import { buildServerTls, identityOf, type ServerTls } from '../../src/tls/index.js';
import type { ControlChannel } from '../../src/wire/index.js';
import { removeDir, scratchDir } from '../e2e/harness.js';

const DAY_MS = 86_400_000;

/** A control of a logged-in client over a stream that goes nowhere (never started). */
function control(runId: string, tls: ServerControl['peer']['tls']): ServerControl {
  const channel: ControlChannel = {
    version: 'v2',
    algorithm: 'aes-256-gcm',
    stream: new PassThrough(),
    read: () => new Promise(() => undefined),
    write: () => true,
  };
  // Never asked to register proxies here: the control is not started.
  const host: ControlHost = {
    config: defaultServerConfig(),
    registerProxy: () => Promise.reject(new Error('not used')),
    proxyStarted: () => undefined,
    unregisterProxy: () => undefined,
  };
  const login = {
    version: '0.70.0',
    hostname: 'laptop',
    os: 'linux',
    arch: 'amd64',
    user: 'alice',
    client_id: 'c1',
    run_id: runId,
  };
  return new ServerControl(
    runId,
    login,
    { remoteAddress: '127.0.0.1:5000', ...(tls ? { tls } : {}) },
    channel,
    Buffer.alloc(16),
    host,
    silentLogger(),
  );
}

function proxy(name: string, type: string, request: Record<string, unknown>): ServerProxy {
  return {
    name,
    type,
    owner: {
      runId: 'run-a',
      poolCount: 0,
      encryptionKey: Buffer.alloc(16),
      logger: silentLogger(),
      userConnIdleTimeoutMs: 0,
      getWorkConn: () => Promise.reject(new Error('none')),
    },
    request: { proxy_name: name, proxy_type: type, ...request },
    portsUsed: 0,
    meter: new TrafficMeter(),
    start: () => Promise.resolve(''),
    close: () => undefined,
  };
}

describe('ServerAdminView', () => {
  const dir = scratchDir();
  let tls: ServerTls;
  let aliceIdentity: ReturnType<typeof identityOf>;

  before(async () => {
    const ca = join(dir, 'ca');
    await initCa({ dir: ca, name: 'view test CA', days: 100 });
    const server = await issueCert({
      caDir: ca,
      kind: 'server',
      names: ['127.0.0.1'],
      out: join(dir, 'server'),
      days: 30,
    });
    const alice = await issueCert({ caDir: ca, kind: 'client', names: ['alice'], out: join(dir, 'alice'), days: 10 });
    tls = await buildServerTls({
      certFile: server.certFile,
      keyFile: server.keyFile,
      trustedCaFile: join(ca, 'ca.crt'),
      force: false,
      stateDir: dir,
    });
    aliceIdentity = identityOf(new X509Certificate(alice.certPem));
  });

  after(() => removeDir(dir));

  function view(controls: ServerControl[], ledger: ProxyLedger): ServerAdminView {
    const config = defaultServerConfig();
    config.vhostHTTPPort = 8080;
    config.subDomainHost = 'example.com';
    config.allowPorts = [
      { start: 1000, end: 1002 },
      { start: 2000, end: 2000 },
    ];
    return new ServerAdminView({
      config: () => config,
      startedAt: new Date('2025-01-02T03:04:05.000Z'),
      ledger,
      logger: silentLogger(),
      boundPort: () => 7123,
      controls: () => controls,
      currentTls: () => tls,
    });
  }

  it('info: ports, totals, counts by type and frp echo fields', () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    const web = proxy('web', 'tcp', {});
    ledger.register(web, { runId: 'run-a', user: 'alice', clientId: 'c1', identity: 'alice' });
    ledger.started(web, ':6000');
    web.meter.addIn(3);
    web.meter.addOut(4);
    const info = view([control('run-a', undefined)], ledger).info();
    assert.equal(info.bindPort, 7123);
    assert.equal(info.vhostHTTPPort, 8080);
    assert.equal(info.subdomainHost, 'example.com');
    assert.equal(info.startTime, '2025-01-02T03:04:05.000Z');
    assert.equal(info.clientCounts, 1);
    assert.deepEqual(info.proxyTypeCount, { tcp: 1 });
    assert.deepEqual([info.totalTrafficIn, info.totalTrafficOut, info.curConns], [3, 4, 0]);
    assert.equal(info.allowPortsStr, '1000-1002,2000');
    assert.equal(info.heartbeatTimeout, defaultServerConfig().transport.heartbeatTimeout);
    assert.equal(info.maxPoolCount, defaultServerConfig().transport.maxPoolCount);
  });

  it('clients: login facts, wire and cipher, TLS state with the certificate identity', () => {
    const tlsFacts = { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', identity: aliceIdentity };
    const [c] = view([control('run-a', tlsFacts)], new ProxyLedger(new BurrowMetrics())).clients();
    assert.ok(c);
    assert.equal(c.runId, 'run-a');
    assert.equal(c.clientId, 'c1');
    assert.deepEqual([c.user, c.hostname, c.os, c.arch, c.version], ['alice', 'laptop', 'linux', 'amd64', '0.70.0']);
    assert.deepEqual([c.wire, c.controlCipher, c.remoteAddress], ['v2', 'aes-256-gcm', '127.0.0.1:5000']);
    assert.equal(c.tls?.version, 'TLSv1.3');
    assert.equal(c.tls?.identity?.cn, 'alice');
    assert.equal(c.tls?.identity?.fingerprint, aliceIdentity.fingerprint);
    assert.ok(!Number.isNaN(Date.parse(c.connectedSince)));
  });

  it('proxies and traffic: secrets stripped from conf, offline ones with their close time', () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    const secret = proxy('db', 'stcp', { sk: 'hush', use_encryption: true });
    const site = proxy('site', 'http', { http_pwd: 'pw', http_user: 'u', custom_domains: ['a.example.com'] });
    for (const p of [secret, site]) {
      ledger.register(p, { runId: 'run-a', user: '', clientId: '', identity: '' });
      ledger.started(p, p.name === 'site' ? 'a.example.com' : '');
    }
    site.meter.addOut(42);
    ledger.closed(site);
    const v = view([], ledger);
    const byName = Object.fromEntries(v.proxies().map((p) => [p.name, p]));
    assert.equal(byName.db?.status, 'online');
    assert.equal(byName.db?.conf.sk, undefined);
    assert.equal(byName.db?.conf.use_encryption, true);
    assert.equal(byName.site?.status, 'offline');
    assert.equal(byName.site?.conf.http_pwd, undefined);
    assert.equal(byName.site?.conf.http_user, 'u');
    assert.notEqual(byName.site?.lastCloseTime, '');
    assert.equal(byName.site?.todayTrafficOut, 42);
    assert.equal(v.traffic('site')?.trafficOut[0], 42);
    assert.equal(v.traffic('site')?.trafficOut.length, 7);
    assert.equal(v.traffic('nope'), undefined);
  });

  it('certificates: the server certificate, the client CA and connected clients, with days left', () => {
    const tlsFacts = { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', identity: aliceIdentity };
    const certs = view(
      [control('run-a', tlsFacts), control('run-b', tlsFacts)],
      new ProxyLedger(new BurrowMetrics()),
    ).certificates();
    assert.deepEqual(
      certs.map((c) => c.role),
      ['server', 'client CA', 'client'],
      'one entry per client certificate',
    );
    const [server, ca, client] = certs;
    assert.ok(server && ca && client);
    assert.ok(server.daysLeft >= 29 && server.daysLeft <= 30, `server ${server.daysLeft}`);
    assert.ok(ca.daysLeft >= 99 && ca.daysLeft <= 100, `CA ${ca.daysLeft}`);
    assert.ok(client.daysLeft >= 9 && client.daysLeft <= 10, `client ${client.daysLeft}`);
    assert.match(ca.subject, /view test CA/);
    assert.match(server.fingerprint, /^sha256:[0-9a-f]{64}$/);
  });

  it('helpers: frp allowPortsStr and whole days left', () => {
    assert.equal(allowPortsString([]), '');
    assert.equal(
      allowPortsString([
        { start: 1, end: 1 },
        { start: 5, end: 9 },
      ]),
      '1,5-9',
    );
    const now = Date.UTC(2025, 0, 1);
    assert.equal(daysLeft(new Date(now + 10 * DAY_MS + 5), now), 10);
    assert.equal(daysLeft(new Date(now - DAY_MS / 2), now), -1);
  });
});
