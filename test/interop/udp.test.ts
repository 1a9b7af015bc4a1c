// Interop: udp proxies between real frp and burrow, both mixes: the first datagram on a fresh proxy is answered, then 20,000 paced datagrams with none corrupted.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../e2e/harness.js';
import { startUdpEcho } from '../e2e/proxy-helpers.js';
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
} from './harness.js';

/** Datagrams per mix (the count). */
const DATAGRAMS = 20_000;
/**
 * Datagrams in flight at once: paces the sender so no socket buffer on the path overflows (Linux's default 208 KiB
 * receive buffer holds ~90 such datagrams counting kernel overhead; a window of 100 lost ~8% at every hop's receiver).
 */
const WINDOW = 40;
/** Bytes per datagram: under frp's udpPacketSize default 1500 with room for the framing. */
const DATAGRAM_SIZE = 1_024;
/** How long a window may wait for its echoes before the missing ones count as lost. */
const WINDOW_TIMEOUT_MS = 2_000;
/** Loss tolerated on loopback (udp may drop; corruption is never tolerated). */
const MAX_LOSS_RATIO = 0.005;
/** How long the very first datagram on a fresh proxy may take to come back (frp's e2e suite sends it once). */
const FIRST_REPLY_TIMEOUT_MS = 5_000;

/** A datagram whose every byte after the sequence number is derived from it, so any corruption shows. */
function datagram(seq: number): Buffer {
  const msg = Buffer.alloc(DATAGRAM_SIZE);
  msg.writeUInt32BE(seq, 0);
  for (let i = 4; i < DATAGRAM_SIZE; i += 1) msg[i] = (seq * 31 + i) & 0xff;
  return msg;
}

/** Sends DATAGRAMS numbered datagrams in windows; resolves with how many came back intact and how many were corrupted. */
async function echoRun(port: number): Promise<{ received: number; corrupt: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const seen = new Set<number>();
  let corrupt = 0;
  let wake: (() => void) | undefined;
  socket.on('message', (msg) => {
    if (msg.length !== DATAGRAM_SIZE || !msg.equals(datagram(msg.readUInt32BE(0)))) corrupt += 1;
    else seen.add(msg.readUInt32BE(0));
    wake?.();
  });
  let before = 0;
  try {
    for (let base = 0; base < DATAGRAMS; base += WINDOW) {
      const end = Math.min(DATAGRAMS, base + WINDOW);
      for (let seq = base; seq < end; seq += 1) socket.send(datagram(seq), port, '127.0.0.1');
      const deadline = Date.now() + WINDOW_TIMEOUT_MS;
      const missing = (): boolean => {
        for (let seq = base; seq < end; seq += 1) if (!seen.has(seq)) return true;
        return false;
      };
      while (missing() && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      if (seen.size === before) break; // a whole window lost: the tunnel is down, stop rather than wait out every window
      before = seen.size;
    }
  } finally {
    socket.close();
  }
  return { received: seen.size, corrupt };
}

/** Sends one datagram, once, and resolves with the reply (rejects after FIRST_REPLY_TIMEOUT_MS). */
async function firstReply(port: number, payload: Buffer): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to the first datagram on :${port} within ${FIRST_REPLY_TIMEOUT_MS} ms`)),
        FIRST_REPLY_TIMEOUT_MS,
      );
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(payload, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** A server bound on "::" (frp's "IPv6 bind address" specs) with users on 127.0.0.1: replies must reach IPv4 users. */
const DUAL_STACK = ['bindAddr = "::"'];

describe('interop: udp', { skip: FRP_SKIP }, () => {
  const ports = new Map<string, number>();
  let echo: Awaited<ReturnType<typeof startUdpEcho>>;

  before(() =>
    withLogs(async () => {
      echo = await startUdpEcho();
      const setups = MIXES.flatMap((mix) => [
        { mix, key: mix, extra: [] as string[] },
        { mix, key: `${mix} ::`, extra: DUAL_STACK },
      ]);
      for (const { key } of setups) ports.set(key, await freePort());
      await Promise.all(
        setups.map(async ({ mix, key, extra }) => {
          const { server, client } = sides(mix);
          const dir = scratchDir();
          const bindPort = await freePort();
          // serverToml starts with bindAddr 127.0.0.1; TOML refuses a key twice, so DUAL_STACK's replaces it.
          const base = serverToml(server, dir, bindPort, extra);
          const toml = extra.length > 0 ? base.replace('bindAddr = "127.0.0.1"\n', '') : base;
          await startServer(server, dir, toml);
          const body = [
            '[[proxies]]',
            'name = "echo"',
            'type = "udp"',
            'localIP = "127.0.0.1"',
            `localPort = ${echo.port}`,
            `remotePort = ${ports.get(key)}`,
          ];
          await startClient(client, dir, clientToml(client, bindPort, body), { proxies: ['echo'] });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    echo?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: the first datagram on a fresh proxy is answered (sent once, as frp's e2e suite does)`, () =>
      withLogs(async () => {
        const reply = await firstReply(ports.get(mix)!, Buffer.from('udp hello'));
        assert.equal(reply.toString(), 'udp hello');
      }));

    it(`${mix}: ${DATAGRAMS} paced datagrams, none corrupted, loss under ${MAX_LOSS_RATIO * 100}%`, () =>
      withLogs(async () => {
        const { received, corrupt } = await echoRun(ports.get(mix)!);
        assert.equal(corrupt, 0, 'corrupted datagrams');
        assert.ok(received >= DATAGRAMS * (1 - MAX_LOSS_RATIO), `received ${received} of ${DATAGRAMS}`);
      }));

    it(`${mix}, server bound on "::": an IPv4 user on 127.0.0.1 gets its reply`, () =>
      withLogs(async () => {
        const reply = await firstReply(ports.get(`${mix} ::`)!, Buffer.from('dual stack'));
        assert.equal(reply.toString(), 'dual stack');
      }));
  }
});
