// Starts the baseline: a bare Node TLS relay chain, entry (TCP→TLS) and exit (TLS→TCP) in two processes.
import type { ChildSet } from './children.js';
import type { Routes } from './routes.js';
import { takePorts } from './ports.js';

/** How long a relay child may take to bind its listeners (includes generating its certificate). */
const RELAY_START_TIMEOUT_MS = 15_000;

/**
 * Starts exit then entry hops in front of the two targets; returns the entry ports, source first,
 * and the process ids of both hops.
 * `tsxArgs` are the node arguments that run a bench .ts file.
 */
export async function startChain(
  children: ChildSet,
  cwd: string,
  tsxArgs: string[],
  targets: Routes,
): Promise<Routes & { pids: number[] }> {
  const exit = children.start(
    'relay exit',
    process.execPath,
    [...tsxArgs, 'bench/tls-relay.ts', 'exit', String(targets.sourcePort), String(targets.echoPort)],
    cwd,
  );
  const exitPorts = await children.waitForPorts(exit, RELAY_START_TIMEOUT_MS);
  const entry = children.start(
    'relay entry',
    process.execPath,
    [...tsxArgs, 'bench/tls-relay.ts', 'entry', ...exitPorts.map(String)],
    cwd,
  );
  const [sourcePort, echoPort] = takePorts(await children.waitForPorts(entry, RELAY_START_TIMEOUT_MS), 2);
  return { sourcePort, echoPort, pids: [entry.proc.pid ?? 0, exit.proc.pid ?? 0] };
}
