// Interop: the client-side knobs that change the bytes on the wire, in both mixes — wire v2, the websocket and wss
// transports, bandwidthLimit (client and server mode) and proxyProtocolVersion v1/v2 — each with its payload checked.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeProxyHeader } from '../../src/net/proxy-protocol.js';
import { download, freePort, randomPayload, sha256, startFileServer } from '../e2e/harness.js';
import {
  clientToml,
  FRP_SKIP,
  MIXES,
  removeScratch,
  scratchDir,
  serverToml,
  sides,
  startClient,
  startServer,
  stopAll,
  withLogs,
  type Mix,
} from './harness.js';

/** The blob of the transport cases (the size). */
const BLOB_SIZE = 16 * 1024 * 1024;
/** Bytes downloaded through a limited proxy, and the limit: about 2 s after the first second's burst. */
const LIMITED_SIZE = 768 * 1024;
const LIMIT = '256KB';
/** The least time the limited download may take (burst included, some slack). */
const LIMITED_MIN_MS = 1_500;

/** Client top-level lines of each transport case. */
const TRANSPORTS: Record<string, string[]> = {
  'wire v2': ['transport.wireProtocol = "v2"'],
  websocket: ['transport.protocol = "websocket"'],
  wss: ['transport.protocol = "wss"'],
};

/**
 * The transport cases of a mix. frps serves no wss on bindPort (its muxer matches `GET /~!frp` on
 * the raw connection, and after TLS it reads frp messages only: wss needs TLS terminated in front
 * of it); burrow's server serves wss itself, so frpc's wss is checked against it.
 */
function transportsOf(mix: Mix): string[] {
  return Object.keys(TRANSPORTS).filter((name) => name !== 'wss' || mix === 'frpc→burrow');
}

/** A local service that answers each connection with what it read first (the PROXY header, when sent), then closes. */
async function startHeaderEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => socket.end(chunk));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Writes "x" to `port` and returns everything the header echo sends back. */
function firstBytes(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('x'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('interop: wire v2, websocket/wss, bandwidthLimit, proxyProtocolVersion', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const limitedBlob = randomPayload(LIMITED_SIZE);
  /** mix → case name → public port. */
  const ports = new Map<string, number>();
  const closers: (() => Promise<void>)[] = [];
  const key = (mix: Mix, name: string): string => `${mix} ${name}`;

  before(() =>
    withLogs(async () => {
      const origin = await startFileServer(blob);
      const limitedOrigin = await startFileServer(limitedBlob);
      const headerEcho = await startHeaderEcho();
      closers.push(origin.close, limitedOrigin.close, headerEcho.close);
      const tcp = (name: string, localPort: number, remotePort: number, extra: string[] = []): string[] => [
        '[[proxies]]',
        `name = "${name}"`,
        'type = "tcp"',
        'localIP = "127.0.0.1"',
        `localPort = ${localPort}`,
        `remotePort = ${remotePort}`,
        ...extra,
        '',
      ];
      await Promise.all(
        MIXES.map(async (mix) => {
          const { server, client } = sides(mix);
          // One server per mix; each transport case is its own client, the knobs share one more client.
          const dir = scratchDir();
          const bindPort = await freePort();
          await startServer(server, dir, serverToml(server, dir, bindPort));
          for (const name of transportsOf(mix)) ports.set(key(mix, name), await freePort());
          for (const name of ['limit-client', 'limit-server', 'pp-v1', 'pp-v2'])
            ports.set(key(mix, name), await freePort());
          for (const name of transportsOf(mix)) {
            const lines = TRANSPORTS[name]!;
            const proxyName = `t-${name.replace(/\W/g, '')}`;
            const proxy = tcp(proxyName, origin.port, ports.get(key(mix, name))!);
            await startClient(client, dir, clientToml(client, bindPort, proxy, lines), { proxies: [proxyName] });
          }
          const at = (name: string): number => ports.get(key(mix, name))!;
          const body = [
            ...tcp('limit-client', limitedOrigin.port, at('limit-client'), [`transport.bandwidthLimit = "${LIMIT}"`]),
            ...tcp('limit-server', limitedOrigin.port, at('limit-server'), [
              `transport.bandwidthLimit = "${LIMIT}"`,
              'transport.bandwidthLimitMode = "server"',
            ]),
            ...tcp('pp-v1', headerEcho.port, at('pp-v1'), ['transport.proxyProtocolVersion = "v1"']),
            ...tcp('pp-v2', headerEcho.port, at('pp-v2'), ['transport.proxyProtocolVersion = "v2"']),
          ];
          await startClient(client, dir, clientToml(client, bindPort, body), {
            proxies: ['limit-client', 'limit-server', 'pp-v1', 'pp-v2'],
          });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    for (const close of closers) await close();
    removeScratch();
  });

  for (const mix of MIXES) {
    for (const name of transportsOf(mix)) {
      it(`${mix}, ${name}: 16 MiB intact`, () =>
        withLogs(async () => {
          const got = await download(ports.get(key(mix, name))!);
          assert.equal(got.length, BLOB_SIZE);
          assert.equal(sha256(got), sha256(blob));
        }));
    }
    for (const mode of ['client', 'server'] as const) {
      it(`${mix}, bandwidthLimit ${LIMIT} (${mode} mode): paced and intact`, () =>
        withLogs(async () => {
          const started = Date.now();
          const got = await download(ports.get(key(mix, `limit-${mode}`))!);
          const elapsed = Date.now() - started;
          assert.equal(sha256(got), sha256(limitedBlob));
          assert.ok(elapsed >= LIMITED_MIN_MS, `took ${elapsed} ms, expected at least ${LIMITED_MIN_MS} ms`);
        }));
    }
    for (const version of ['v1', 'v2'] as const) {
      it(`${mix}, proxyProtocolVersion ${version}: the local service gets the user's address first`, () =>
        withLogs(async () => {
          const back = await firstBytes(ports.get(key(mix, `pp-${version}`))!);
          const header = decodeProxyHeader(back);
          assert.ok(header, `no PROXY header in ${JSON.stringify(back.toString('latin1'))}`);
          assert.equal(header.version, version);
          assert.equal(header.srcAddr, '127.0.0.1');
        }));
    }
  }
});
