// Interop: TLS to the server with burrow-issued certificates (burrow ca init / cert issue), both mixes: one-way verified with serverName, frp's custom first byte, tls.force refusing plain clients, mutual TLS refusing a client without a certificate; 16 MiB by sha256.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { download, freePort, randomPayload, sha256, startFileServer } from '../e2e/harness.js';
import {
  BURROW_CLI,
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
} from './harness.js';

/** The blob every download fetches (the size). */
const BLOB_SIZE = 16 * 1024 * 1024;

/** What burrow and frpc log when a login attempt fails (frpc: "connect to server error" when the server hangs up). */
const LOGIN_FAILED = /login to server failed|connect to server error/;

/** The client variants: what they add to the config, and whether the server must let them in. */
const CLIENTS = {
  /** Verifies the server against the CA with an explicit serverName. */
  verified: { server: 'oneway', admitted: true },
  /** Same, with frp's 0x17 first byte before the TLS ClientHello. */
  firstByte: { server: 'oneway', admitted: true },
  /** No TLS at all, against a server with tls.force. */
  plain: { server: 'oneway', admitted: false },
  /** Client certificate issued by the CA, against a server that requires one. */
  mutual: { server: 'mutual', admitted: true },
  /** No client certificate, against a server that requires one. */
  noCert: { server: 'mutual', admitted: false },
} as const;
type ClientKind = keyof typeof CLIENTS;

async function burrow(args: string[]): Promise<void> {
  await promisify(execFile)(process.execPath, [BURROW_CLI, ...args]);
}

describe('interop: TLS with burrow-issued certificates', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const ports = new Map<string, number>();
  let origin: Awaited<ReturnType<typeof startFileServer>>;

  before(() =>
    withLogs(async () => {
      origin = await startFileServer(blob);
      const pki = scratchDir();
      const ca = path.join(pki, 'ca');
      await burrow(['ca', 'init', '--dir', ca]);
      await burrow([
        'cert',
        'issue',
        'server',
        '--ca-dir',
        ca,
        '--out',
        path.join(pki, 'server'),
        'tunnel.example.com',
        '127.0.0.1',
      ]);
      await burrow(['cert', 'issue', 'client', '--ca-dir', ca, '--out', path.join(pki, 'client'), 'client-1']);
      const caFile = path.join(ca, 'ca.crt');
      const serverTls = [
        'transport.tls.force = true',
        `transport.tls.certFile = "${pki}/server.crt"`,
        `transport.tls.keyFile = "${pki}/server.key"`,
      ];
      const verify = [`transport.tls.trustedCaFile = "${caFile}"`, 'transport.tls.serverName = "tunnel.example.com"'];
      const clientExtra: Record<ClientKind, string[]> = {
        verified: verify,
        firstByte: [...verify, 'transport.tls.disableCustomTLSFirstByte = false'],
        plain: ['transport.tls.enable = false'],
        mutual: [
          ...verify,
          `transport.tls.certFile = "${pki}/client.crt"`,
          `transport.tls.keyFile = "${pki}/client.key"`,
        ],
        noCert: verify,
      };
      await Promise.all(
        MIXES.flatMap((mix) =>
          (['oneway', 'mutual'] as const).map(async (mode) => {
            const { server, client } = sides(mix);
            const dir = scratchDir();
            const bindPort = await freePort();
            const extra = mode === 'mutual' ? [...serverTls, `transport.tls.trustedCaFile = "${caFile}"`] : serverTls;
            await startServer(server, dir, serverToml(server, dir, bindPort, extra));
            const kinds = (Object.keys(CLIENTS) as ClientKind[]).filter((k) => CLIENTS[k].server === mode);
            await Promise.all(
              kinds.map(async (kind) => {
                const remotePort = await freePort();
                ports.set(`${mix}/${kind}`, remotePort);
                const body = [
                  '[[proxies]]',
                  `name = "${kind}"`,
                  'type = "tcp"',
                  'localIP = "127.0.0.1"',
                  `localPort = ${origin.port}`,
                  `remotePort = ${remotePort}`,
                ];
                const ready = CLIENTS[kind].admitted ? { proxies: [kind] } : { expect: LOGIN_FAILED };
                await startClient(client, dir, clientToml(client, bindPort, body, clientExtra[kind]), ready);
              }),
            );
          }),
        ),
      );
    }),
  );

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    for (const kind of Object.keys(CLIENTS) as ClientKind[]) {
      const { admitted, server } = CLIENTS[kind];
      it(`${mix}: ${kind} client on a ${server} TLS server is ${admitted ? 'admitted; 16 MiB intact' : 'refused'}`, () =>
        withLogs(async () => {
          // A refused client never registered its proxy: its remote port is closed (or taken by nothing).
          if (!admitted) {
            await assert.rejects(download(ports.get(`${mix}/${kind}`)!), /ECONNREFUSED/);
            return;
          }
          const got = await download(ports.get(`${mix}/${kind}`)!);
          assert.equal(got.length, BLOB_SIZE);
          assert.equal(sha256(got), sha256(blob));
        }));
    }
  }
});
