// udp-throughput: echoed datagrams per second through a route, with a bounded number in flight, and the share lost.
import dgram from 'node:dgram';
import { BurrowError, ErrorCode } from '../src/errors.js';
import { LOOPBACK } from './protocol.js';

/** Bytes per datagram: under a 1500-byte MTU with frp's headers, as a game or VPN packet is. */
export const UDP_DATAGRAM_BYTES = 1200;
/** Datagrams sent but not yet echoed at most: a window, so a slower tunnel is measured, not flooded. */
const UDP_IN_FLIGHT = 128;
/** A datagram not echoed within this counts as lost and frees its window slot. */
const UDP_LOSS_TIMEOUT_MS = 500;
/** How often the sender tops the window up and expires lost datagrams. */
const UDP_TICK_MS = 1;
/** Datagrams of the route check before measuring. */
const UDP_PROBE_TIMEOUT_MS = 2_000;
/** Bytes of the sequence number at the start of each datagram. */
const SEQ_BYTES = 4;

/** What one run gives. */
export interface UdpReading {
  /** Datagrams echoed per second. */
  rate: number;
  /** Lost / sent, 0..1. */
  loss: number;
  sent: number;
}

/**
 * Sends numbered datagrams to 127.0.0.1:`port` for `seconds`, keeping up to UDP_IN_FLIGHT
 * unanswered; each echo frees a slot, a datagram unanswered after UDP_LOSS_TIMEOUT_MS is lost.
 * Fails if nothing comes back at all.
 */
export function udpEchoRate(port: number, seconds: number): Promise<UdpReading> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const payload = Buffer.alloc(UDP_DATAGRAM_BYTES, 0x5a);
    /** Sequence number → send time (ms), for datagrams in flight. */
    const inFlight = new Map<number, number>();
    let next = 0;
    let echoed = 0;
    let lost = 0;
    let measuring = true;
    const started = process.hrtime.bigint();
    const topUp = (): void => {
      const now = Date.now();
      for (const [seq, at] of inFlight) {
        if (now - at < UDP_LOSS_TIMEOUT_MS) break; // insertion order = send order
        inFlight.delete(seq);
        lost += 1;
      }
      while (measuring && inFlight.size < UDP_IN_FLIGHT) {
        payload.writeUInt32BE(next, 0);
        inFlight.set(next, now);
        next += 1;
        socket.send(payload, port, LOOPBACK);
      }
    };
    socket.on('message', (msg) => {
      if (msg.length < SEQ_BYTES) return;
      if (!inFlight.delete(msg.readUInt32BE(0))) return; // late: already counted lost
      echoed += 1;
      if (measuring) topUp();
    });
    socket.on('error', (err) => finish(new BurrowError(ErrorCode.NETWORK, `udp-throughput: ${err.message}`)));
    const ticker = setInterval(topUp, UDP_TICK_MS);
    const stopAt = setTimeout(() => {
      measuring = false;
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const rate = echoed / elapsed;
      // Let the last window drain (or expire) before counting what was lost.
      setTimeout(() => {
        lost += inFlight.size;
        const sent = echoed + lost;
        if (echoed === 0)
          finish(new BurrowError(ErrorCode.NETWORK, `udp-throughput: no datagram came back from ${port}`));
        else finish(undefined, { rate, loss: sent === 0 ? 0 : lost / sent, sent });
      }, UDP_LOSS_TIMEOUT_MS);
    }, seconds * 1000);
    let settled = false;
    // A socket error can come after the result (or a second one): settle and close the socket once.
    const finish = (err: Error | undefined, reading?: UdpReading): void => {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(stopAt);
      socket.close();
      if (err) reject(err);
      else resolve(reading!);
    };
    socket.bind(0, LOOPBACK, topUp);
  });
}

/** Resolves once one datagram makes the round trip through `port`, retrying until `deadlineMs`. */
export async function waitForUdpRoute(name: string, port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket('udp4');
      const timer = setTimeout(() => done(false), UDP_PROBE_TIMEOUT_MS / 4);
      const done = (value: boolean): void => {
        clearTimeout(timer);
        socket.close();
        resolve(value);
      };
      socket.on('message', () => done(true));
      socket.on('error', () => done(false));
      socket.bind(0, LOOPBACK, () => socket.send(Buffer.alloc(SEQ_BYTES), port, LOOPBACK));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new BurrowError(ErrorCode.TIMEOUT, `${name} udp route (port ${port}) did not echo within ${deadlineMs} ms`);
  }
}
