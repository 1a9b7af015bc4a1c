// Interop: tcp proxies between real frp and burrow, both mixes, tcpMux on and off, useEncryption+useCompression off and on, a 16 MiB blob checked by sha256.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

/** The blob every download fetches (the size). */
const BLOB_SIZE = 16 * 1024 * 1024;

type Case = { mix: Mix; tcpMux: boolean; plainPort: number; wrappedPort: number };

describe('interop: tcp', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const blobHash = sha256(blob);
  const cases: Case[] = [];
  let origin: Awaited<ReturnType<typeof startFileServer>>;

  before(() =>
    withLogs(async () => {
      origin = await startFileServer(blob);
      for (const mix of MIXES)
        for (const tcpMux of [true, false])
          cases.push({ mix, tcpMux, plainPort: await freePort(), wrappedPort: await freePort() });
      await Promise.all(
        cases.map(async (c) => {
          const { server, client } = sides(c.mix);
          const dir = scratchDir();
          const bindPort = await freePort();
          const mux = `transport.tcpMux = ${c.tcpMux}`;
          await startServer(server, dir, serverToml(server, dir, bindPort, [mux]));
          const proxy = (name: string, port: number, extra: string[] = []): string[] => [
            '[[proxies]]',
            `name = "${name}"`,
            'type = "tcp"',
            'localIP = "127.0.0.1"',
            `localPort = ${origin.port}`,
            `remotePort = ${port}`,
            ...extra,
            '',
          ];
          const body = [
            ...proxy('plain', c.plainPort),
            ...proxy('wrapped', c.wrappedPort, ['transport.useEncryption = true', 'transport.useCompression = true']),
          ];
          await startClient(client, dir, clientToml(client, bindPort, body, [mux]), { proxies: ['plain', 'wrapped'] });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    for (const tcpMux of [true, false]) {
      it(`${mix}, tcpMux ${tcpMux ? 'on' : 'off'}: 16 MiB intact, plain and with useEncryption+useCompression`, () =>
        withLogs(async () => {
          const c = cases.find((x) => x.mix === mix && x.tcpMux === tcpMux)!;
          for (const port of [c.plainPort, c.wrappedPort]) {
            const got = await download(port);
            assert.equal(got.length, BLOB_SIZE, `port ${port}`);
            assert.equal(sha256(got), blobHash, `port ${port}`);
          }
        }));
    }
  }
});
