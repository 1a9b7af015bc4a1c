// Interop: stcp with the visitor on the other implementation (frpc visitor ↔ burrow provider and the reverse), through a burrow server and through frps; 16 MiB by sha256, encryption+compression on one pair.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { download, freePort, randomPayload, sha256, startFileServer } from '../e2e/harness.js';
import {
  clientToml,
  FRP_SKIP,
  removeScratch,
  scratchDir,
  serverToml,
  startClient,
  startServer,
  stopAll,
  withLogs,
} from './harness.js';

/** The blob every download fetches (the size). */
const BLOB_SIZE = 16 * 1024 * 1024;

type ServerImpl = 'burrow' | 'frps';
type ClientImpl = 'burrow' | 'frpc';
const SERVERS: ServerImpl[] = ['burrow', 'frps'];
const WRAP = ['transport.useEncryption = true', 'transport.useCompression = true'];

/** One client's tables: it provides `own` and visits `other` (the other implementation's proxy). */
function body(impl: ClientImpl, originPort: number, visitPort: number): string[] {
  const own = `vault-${impl}`;
  const other = impl === 'burrow' ? 'vault-frpc' : 'vault-burrow';
  // The burrow-provided pair is wrapped (encryption+compression); both ends of a pair must agree.
  const wrap = (name: string): string[] => (name === 'vault-burrow' ? WRAP : []);
  return [
    '[[proxies]]',
    `name = "${own}"`,
    'type = "stcp"',
    `secretKey = "key-${own}"`,
    'localIP = "127.0.0.1"',
    `localPort = ${originPort}`,
    ...wrap(own),
    '',
    '[[visitors]]',
    `name = "to-${other}"`,
    'type = "stcp"',
    `serverName = "${other}"`,
    `secretKey = "key-${other}"`,
    'bindAddr = "127.0.0.1"',
    `bindPort = ${visitPort}`,
    ...wrap(other),
    '',
  ];
}

describe('interop: stcp visitor on the other implementation', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  /** visitPorts[server][visitorImpl]: where that visitor listens. */
  const visitPorts: Record<ServerImpl, Record<ClientImpl, number>> = {
    burrow: { burrow: 0, frpc: 0 },
    frps: { burrow: 0, frpc: 0 },
  };
  let origin: Awaited<ReturnType<typeof startFileServer>>;

  before(() =>
    withLogs(async () => {
      origin = await startFileServer(blob);
      await Promise.all(
        SERVERS.map(async (server) => {
          const dir = scratchDir();
          const bindPort = await freePort();
          await startServer(server, dir, serverToml(server, dir, bindPort));
          await Promise.all(
            (['burrow', 'frpc'] as const).map(async (client) => {
              visitPorts[server][client] = await freePort();
              const other = client === 'burrow' ? 'vault-frpc' : 'vault-burrow';
              const toml = clientToml(client, bindPort, body(client, origin.port, visitPorts[server][client]));
              await startClient(client, dir, toml, { proxies: [`vault-${client}`], visitors: [`to-${other}`] });
            }),
          );
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  for (const server of SERVERS) {
    it(`through ${server}: frpc visitor → burrow provider (encrypted+compressed), 16 MiB intact`, () =>
      withLogs(async () => {
        const got = await download(visitPorts[server].frpc);
        assert.equal(got.length, BLOB_SIZE);
        assert.equal(sha256(got), sha256(blob));
      }));

    it(`through ${server}: burrow visitor → frpc provider, 16 MiB intact`, () =>
      withLogs(async () => {
        const got = await download(visitPorts[server].burrow);
        assert.equal(got.length, BLOB_SIZE);
        assert.equal(sha256(got), sha256(blob));
      }));
  }
});
