// BurrowServer operations in process: reload (policy, TLS, restart-only keys), closing sessions, graceful drain, CRL on reload.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_PORTS_PER_CLIENT } from '../../src/config/defaults.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { connect, generateCrl, initCa, issueCert, revoke } from '../../src/index.js';
import type { BurrowServer } from '../../src/server/index.js';
import { download, randomPayload, removeDir, scratchDir, sha256 } from '../e2e/harness.js';
import {
  clientConfig,
  proxyPhase,
  serverConfig,
  startClient,
  startSlowService,
  startTestServer,
  waitUntil,
} from './server-fixtures.js';

/** Upper bound of one test here. */
const TEST_TIMEOUT_MS = 30_000;
/** The slow download: 1 MiB in 64 KiB pieces every 40 ms (about 0.7 s). */
const SLOW_SIZE = 1024 * 1024;
const SLOW_CHUNK = 64 * 1024;
const SLOW_EVERY_MS = 40;

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

describe('BurrowServer.reload and closeSessionsOf', () => {
  const dir = scratchDir();
  let server: BurrowServer;

  before(async () => {
    server = await startTestServer(await serverConfig(dir));
  });

  after(async () => {
    await server?.close();
    removeDir(dir);
  });

  it(
    'applies a new [[auth.clients]] policy to new proxies and reports keys that need a restart',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const slow = await startSlowService(randomPayload(SLOW_SIZE), SLOW_CHUNK, SLOW_EVERY_MS);
      const first = await clientConfig(server, { before: slow.port });
      const client = await startClient(first.config, ['before']);
      try {
        const next = structuredClone(server.config);
        next.auth.clients = [{ id: 'alice', allowProxies: ['web'], allowPorts: [], allowDomains: [] }];
        next.maxPortsPerClient = 5;
        const result = await server.reload(next);
        assert.deepEqual(result, { restartNeeded: ['maxPortsPerClient'], revoked: [] });
        assert.equal(server.config.auth.clients.length, 1);
        assert.equal(
          server.config.maxPortsPerClient,
          DEFAULT_MAX_PORTS_PER_CLIENT,
          'a restart-only key is not applied',
        );

        // The running proxy goes on; a new one from a client without a certificate is refused now.
        assert.equal(server.view.proxies().find((p) => p.name === 'before')?.status, 'online');
        const second = await clientConfig(server, { after: slow.port });
        const client2 = await connect(second.config);
        try {
          const refused = await proxyPhase(client2, 'after', 'error');
          assert.match(refused.error, /no client certificate/);
          assert.equal(
            server.view.proxies().find((p) => p.name === 'after'),
            undefined,
          );
        } finally {
          await client2.close();
        }
      } finally {
        await client.close();
        await slow.close();
      }
    },
  );

  it(
    'keeps the running TLS material and policy when the new TLS files are broken',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const fingerprint = server.tlsFingerprint;
      const policies = server.config.auth.clients;
      const next = structuredClone(server.config);
      next.auth.clients = [];
      next.transport.tls.certFile = join(dir, 'missing.crt');
      next.transport.tls.keyFile = join(dir, 'missing.key');
      await assert.rejects(
        server.reload(next),
        (err: unknown) => isBurrowError(err, ErrorCode.TLS) && /missing\.crt/.test(String(err)),
      );
      assert.equal(server.tlsFingerprint, fingerprint);
      assert.equal(server.config.auth.clients, policies);
      assert.equal(server.config.transport.tls.certFile, '');
    },
  );

  it('closeSessionsOf ends the matching client sessions and their proxies', { timeout: TEST_TIMEOUT_MS }, async () => {
    const next = structuredClone(server.config);
    next.auth.clients = [];
    await server.reload(next);
    const slow = await startSlowService(randomPayload(SLOW_SIZE), SLOW_CHUNK, SLOW_EVERY_MS);
    const { config } = await clientConfig(server, { victim: slow.port });
    config.loginFailExit = false;
    const client = await startClient(config, ['victim']);
    try {
      const runIds = server.clientRunIds();
      assert.equal(runIds.length, 1);
      assert.deepEqual(
        server.closeSessionsOf((peer) => peer.remoteAddress.startsWith('127.0.0.1:'), 'test says so'),
        runIds,
      );
      assert.deepEqual(
        server.closeSessionsOf(() => true, 'nothing left'),
        [],
      );
      assert.equal(server.view.proxies().find((p) => p.name === 'victim')?.status, 'offline');
    } finally {
      await client.close();
      await slow.close();
    }
  });
});

