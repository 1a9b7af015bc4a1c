// e2e: udp proxies through the real CLI: 1,000 datagrams echoed (loss reported), encryption+compression on, a flood stays bounded.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { freePort, killAll, removeDir, sleep } from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer, startUdpEcho } from './proxy-helpers.js';

/** Datagrams sent per run. */
const DATAGRAMS = 1_000;
/** Datagrams in flight at once (a window keeps loopback buffers from overflowing). */
const WINDOW = 50;
/** Bytes per datagram (under udpPacketSize 1500). */
const DATAGRAM_SIZE = 1_200;
/** Loss allowed on loopback before the test fails (reported either way). */
const MAX_LOSS_RATIO = 0.01;
/** How long a window may wait for its echoes. */
const WINDOW_TIMEOUT_MS = 2_000;
/** Datagrams in the flood. */
const FLOOD_DATAGRAMS = 50_000;

/** Sends DATAGRAMS numbered datagrams in windows; resolves with how many came back intact. */
async function echoRun(port: number): Promise<{ received: number; corrupt: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const seen = new Set<number>();
  let corrupt = 0;
  let wake: (() => void) | undefined;
  socket.on('message', (msg) => {
    const seq = msg.readUInt32BE(0);
    if (msg.length !== DATAGRAM_SIZE || msg[DATAGRAM_SIZE - 1] !== (seq & 0xff)) corrupt += 1;
    else seen.add(seq);
    wake?.();
  });
  for (let base = 0; base < DATAGRAMS; base += WINDOW) {
    const end = Math.min(DATAGRAMS, base + WINDOW);
    for (let seq = base; seq < end; seq += 1) {
      const msg = Buffer.alloc(DATAGRAM_SIZE, seq & 0xff);
      msg.writeUInt32BE(seq, 0);
      socket.send(msg, port, '127.0.0.1');
    }
    const deadline = Date.now() + WINDOW_TIMEOUT_MS;
    while (Date.now() < deadline) {
      let missing = false;
      for (let seq = base; seq < end; seq += 1) if (!seen.has(seq)) missing = true;
      if (!missing) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
  socket.close();
  return { received: seen.size, corrupt };
}

describe('udp proxy through the real CLI', () => {
  const dirs: string[] = [];
  const closers: (() => void)[] = [];
  after(async () => {
    await killAll();
    for (const close of closers) close();
    for (const dir of dirs) removeDir(dir);
  });

  for (const wrap of [false, true]) {
    it(`echoes ${DATAGRAMS} datagrams (encryption+compression ${wrap ? 'on' : 'off'})`, async () => {
      const { dir, bindPort } = await setup();
      dirs.push(dir);
      const echo = await startUdpEcho();
      closers.push(echo.close);
      const remotePort = await freePort();
      await startServer(dir, serverToml(bindPort, dir));
      await startClient(
        dir,
        clientToml(bindPort, [
          '[[proxies]]',
          'name = "dns"',
          'type = "udp"',
          `localPort = ${echo.port}`,
          `remotePort = ${remotePort}`,
          `transport.useEncryption = ${wrap}`,
          `transport.useCompression = ${wrap}`,
        ]),
        1,
      );
      // The server asks for the udp work connection shortly after NewProxyResp.
      await sleep(1_000);
      const { received, corrupt } = await echoRun(remotePort);
      const loss = (DATAGRAMS - received) / DATAGRAMS;
      console.log(
        `udp echo (wrap=${wrap}): ${received}/${DATAGRAMS} back, loss ${(loss * 100).toFixed(2)} %, corrupt ${corrupt}`,
      );
      assert.equal(corrupt, 0);
      assert.ok(loss <= MAX_LOSS_RATIO, `loss ${loss} above ${MAX_LOSS_RATIO}`);
    });
  }

  it(`survives a flood of ${FLOOD_DATAGRAMS} datagrams and still echoes afterwards`, async () => {
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const echo = await startUdpEcho();
    closers.push(echo.close);
    const remotePort = await freePort();
    const server = await startServer(dir, serverToml(bindPort, dir));
    const client = await startClient(
      dir,
      clientToml(bindPort, [
        '[[proxies]]',
        'name = "flood"',
        'type = "udp"',
        `localPort = ${echo.port}`,
        `remotePort = ${remotePort}`,
      ]),
      1,
    );
    await sleep(1_000);
    const flooder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => flooder.bind(0, '127.0.0.1', resolve));
    const junk = Buffer.alloc(1_400, 0x61);
    for (let i = 0; i < FLOOD_DATAGRAMS; i += 1) {
      flooder.send(junk, remotePort, '127.0.0.1');
      if (i % 1_000 === 0) await sleep(1);
    }
    flooder.close();
    await sleep(1_000);
    assert.equal(server.child.exitCode, null, 'server still runs');
    assert.equal(client.child.exitCode, null, 'client still runs');
    const { received } = await echoRun(remotePort);
    assert.ok(received >= DATAGRAMS * (1 - MAX_LOSS_RATIO), `only ${received} echoed after the flood`);
  });
});
