// e2e: the unix_domain_socket client plugin through the real CLI: a tcp proxy whose connections go to a local Unix
// socket (with the PROXY header first when asked), and a socket that is missing closes only that connection.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeProxyHeader } from '../../../src/net/proxy-protocol.js';
import { freePort, killAll, randomPayload, removeDir, roundTrip, sha256, type BurrowProcess } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';

/** Bytes sent through the plugin and echoed back. */
const PAYLOAD_SIZE = 4 * 1024 * 1024;

/** A Unix-socket echo service; `first` gets the first chunk of each connection. */
async function startUnixEcho(path: string): Promise<{ first: Buffer[]; close: () => Promise<void> }> {
  const first: Buffer[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.once('data', (chunk: Buffer) => first.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { first, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('unix_domain_socket plugin through the real CLI', () => {
  let dir = '';
  let echo: Awaited<ReturnType<typeof startUnixEcho>>;
  let client: BurrowProcess;
  const ports = { plain: 0, withHeader: 0, missing: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const socketPath = join(dir, 'echo.sock');
    echo = await startUnixEcho(socketPath);
    await startServer(dir, serverToml(s.bindPort, dir));
    const proxy = (name: string, port: number, path: string, extra: string[] = []): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `remotePort = ${port}`,
      ...extra,
      '[proxies.plugin]',
      'type = "unix_domain_socket"',
      `unixPath = "${path}"`,
      '',
    ];
    client = await startClient(
      dir,
      clientToml(s.bindPort, [
        ...proxy('uds', ports.plain, socketPath),
        ...proxy('uds-pp', ports.withHeader, socketPath, ['transport.proxyProtocolVersion = "v1"']),
        ...proxy('uds-missing', ports.missing, join(dir, 'nothing.sock')),
      ]),
      3,
    );
  });

  after(async () => {
    await killAll();
    await echo.close();
    removeDir(dir);
  });

  it('carries 4 MiB both ways to the socket, intact', async () => {
    const payload = randomPayload(PAYLOAD_SIZE);
    const back = await roundTrip(ports.plain, payload);
    assert.equal(sha256(back), sha256(payload));
  });

  it('writes the PROXY header to the socket before the user bytes', async () => {
    const before = echo.first.length;
    const back = await roundTrip(ports.withHeader, Buffer.from('hello'));
    // The echo sends the header back too: what follows it is the user's payload.
    const header = decodeProxyHeader(back);
    assert.ok(header, `expected a PROXY header, got ${JSON.stringify(back.toString('latin1'))}`);
    assert.equal(header.srcAddr, '127.0.0.1');
    assert.equal(back.subarray(header.headerBytes).toString(), 'hello');
    assert.ok(echo.first.length > before);
  });

  it('a missing socket closes that connection, logs why, and the other proxies keep working', async () => {
    // The user's connection is closed with nothing sent back: a FIN, or a reset when the close races the user's write.
    const back = await roundTrip(ports.missing, Buffer.from('x')).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') return Buffer.alloc(0);
      throw err;
    });
    assert.equal(back.length, 0);
    await client.waitFor(/dial to unix socket error/);
    const again = await roundTrip(ports.plain, Buffer.from('still here'));
    assert.equal(again.toString(), 'still here');
  });
});
