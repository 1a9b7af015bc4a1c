// The real frp in the bench: frps + frpc 0.70.0 (../shared/frp-0.70.0, or BURROW_FRP_DIR) in the same topology as burrow.
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildSet } from './children.js';
import { freePorts } from './ports.js';
import { LOOPBACK } from './protocol.js';
import type { Routes } from './routes.js';

/** Random bytes in the throw-away auth token. */
const TOKEN_BYTES = 16;
/** frp's log level during measurement: frps and frpc log each user connection at info. */
const FRP_LOG_LEVEL = 'warn';

/** Where frpc and frps are: BURROW_FRP_DIR, else ../shared/frp-0.70.0 beside the repository. */
export function frpDir(repoRoot: string): string {
  return process.env.BURROW_FRP_DIR ?? path.resolve(repoRoot, '../shared/frp-0.70.0');
}

/** True when both frp binaries are there and executable: the bench then adds an frp column. */
export function frpPresent(repoRoot: string): boolean {
  try {
    for (const bin of ['frps', 'frpc']) accessSync(path.join(frpDir(repoRoot), bin), fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A started frp pair. */
export interface FrpPair {
  bindPort: number;
  token: string;
  /** Process ids of frps and frpc (for RSS readings). */
  pids: number[];
}

/** One tcp proxy of frpc.toml. */
function tcpProxy(name: string, localPort: number, remotePort: number): string[] {
  return [
    '[[proxies]]',
    `name = "${name}"`,
    'type = "tcp"',
    `localIP = "${LOOPBACK}"`,
    `localPort = ${localPort}`,
    `remotePort = ${remotePort}`,
    '',
  ];
}

/**
 * Starts frps with `serverExtra` lines and frpc with `proxies` (TLS and tcpMux on, frp's defaults,
 * as burrow's pair runs). frpc keeps retrying its login until frps listens (loginFailExit = false),
 * so the caller only waits for the routes.
 */
async function startPair(
  children: ChildSet,
  repoRoot: string,
  workDir: string,
  label: string,
  serverExtra: string[],
  proxies: string[],
): Promise<FrpPair> {
  const dir = frpDir(repoRoot);
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const [bindPort] = await freePorts(1);
  const serverConfig = path.join(workDir, `frp-frps-${label}.toml`);
  const clientConfig = path.join(workDir, `frp-frpc-${label}.toml`);
  const log = [`log.level = "${FRP_LOG_LEVEL}"`];
  writeFileSync(
    serverConfig,
    [`bindAddr = "${LOOPBACK}"`, `bindPort = ${bindPort}`, `auth.token = "${token}"`, ...log, ...serverExtra, ''].join(
      '\n',
    ),
  );
  writeFileSync(
    clientConfig,
    [
      `serverAddr = "${LOOPBACK}"`,
      `serverPort = ${bindPort}`,
      `auth.token = "${token}"`,
      'loginFailExit = false',
      'transport.tcpMux = true',
      'transport.tls.enable = true',
      ...log,
      '',
      ...proxies,
    ].join('\n'),
  );
  const server = children.start(`frps (${label})`, path.join(dir, 'frps'), ['-c', serverConfig], workDir);
  const client = children.start(`frpc (${label})`, path.join(dir, 'frpc'), ['-c', clientConfig], workDir);
  return { bindPort, token, pids: [server.proc.pid ?? 0, client.proc.pid ?? 0] };
}

/** frps + frpc with tcp proxies to the source and echo targets; returns their public ports. */
export async function startFrp(
  children: ChildSet,
  repoRoot: string,
  workDir: string,
  targets: Routes,
  label = 'tcp',
): Promise<Routes & FrpPair> {
  const [sourcePort, echoPort] = await freePorts(2);
  const pair = await startPair(
    children,
    repoRoot,
    workDir,
    label,
    [],
    [
      ...tcpProxy('bench-source', targets.sourcePort, sourcePort),
      ...tcpProxy('bench-echo', targets.echoPort, echoPort),
    ],
  );
  return { sourcePort, echoPort, ...pair };
}

/** frps with vhostHTTPPort and frpc with one http proxy (customDomains = host) to the origin. */
export async function startFrpHttp(
  children: ChildSet,
  repoRoot: string,
  workDir: string,
  originPort: number,
  host: string,
): Promise<{ vhostPort: number; pids: number[] }> {
  const [vhostPort] = await freePorts(1);
  const pair = await startPair(
    children,
    repoRoot,
    workDir,
    'http',
    [`vhostHTTPPort = ${vhostPort}`],
    [
      '[[proxies]]',
      'name = "bench-http"',
      'type = "http"',
      `localIP = "${LOOPBACK}"`,
      `localPort = ${originPort}`,
      `customDomains = ["${host}"]`,
      '',
    ],
  );
  return { vhostPort, pids: pair.pids };
}

/** frps + frpc with one udp proxy to the UDP echo target; returns its public port. */
export async function startFrpUdp(
  children: ChildSet,
  repoRoot: string,
  workDir: string,
  localPort: number,
): Promise<{ remotePort: number; pids: number[] }> {
  const [remotePort] = await freePorts(1);
  const pair = await startPair(
    children,
    repoRoot,
    workDir,
    'udp',
    [],
    [
      '[[proxies]]',
      'name = "bench-udp"',
      'type = "udp"',
      `localIP = "${LOOPBACK}"`,
      `localPort = ${localPort}`,
      `remotePort = ${remotePort}`,
      '',
    ],
  );
  return { remotePort, pids: pair.pids };
}