describe('BurrowServer.close({ drainMs })', () => {
  it(
    'lets a running download finish, refuses new connections meanwhile, then closes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const dir = scratchDir();
      const payload = randomPayload(SLOW_SIZE);
      const slow = await startSlowService(payload, SLOW_CHUNK, SLOW_EVERY_MS);
      const server = await startTestServer(await serverConfig(dir));
      const { config, remotePorts } = await clientConfig(server, { slow: slow.port });
      const client = await startClient(config, ['slow']);
      try {
        const downloading = download(remotePorts.slow!);
        await waitUntil('the download to start', () => server.view.info().curConns === 1);
        const bindPort = server.address.port;
        const closing = server.close({ drainMs: TEST_TIMEOUT_MS });
        assert.equal(await connectError(remotePorts.slow!), 'ECONNREFUSED', 'the public port is closed at once');
        assert.equal(await connectError(bindPort), 'ECONNREFUSED', 'the bind port too');
        const got = await downloading;
        assert.equal(sha256(got), sha256(payload), 'the download in flight finished intact');
        await closing;
      } finally {
        await client.close();
        await server.close();
        await slow.close();
        removeDir(dir);
      }
    },
  );

  it('cuts what is still running at the deadline', { timeout: TEST_TIMEOUT_MS }, async () => {
    const dir = scratchDir();
    // About 40 s at this pace: far beyond the deadline.
    const slow = await startSlowService(randomPayload(SLOW_SIZE), 1024, SLOW_EVERY_MS);
    const server = await startTestServer(await serverConfig(dir));
    const { config, remotePorts } = await clientConfig(server, { slow: slow.port });
    const client = await startClient(config, ['slow']);
    try {
      const downloading = download(remotePorts.slow!);
      await waitUntil('the download to start', () => server.view.info().curConns === 1);
      await server.close({ drainMs: 200 });
      const got = await downloading;
      assert.ok(got.length < SLOW_SIZE, `cut after ${got.length} bytes`);
    } finally {
      await client.close();
      await slow.close();
      removeDir(dir);
    }
  });
});

describe('reloaded CRL', () => {
  it(
    'closes the live sessions whose client certificate it now revokes, and only those',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const dir = scratchDir();
      const ca = join(dir, 'ca');
      await initCa({ dir: ca, name: 'ops test CA' });
      const serverCert = await issueCert({ caDir: ca, kind: 'server', names: ['127.0.0.1'], out: join(dir, 'server') });
      const alice = await issueCert({ caDir: ca, kind: 'client', names: ['alice'], out: join(dir, 'alice') });
      const bob = await issueCert({ caDir: ca, kind: 'client', names: ['bob'], out: join(dir, 'bob') });
      const crlFile = join(dir, 'live-crl.pem');
      copyFileSync((await generateCrl({ dir: ca })).crlFile, crlFile);

      const config = await serverConfig(dir);
      config.transport.tls = {
        ...config.transport.tls,
        certFile: serverCert.certFile,
        keyFile: serverCert.keyFile,
        trustedCaFile: join(ca, 'ca.crt'),
        crlFile,
      };
      // Each logical connection is its own TLS connection without tcpMux.
      config.transport.tcpMux = false;
      const server = await startTestServer(config);
      const clients = [];
      try {
        for (const who of [alice, bob]) {
          const { config: c } = await clientConfig(server, {});
          c.transport.tcpMux = false;
          c.transport.tls.certFile = who.certFile;
          c.transport.tls.keyFile = who.keyFile;
          c.loginFailExit = false;
          clients.push(await startClient(c, []));
        }
        await waitUntil('both clients', () => server.view.clients().length === 2);
        await revoke({ dir: ca, serialOrCertPem: alice.certPem });
        copyFileSync((await generateCrl({ dir: ca })).crlFile, crlFile);
        await server.reloadTls();
        await waitUntil('alice to be gone', () => server.view.clients().every((c) => c.tls?.identity?.cn !== 'alice'));
        assert.deepEqual(
          server.view.clients().map((c) => c.tls?.identity?.cn),
          ['bob'],
        );
      } finally {
        for (const client of clients) await client.close();
        await server.close();
        removeDir(dir);
      }
    },
  );
});
