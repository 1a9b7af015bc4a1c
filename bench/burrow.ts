// Starts the tunnel under test: `burrow server` and `burrow client` (the built CLI) with TLS and tcpMux on.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildSet } from './children.js';
import { freePorts } from './ports.js';
import { LOOPBACK } from './protocol.js';
import type { Routes } from './routes.js';

/** The built CLI, relative to the repository root. */
export const CLI_PATH = 'dist/cli/main.js';
/** The line `burrow server` prints on stderr once it accepts clients. */
const SERVER_READY_LINE = 'burrow server listening on';
/** How long the server may take to start (generating its certificate included). */
const SERVER_START_TIMEOUT_MS = 15_000;
/** Quiet logs during measurement: a log line per connection would be part of what we measure. */
const LOG_LEVEL = 'warn';
/** Random bytes in the throw-away auth token. */
const TOKEN_BYTES = 16;
/**
 * Extra node arguments for the burrow processes, split on spaces, e.g.
 * `BENCH_BURROW_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` (node refuses --cpu-prof in NODE_OPTIONS).
 */
function nodeArgs(): string[] {
  return (process.env.BENCH_BURROW_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

function serverToml(bindPort: number, token: string, stateDir: string): string {
  return [
    `bindAddr = "${LOOPBACK}"`,
    `bindPort = ${bindPort}`,
    `auth.token = "${token}"`,
    'transport.tcpMux = true',
    `stateDir = ${JSON.stringify(stateDir)}`,
    '',
  ].join('\n');
}

function proxyToml(name: string, localPort: number, remotePort: number): string {
  return [
    '[[proxies]]',
    `name = "${name}"`,
    'type = "tcp"',
    `localIP = "${LOOPBACK}"`,
    `localPort = ${localPort}`,
    `remotePort = ${remotePort}`,
    '',
  ].join('\n');
}

function clientToml(serverPort: number, token: string, targets: Routes, remote: Routes, wire: WireVersion): string {
  return [
    `serverAddr = "${LOOPBACK}"`,
    `serverPort = ${serverPort}`,
    `auth.token = "${token}"`,
    'transport.tcpMux = true',
    'transport.tls.enable = true',
    `transport.wireProtocol = "${wire}"`,
    '',
    proxyToml('bench-source', targets.sourcePort, remote.sourcePort),
    proxyToml('bench-echo', targets.echoPort, remote.echoPort),
  ].join('\n');
}

/** frp wire protocol the bench client speaks (v2 only changes the control channel). */
export type WireVersion = 'v1' | 'v2';

/** A started burrow tunnel: its public routes, what a client needs to log in, and the two processes. */
export interface BurrowRoutes extends Routes {
  bindPort: number;
  token: string;
  /** Process ids of `burrow server` and `burrow client` (for RSS readings). */
  pids: number[];
}

/**
 * Writes frps/frpc configs named after `label` into `workDir`, starts the server, waits for its
 * ready line, then starts the client. Returns the server-side remote ports (the caller waits for
 * them to serve).
 */
export async function startBurrow(
  children: ChildSet,
  cwd: string,
  workDir: string,
  targets: Routes,
  wire: WireVersion = 'v1',
  label: string = wire,
): Promise<BurrowRoutes> {
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const [bindPort, sourcePort, echoPort] = await freePorts(3);
  const remote: Routes = { sourcePort, echoPort };
  const serverConfig = path.join(workDir, `frps-${label}.toml`);
  const clientConfig = path.join(workDir, `frpc-${label}.toml`);
  const stateDir = path.join(workDir, 'state');
  writeFileSync(serverConfig, serverToml(bindPort, token, stateDir));
  writeFileSync(clientConfig, clientToml(bindPort, token, targets, remote, wire));

  const server = children.start(
    `burrow server (${label})`,
    process.execPath,
    [...nodeArgs(), CLI_PATH, 'server', '-c', serverConfig, '--state-dir', stateDir, '--log-level', LOG_LEVEL],
    cwd,
  );
  await children.waitForLine(server, SERVER_READY_LINE, SERVER_START_TIMEOUT_MS);
  const client = children.start(
    `burrow client (${label})`,
    process.execPath,
    [...nodeArgs(), CLI_PATH, 'client', '-c', clientConfig, '--log-level', LOG_LEVEL],
    cwd,
  );
  return { ...remote, bindPort, token, pids: [server.proc.pid ?? 0, client.proc.pid ?? 0] };
}

/** The Host the http-rps proxy is routed by. */
export const HTTP_BENCH_HOST = 'bench.local';

/**
 * A burrow pair with one proxy (`proxyLines`, a [[proxies]] table) for one figure: the server
 * with `serverExtra` lines, its ready line awaited, then the client. Returns both process ids.
 */
async function startOneProxyPair(
  children: ChildSet,
  cwd: string,
  workDir: string,
  label: string,
  bindPort: number,
  serverExtra: string[],
  proxyLines: string[],
): Promise<number[]> {
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const stateDir = path.join(workDir, 'state');
  const serverConfig = path.join(workDir, `frps-${label}.toml`);
  const clientConfig = path.join(workDir, `frpc-${label}.toml`);
  writeFileSync(serverConfig, [serverToml(bindPort, token, stateDir), ...serverExtra, ''].join('\n'));
  writeFileSync(
    clientConfig,
    [`serverAddr = "${LOOPBACK}"`, `serverPort = ${bindPort}`, `auth.token = "${token}"`, '', ...proxyLines, ''].join(
      '\n',
    ),
  );
  const server = children.start(
    `burrow server (${label})`,
    process.execPath,
    [...nodeArgs(), CLI_PATH, 'server', '-c', serverConfig, '--log-level', LOG_LEVEL],
    cwd,
  );
  await children.waitForLine(server, SERVER_READY_LINE, SERVER_START_TIMEOUT_MS);
  const client = children.start(
    `burrow client (${label})`,
    process.execPath,
    [...nodeArgs(), CLI_PATH, 'client', '-c', clientConfig, '--log-level', LOG_LEVEL],
    cwd,
  );
  return [server.proc.pid ?? 0, client.proc.pid ?? 0];
}

/**
 * A second burrow pair for http-rps: a server with vhostHTTPPort and a client with one http proxy
 * (customDomains = HTTP_BENCH_HOST) to the HTTP origin. Returns the vhost port and both process ids.
 */
export async function startBurrowHttp(
  children: ChildSet,
  cwd: string,
  workDir: string,
  originPort: number,
): Promise<{ vhostPort: number; pids: number[] }> {
  const [bindPort, vhostPort] = await freePorts(2);
  const pids = await startOneProxyPair(
    children,
    cwd,
    workDir,
    'http',
    bindPort,
    [`vhostHTTPPort = ${vhostPort}`],
    [
      '[[proxies]]',
      'name = "bench-http"',
      'type = "http"',
      `localIP = "${LOOPBACK}"`,
      `localPort = ${originPort}`,
      `customDomains = ["${HTTP_BENCH_HOST}"]`,
    ],
  );
  return { vhostPort, pids };
}

/** A third burrow pair for udp-throughput: one udp proxy to the UDP echo target; returns its public port. */
export async function startBurrowUdp(
  children: ChildSet,
  cwd: string,
  workDir: string,
  localPort: number,
): Promise<{ remotePort: number; pids: number[] }> {
  const [bindPort, remotePort] = await freePorts(2);
  const pids = await startOneProxyPair(
    children,
    cwd,
    workDir,
    'udp',
    bindPort,
    [],
    [
      '[[proxies]]',
      'name = "bench-udp"',
      'type = "udp"',
      `localIP = "${LOOPBACK}"`,
      `localPort = ${localPort}`,
      `remotePort = ${remotePort}`,
    ],
  );
  return { remotePort, pids };
}
