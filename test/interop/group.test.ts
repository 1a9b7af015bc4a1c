// Interop: one tcp loadBalancer.group shared by a real frpc and a burrow client, on a burrow server and on the real frps: users reach both members.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { download, freePort, startFileServer } from '../e2e/harness.js';
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

/** Downloads through the group port: enough for round robin (or frp's random pick) to reach both members. */
const DOWNLOADS = 24;
const SERVERS = ['burrow', 'frps'] as const;

describe('interop: tcp loadBalancer.group with one frpc and one burrow client', { skip: FRP_SKIP }, () => {
  const groupPorts = new Map<(typeof SERVERS)[number], number>();
  const closers: (() => Promise<void>)[] = [];

  before(() =>
    withLogs(async () => {
      const viaFrpc = await startFileServer(Buffer.from('frpc'));
      const viaBurrow = await startFileServer(Buffer.from('burrow'));
      closers.push(viaFrpc.close, viaBurrow.close);
      await Promise.all(
        SERVERS.map(async (server) => {
          const dir = scratchDir();
          const bindPort = await freePort();
          const groupPort = await freePort();
          groupPorts.set(server, groupPort);
          await startServer(server, dir, serverToml(server, dir, bindPort));
          const member = (name: string, localPort: number): string[] => [
            '[[proxies]]',
            `name = "${name}"`,
            'type = "tcp"',
            'localIP = "127.0.0.1"',
            `localPort = ${localPort}`,
            `remotePort = ${groupPort}`,
            'loadBalancer.group = "web"',
            'loadBalancer.groupKey = "group-secret"',
            '',
          ];
          await startClient('frpc', dir, clientToml('frpc', bindPort, member('web-frpc', viaFrpc.port)), {
            proxies: ['web-frpc'],
          });
          await startClient('burrow', dir, clientToml('burrow', bindPort, member('web-burrow', viaBurrow.port)), {
            proxies: ['web-burrow'],
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

  for (const server of SERVERS) {
    it(`${server} server: connections to the group port reach the frpc member and the burrow member`, () =>
      withLogs(async () => {
        const seen = new Map<string, number>();
        for (let i = 0; i < DOWNLOADS; i++) {
          const body = (await download(groupPorts.get(server)!)).toString();
          seen.set(body, (seen.get(body) ?? 0) + 1);
        }
        assert.deepEqual([...seen.keys()].sort(), ['burrow', 'frpc'], JSON.stringify([...seen]));
      }));
  }
});
