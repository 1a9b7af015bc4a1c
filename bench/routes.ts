// The two entrances a tunnel under test exposes (to the source and to the echo target), and their readiness check.
import { downloadMBps, pingPongMicros } from './measure.js';
import { waitUntilServing } from './ports.js';

/** A single probe may take this long (a TLS handshake plus a work connection, at most). */
const PROBE_TIMEOUT_MS = 2000;

/** Where the bench connects to reach each target through one tunnel. */
export interface Routes {
  /** Leads to the source target (bulk download). */
  readonly sourcePort: number;
  /** Leads to the echo target (ping-pong). */
  readonly echoPort: number;
}

/** Polls both routes until a 1-byte download and a 1-byte round trip go through, or `deadlineMs` passes. */
export async function waitForRoutes(name: string, routes: Routes, deadlineMs: number): Promise<void> {
  await waitUntilServing(
    `${name} source route (port ${routes.sourcePort})`,
    () => downloadMBps(routes.sourcePort, 1, PROBE_TIMEOUT_MS),
    deadlineMs,
  );
  await waitForEchoRoute(name, routes.echoPort, deadlineMs);
}

/** Polls the echo route alone until a 1-byte round trip goes through, or `deadlineMs` passes. */
export async function waitForEchoRoute(name: string, echoPort: number, deadlineMs: number): Promise<void> {
  await waitUntilServing(
    `${name} echo route (port ${echoPort})`,
    () => pingPongMicros(echoPort, 1, 0, PROBE_TIMEOUT_MS),
    deadlineMs,
  );
}
