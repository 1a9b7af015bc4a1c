// Loopback port helpers: pick a free port, and poll a port until a probe through it succeeds.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BurrowError, ErrorCode, errorMessage } from '../src/errors.js';
import { LOOPBACK } from './protocol.js';

/** Pause between two readiness probes. */
const PROBE_INTERVAL_MS = 100;

/** A tuple of N ports, so that destructuring a known count needs no undefined check. */
export type Ports<N extends number, T extends number[] = []> = T['length'] extends N ? T : Ports<N, [...T, number]>;

/** The first `count` of `ports` as a tuple; throws when a child announced fewer than the bench needs. */
export function takePorts<N extends number>(ports: readonly number[], count: N): Ports<N> {
  if (ports.length < count) {
    throw new BurrowError(ErrorCode.INTERNAL, `expected ${count} ports, got ${ports.length}: ${ports.join(',')}`);
  }
  return ports.slice(0, count) as Ports<N>;
}

/**
 * `count` distinct ports that were free a moment ago, for configs that need them up front: all are
 * bound to 0 at once (so the OS hands out different ones), then released.
 */
export async function freePorts<N extends number>(count: N): Promise<Ports<N>> {
  const servers = Array.from({ length: count }, () => net.createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return takePorts(ports, count);
}

/**
 * Calls `probe` every PROBE_INTERVAL_MS until it resolves; throws a TIMEOUT error with the last
 * failure once `deadlineMs` has passed.
 */
export async function waitUntilServing(what: string, probe: () => Promise<unknown>, deadlineMs: number): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  let lastError = 'no attempt made';
  while (Date.now() < giveUpAt) {
    try {
      await probe();
      return;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await sleep(PROBE_INTERVAL_MS);
  }
  throw new BurrowError(ErrorCode.TIMEOUT, `${what} was not serving within ${deadlineMs} ms; last probe: ${lastError}`);
}
