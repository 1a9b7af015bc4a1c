// e2e: per-proxy knobs through the real CLI: loadBalancer.group round robin (and a wrong groupKey refused),
// bandwidthLimit pacing, proxyProtocolVersion v2 to the local service, duplicate domains and disallowed ports refused.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeProxyHeader } from '../../src/net/proxy-protocol.js';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  startFileServer,
  writeFile,
} from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** Bytes downloaded through the limited proxy. */
const LIMITED_SIZE = 768 * 1024;
/** The limit: 256 KiB/s, so the download needs about 2 s after the first second's burst. */
const LIMIT = '256KB';
/** The least time the limited download may take (burst of one second included, some slack). */
const LIMITED_MIN_MS = 1_500;
/** Downloads through the group port. */
const GROUP_DOWNLOADS = 6;

/** A local service that records the first bytes of each connection, then answers "ok". */
async function startRecorder(): Promise<{ port: number; first: Buffer[]; close: () => Promise<void> }> {
  const first: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      first.push(chunk);
      socket.end('ok');
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    first,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('proxy knobs through the real CLI', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const ports = { group: 0, limited: 0, pp: 0, denied: 0 };
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let third: BurrowProcess;
  let conflicts: BurrowProcess;

  before(async () => {
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const one = await startFileServer(Buffer.from('one'));
    const two = await startFileServer(Buffer.from('two'));
    const big = await startFileServer(randomPayload(LIMITED_SIZE));
    recorder = await startRecorder();
    closers.push(one.close, two.close, big.close, recorder.close);
    const vhost = await freePort();
    await startServer(
      dir,
      serverToml(bindPort, dir, [
        `vhostHTTPPort = ${vhost}`,
        `allowPorts = [{ start = ${Math.min(...Object.values(ports))}, end = ${Math.max(...Object.values(ports))} }]`,
      ]),
    );
    const member = (name: string, port: number, key: string): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `localPort = ${port}`,
      `remotePort = ${ports.group}`,
      'loadBalancer.group = "web"',
      `loadBalancer.groupKey = "${key}"`,
      '',
    ];
    await startClient(
      dir,
      clientToml(bindPort, [
        ...member('one', one.port, 'k'),
        '[[proxies]]',
        'name = "limited"',
        'type = "tcp"',
        `localPort = ${big.port}`,
        `remotePort = ${ports.limited}`,
        `transport.bandwidthLimit = "${LIMIT}"`,
        '',
        '[[proxies]]',
        'name = "pp"',
        'type = "tcp"',
        `localPort = ${recorder.port}`,
        `remotePort = ${ports.pp}`,
        'transport.proxyProtocolVersion = "v2"',
        '',
        '[[proxies]]',
        'name = "site"',
        'type = "http"',
        `localPort = ${one.port}`,
        'customDomains = ["site.example.test"]',
        '',
      ]),
      4,
      'a.toml',
    );
    await startClient(dir, clientToml(bindPort, member('two', two.port, 'k')), 1, 'b.toml');
    third = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'c.toml', clientToml(bindPort, member('three', two.port, 'wrong'))),
    ]);
    conflicts = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'd.toml',
        clientToml(bindPort, [
          '[[proxies]]',
          'name = "site-again"',
          'type = "http"',
          `localPort = ${one.port}`,
          'customDomains = ["site.example.test"]',
          '',
          '[[proxies]]',
          'name = "far"',
          'type = "tcp"',
          `localPort = ${one.port}`,
          'remotePort = 1',
          '',
        ]),
      ),
    ]);
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('spreads connections of a tcp group over its members, round robin', async () => {
    const seen: string[] = [];
    for (let i = 0; i < GROUP_DOWNLOADS; i += 1) seen.push((await download(ports.group)).toString());
    assert.ok(seen.includes('one') && seen.includes('two'), `both members served: ${seen.join(',')}`);
  });

  it('refuses a group member with the wrong groupKey', async () => {
    const line = await third.waitFor(/proxy refused by server/);
    assert.match(line, /group auth failed/);
  });

  it('paces a proxy to its bandwidthLimit', async () => {
    const started = Date.now();
    const got = await download(ports.limited);
    const elapsed = Date.now() - started;
    assert.equal(got.length, LIMITED_SIZE);
    assert.ok(elapsed >= LIMITED_MIN_MS, `${LIMITED_SIZE} bytes at ${LIMIT}/s took only ${elapsed} ms`);
  });

  it('writes a PROXY protocol v2 header with the user address to the local service', async () => {
    const reply = await download(ports.pp);
    assert.equal(reply.toString(), 'ok');
    const header = decodeProxyHeader(recorder.first[0]!);
    assert.ok(header, 'a PROXY header arrived');
    assert.equal(header.version, 'v2');
    assert.equal(header.srcAddr, '127.0.0.1');
    assert.equal(header.dstPort, ports.pp);
  });

  it('refuses a duplicate domain and a port outside allowPorts, with the reason', async () => {
    await conflicts.waitForCount(/proxy refused by server/, 2);
    assert.match(conflicts.output, /router config conflict/);
    assert.match(conflicts.output, /port not allowed/);
  });
});
