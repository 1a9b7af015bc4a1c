// e2e: the tls2raw client plugin through the real CLI, driven by `openssl s_client`: TLS terminated with a certificate from
// `burrow cert issue` (verified against the burrow CA), the plain bytes relayed to a local TCP service and its answer back,
// the PROXY header first when asked, an unreachable localAddr closing that connection (logged), and a missing keyPath
// failing only that proxy.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProxyHeader } from '../../../src/net/proxy-protocol.js';
import { freePort, killAll, removeDir, runCli, type BurrowProcess } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import { burrowCert, pluginProxy, sClient } from './forward-helpers.js';

const HOST = 'raw.test';

/** Where a connection's payload starts: after a PROXY header when `withHeader`; undefined while the header is incomplete. */
function payloadStart(seen: Buffer, withHeader: boolean): number | undefined {
  if (!withHeader) return 0;
  return decodeProxyHeader(seen)?.headerBytes;
}

/**
 * A line service on two ports: answers "got: <line>" to the first line and closes. `pp` expects a PROXY header first
 * (kept in `headers`); `plain` expects none.
 */
async function startLineService(): Promise<{
  plain: number;
  pp: number;
  headers: Buffer[];
  close: () => Promise<void>;
}> {
  const headers: Buffer[] = [];
  const make = (withHeader: boolean): net.Server =>
    net.createServer((socket) => {
      let seen = Buffer.alloc(0);
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        const start = payloadStart(seen, withHeader);
        if (start === undefined) return;
        const line = seen.subarray(start).toString('utf8');
        if (!line.endsWith('\n')) return;
        if (withHeader) headers.push(seen.subarray(0, start));
        socket.end(`got: ${line}`);
      });
    });
  const servers = [make(false), make(true)];
  const ports: number[] = [];
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as net.AddressInfo).port);
  }
  return {
    plain: ports[0]!,
    pp: ports[1]!,
    headers,
    close: async () => {
      for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('tls2raw plugin through the real CLI', () => {
  let dir = '';
  let service: Awaited<ReturnType<typeof startLineService>>;
  let client: BurrowProcess;
  let ca = '';
  const ports = { tcp: 0, withHeader: 0, down: 0, broken: 0, admin: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const issued = await burrowCert(dir, [HOST]);
    ca = issued.ca;
    service = await startLineService();
    await startServer(dir, serverToml(s.bindPort, dir));
    const plugin = (localPort: number, key = issued.key): string[] => [
      'type = "tls2raw"',
      `localAddr = "127.0.0.1:${localPort}"`,
      `crtPath = "${issued.cert}"`,
      `keyPath = "${key}"`,
    ];
    const body = [
      ...pluginProxy('raw', ['type = "tcp"', `remotePort = ${ports.tcp}`], plugin(service.plain)),
      ...pluginProxy(
        'raw-pp',
        ['type = "tcp"', `remotePort = ${ports.withHeader}`, 'transport.proxyProtocolVersion = "v2"'],
        plugin(service.pp),
      ),
      ...pluginProxy('raw-down', ['type = "tcp"', `remotePort = ${ports.down}`], plugin(await freePort())),
      ...pluginProxy(
        'raw-broken',
        ['type = "tcp"', `remotePort = ${ports.broken}`],
        plugin(service.plain, join(dir, 'gone.key')),
      ),
    ];
    const admin = [`webServer.addr = "127.0.0.1"`, `webServer.port = ${ports.admin}`];
    client = await startClient(dir, clientToml(s.bindPort, body, admin), 3);
  });

  after(async () => {
    await killAll();
    await service.close();
    removeDir(dir);
  });

  it('openssl s_client verifies the issued certificate, and the local service answers the plain bytes', async () => {
    const r = await sClient(ports.tcp, HOST, ca, 'hello raw\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /verify return:1/);
    assert.equal(r.stdout, 'got: hello raw\n');
  });

  it('writes the PROXY header to the local service before the decrypted bytes', async () => {
    const r = await sClient(ports.withHeader, HOST, ca, 'with header\n');
    assert.equal(r.stdout, 'got: with header\n', r.stderr);
    const header = decodeProxyHeader(service.headers.at(-1)!);
    assert.equal(header?.srcAddr, '127.0.0.1');
  });

  it('an unreachable localAddr closes that connection and logs why; the other proxies keep working', async () => {
    const r = await sClient(ports.down, HOST, ca, 'anyone?\n');
    assert.equal(r.stdout, '');
    await client.waitFor(/dial to local addr error/);
    assert.equal((await sClient(ports.tcp, HOST, ca, 'still\n')).stdout, 'got: still\n');
  });

  it('a missing keyPath fails only that proxy: `burrow client status` names the file', async () => {
    await client.waitFor(/proxy plugin failed to start/);
    const status = await runCli(['client', 'status', '-c', join(dir, 'frpc.toml')]);
    assert.equal(status.code, 0, status.output);
    assert.match(
      status.output,
      /^raw-broken\s+tcp\s+start error\s+.*cannot read keyPath \S*gone\.key: file not found/m,
    );
  });
});
