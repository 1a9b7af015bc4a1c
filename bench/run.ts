// `npm run bench [-- --quick] [--only=<step>,…]`: burrow's figures against their baselines, measured in one run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BurrowError, ErrorCode, errorMessage } from '../src/errors.js';
import {
  CLI_PATH,
  HTTP_BENCH_HOST,
  startBurrow,
  startBurrowHttp,
  startBurrowUdp,
  type BurrowRoutes,
} from './burrow.js';
import { startChain } from './chain.js';
import { ChildSet } from './children.js';
import {
  connectionsWithin,
  measureHeldConnections,
  openFilesLimit,
  openIdleConnections,
  closeAll,
  totalRss,
} from './conns.js';
import { frpPresent, startFrp, startFrpHttp, startFrpUdp, type FrpPair } from './frp.js';
import { kbPerClient } from './clients.js';
import { udpEchoRate, waitForUdpRoute, UDP_DATAGRAM_BYTES } from './udp.js';
import { downloadMBps, httpRps, parallelDownloadMBps, pingPongMicros, waitForHttp } from './measure.js';
import { certIssueRate, loginRate } from './rates.js';
import { markdownTable, result, writeResults, type Result } from './report.js';
import { takePorts } from './ports.js';
import { waitForEchoRoute, waitForRoutes, type Routes } from './routes.js';
import { median, percentile } from './stats.js';
import { clientReadyMs, cliStartMs } from './startup.js';

const MIB = 1024 * 1024;

/** What one run measures: download size and repetitions, round trips and their warm-up. */
interface Plan {
  readonly downloadBytes: number;
  readonly repeats: number;
  readonly roundTrips: number;
  readonly warmupRoundTrips: number;
  /** How long the login and certificate rates are measured. */
  readonly rateSeconds: number;
  /** Idle connections conns-10k-kb holds (fewer if the open-files limit says so). */
  readonly heldConnections: number;
  /** Logged-in clients clients-1k holds against one server. */
  readonly clients: number;
}

/** Parallel streams of tcp-throughput-8 (each downloads downloadBytes / PARALLEL_STREAMS). */
const PARALLEL_STREAMS = 8;
/** Keep-alive HTTP connections of http-rps. */
const HTTP_CONNECTIONS = 32;
/** Seconds of unmeasured requests through each http-rps route first. */
const HTTP_WARMUP_SECONDS = 1;
/** Clients logging in at once for login-rate. */
const PARALLEL_LOGINS = 16;
/** Upper bound on certificates issued by cert-issue-rate. */
const MAX_CERTS = 5_000;

/** The full run (default) and the `--quick` run. */
const PLANS: Record<'full' | 'quick', Plan> = {
  full: {
    downloadBytes: 512 * MIB,
    repeats: 5,
    roundTrips: 20_000,
    warmupRoundTrips: 1_000,
    rateSeconds: 5,
    heldConnections: 10_000,
    clients: 1_000,
  },
  quick: {
    downloadBytes: 64 * MIB,
    repeats: 3,
    roundTrips: 3_000,
    warmupRoundTrips: 300,
    rateSeconds: 2,
    heldConnections: 2_000,
    clients: 1_000,
  },
};
/** An unmeasured download per tunnel first, so JIT and TCP windows are warm for the first repetition. */
const WARMUP_DOWNLOAD_BYTES = 64 * MIB;
/** Hard limit for any single measurement (download or ping-pong run); exceeding it fails the bench. */
const MEASURE_TIMEOUT_MS = 120_000;
/** Connections opened and closed through a tunnel before conns-10k-kb's first RSS reading (lazy set-up costs). */
const CONNS_WARMUP = 200;
/** How long a target child may take to bind. */
const TARGET_START_TIMEOUT_MS = 10_000;
/** How long both routes of a tunnel may take to carry traffic once its processes are up. */
const ROUTES_READY_DEADLINE_MS = 20_000;
/** Exit code after Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;
/** Node arguments that run a bench .ts file in a child. */
const TSX_ARGS = ['--import', 'tsx'];

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');
/** Where a run with --only writes its figures. */
const PARTIAL_RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results', 'partial.json');

/** The tunnels compared; burrow first in the report. */
interface Tunnels {
  readonly burrow: BurrowRoutes;
  /** The same tunnel with a client speaking frp wire v2 (AEAD control channel; data path unchanged). */
  readonly burrowV2: Routes;
  readonly baseline: Routes;
  /** The real frps + frpc in the same topology, when frp is beside the repository. */
  readonly frp?: Routes & FrpPair;
}
type TunnelName = Exclude<keyof Tunnels, 'frp'> | 'frp';
/** A tunnel measured against the baseline. */
type Subject = 'burrow' | 'burrowV2';
/** Samples per tunnel. */
type PerTunnel = Record<TunnelName, number[]>;
const perTunnel = (): PerTunnel => ({ burrow: [], burrowV2: [], baseline: [], frp: [] });
/** An unmeasured second after an http pair starts, and how long idle-rss lets a started pair settle. */
const IDLE_SETTLE_MS = 2_000;

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The groups of figures, in run order; `--only=a,b` runs some of them (for working on one figure). */
const STEPS = [
  'tcp-throughput-1',
  'tcp-throughput-1-v2',
  'tcp-throughput-8',
  'latency',
  'http-rps',
  'udp-throughput',
  'conns-10k-kb',
  'idle-rss',
  'clients-1k',
  'login-rate',
  'cert-issue-rate',
  'cli-start',
  'client-ready',
] as const;
type Step = (typeof STEPS)[number];
const ONLY_PREFIX = '--only=';

/** What the command line asks for: the plan, and the steps to run (all unless --only). */
function parseArgs(argv: string[]): { plan: Plan; steps: Step[]; partial: boolean } {
  let steps: Step[] = [...STEPS];
  let partial = false;
  for (const arg of argv) {
    if (arg === '--quick') continue;
    if (arg.startsWith(ONLY_PREFIX)) {
      const names = arg.slice(ONLY_PREFIX.length).split(',');
      const unknown = names.filter((n) => !(STEPS as readonly string[]).includes(n));
      if (unknown.length > 0)
        throw new BurrowError(ErrorCode.USAGE, `bench: unknown step ${unknown.join(', ')}; steps: ${STEPS.join(', ')}`);
      steps = STEPS.filter((step) => names.includes(step));
      partial = true;
      continue;
    }
    throw new BurrowError(ErrorCode.USAGE, `bench: expected --quick and/or ${ONLY_PREFIX}<step>[,<step>…], got ${arg}`);
  }
  return { plan: argv.includes('--quick') ? PLANS.quick : PLANS.full, steps, partial };
}

/** Rotates which tunnel goes first, so slow drift of the machine does not favour one of them; frp takes part when measured. */
function orderFor(repeat: number, subject: Subject = 'burrow', withFrp = false): TunnelName[] {
  const names: TunnelName[] = withFrp ? [subject, 'baseline', 'frp'] : [subject, 'baseline'];
  const shift = repeat % names.length;
  return [...names.slice(shift), ...names.slice(0, shift)];
}

/** The median of frp's samples when frp took part, else undefined (no frp column). */
function frpMedian(samples: PerTunnel, measured: boolean): number | undefined {
  return measured ? median(samples.frp) : undefined;
}

/** ", frp X unit" for a progress line when frp took part. */
function frpNote(samples: number[], unit: string, digits = 1): string {
  return samples.length > 0 ? `, frp ${samples.at(-1)?.toFixed(digits)} ${unit}` : '';
}

/** The routes of a tunnel (frp's only when it was started). */
function routesOf(tunnels: Tunnels, name: TunnelName): Routes {
  const routes = tunnels[name];
  if (routes === undefined) throw new BurrowError(ErrorCode.INTERNAL, `bench: tunnel ${name} was not started`);
  return routes;
}

async function measureThroughput(
  tunnels: Tunnels,
  plan: Plan,
  children: ChildSet,
  subject: Subject,
  name: string,
): Promise<Result> {
  const rates = perTunnel();
  // frp's counterpart of the v2 row would be frpc on wire v2; the frp column compares the default (v1) row only.
  const withFrp = tunnels.frp !== undefined && subject === 'burrow';
  for (const tunnel of orderFor(0, subject, withFrp)) {
    await downloadMBps(routesOf(tunnels, tunnel).sourcePort, WARMUP_DOWNLOAD_BYTES, MEASURE_TIMEOUT_MS);
  }
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const tunnel of orderFor(repeat, subject, withFrp)) {
      rates[tunnel].push(
        await downloadMBps(routesOf(tunnels, tunnel).sourcePort, plan.downloadBytes, MEASURE_TIMEOUT_MS),
      );
      children.assertAllRunning();
    }
    progress(
      `${name} ${repeat + 1}/${plan.repeats}: burrow ${rates[subject].at(-1)?.toFixed(1)} MB/s, ` +
        `baseline ${rates.baseline.at(-1)?.toFixed(1)} MB/s${frpNote(rates.frp, 'MB/s')}`,
    );
  }
  const frp = tunnels.frp === undefined ? undefined : withFrp ? median(rates.frp) : null;
  return result(name, median(rates[subject]), median(rates.baseline), 'MB/s', { frp });
}

async function measureParallelThroughput(tunnels: Tunnels, plan: Plan, children: ChildSet): Promise<Result> {
  const rates = perTunnel();
  const withFrp = tunnels.frp !== undefined;
  const each = Math.floor(plan.downloadBytes / PARALLEL_STREAMS);
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const tunnel of orderFor(repeat, 'burrow', withFrp)) {
      rates[tunnel].push(
        await parallelDownloadMBps(routesOf(tunnels, tunnel).sourcePort, PARALLEL_STREAMS, each, MEASURE_TIMEOUT_MS),
      );
      children.assertAllRunning();
    }
    progress(
      `tcp-throughput-8 ${repeat + 1}/${plan.repeats}: burrow ${rates.burrow.at(-1)?.toFixed(1)} MB/s, ` +
        `baseline ${rates.baseline.at(-1)?.toFixed(1)} MB/s${frpNote(rates.frp, 'MB/s')}`,
    );
  }
  return result('tcp-throughput-8', median(rates.burrow), median(rates.baseline), 'MB/s', {
    frp: frpMedian(rates, withFrp),
  });
}

/** http-rps: an http vhost proxy vs a plain Node HTTP reverse proxy, both to the same origin. */
async function measureHttpRps(children: ChildSet, workDir: string, plan: Plan): Promise<Result> {
  const origin = children.start(
    'http origin',
    process.execPath,
    [...TSX_ARGS, 'bench/http-target.ts', 'origin'],
    REPO_ROOT,
  );
  const [originPort] = await children.waitForPorts(origin, TARGET_START_TIMEOUT_MS);
  const baselineChild = children.start(
    'http reverse proxy',
    process.execPath,
    [...TSX_ARGS, 'bench/http-target.ts', 'proxy', String(originPort)],
    REPO_ROOT,
  );
  const [baselinePort] = await children.waitForPorts(baselineChild, TARGET_START_TIMEOUT_MS);
  const { vhostPort: burrowPort } = await startBurrowHttp(children, REPO_ROOT, workDir, originPort!);
  const withFrp = frpPresent(REPO_ROOT);
  const ports: Partial<Record<TunnelName, number>> = { burrow: burrowPort, baseline: baselinePort! };
  if (withFrp) {
    ports.frp = (await startFrpHttp(children, REPO_ROOT, workDir, originPort!, HTTP_BENCH_HOST)).vhostPort;
  }
  for (const port of Object.values(ports)) await waitForHttp(port, HTTP_BENCH_HOST, ROUTES_READY_DEADLINE_MS);
  const rates = perTunnel();
  // Unmeasured first: JIT, and the work-connection pool and keep-alive connections filled.
  for (const port of Object.values(ports))
    await httpRps(port, HTTP_BENCH_HOST, HTTP_CONNECTIONS, HTTP_WARMUP_SECONDS, MEASURE_TIMEOUT_MS);
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const name of orderFor(repeat, 'burrow', withFrp)) {
      const port = ports[name];
      if (port === undefined) continue;
      rates[name].push(await httpRps(port, HTTP_BENCH_HOST, HTTP_CONNECTIONS, plan.rateSeconds, MEASURE_TIMEOUT_MS));
    }
    children.assertAllRunning();
    progress(
      `http-rps ${repeat + 1}/${plan.repeats}: burrow ${rates.burrow.at(-1)?.toFixed(0)} req/s, ` +
        `baseline ${rates.baseline.at(-1)?.toFixed(0)} req/s${frpNote(rates.frp, 'req/s', 0)}`,
    );
  }
  return result('http-rps', median(rates.burrow), median(rates.baseline), 'req/s', {
    frp: frpMedian(rates, withFrp),
  });
}

/**
 * conns-10k-kb: a fresh burrow pair and a fresh relay chain, each in front of its own echo target;
 * KB of RSS (burrow server + client, or entry + exit hop) per idle connection held through them.
 */
async function measureConns(children: ChildSet, workDir: string, plan: Plan): Promise<Result> {
  const fdLimit = openFilesLimit();
  const count = connectionsWithin(plan.heldConnections, fdLimit);
  if (count < plan.heldConnections)
    progress(
      `conns-10k-kb: open-files limit ${fdLimit}, holding ${count} connections instead of ${plan.heldConnections}`,
    );
  const startEcho = async (label: string): Promise<number> => {
    const echo = children.start(
      `target echo (${label})`,
      process.execPath,
      [...TSX_ARGS, 'bench/target.ts', 'echo'],
      REPO_ROOT,
    );
    const [port] = await children.waitForPorts(echo, TARGET_START_TIMEOUT_MS);
    return port!;
  };
  const burrowEcho = await startEcho('conns burrow');
  const burrow = await startBurrow(
    children,
    REPO_ROOT,
    workDir,
    { sourcePort: burrowEcho, echoPort: burrowEcho },
    'v1',
    'conns',
  );
  const chainEcho = await startEcho('conns baseline');
  const chain = await startChain(children, REPO_ROOT, TSX_ARGS, { sourcePort: chainEcho, echoPort: chainEcho });
  const measured: [TunnelName, { echoPort: number; pids: number[] }][] = [
    ['burrow', burrow],
    ['baseline', chain],
  ];
  if (frpPresent(REPO_ROOT)) {
    const frpEcho = await startEcho('conns frp');
    const frp = await startFrp(children, REPO_ROOT, workDir, { sourcePort: frpEcho, echoPort: frpEcho }, 'conns');
    measured.push(['frp', frp]);
  }
  for (const [name, tunnel] of measured) {
    await waitForEchoRoute(`${name} (conns)`, tunnel.echoPort, ROUTES_READY_DEADLINE_MS);
  }
  const kb: Partial<Record<TunnelName, number>> = {};
  for (const [name, tunnel] of measured) {
    await closeAll(await openIdleConnections(tunnel.echoPort, CONNS_WARMUP, MEASURE_TIMEOUT_MS));
    const reading = await measureHeldConnections(tunnel.echoPort, tunnel.pids, count, MEASURE_TIMEOUT_MS);
    children.assertAllRunning();
    kb[name] = reading.kbPerConn;
    progress(
      `conns-10k-kb ${name}: ${count} connections, RSS ${(reading.rssBeforeBytes / MIB).toFixed(1)} → ` +
        `${(reading.rssAfterBytes / MIB).toFixed(1)} MiB, ${reading.kbPerConn.toFixed(1)} KB per connection`,
    );
  }
  return result('conns-10k-kb', kb.burrow ?? 0, kb.baseline ?? 0, 'KB/conn', { connections: count, frp: kb.frp });
}

/**
 * udp-throughput: echoed datagrams/s (UDP_DATAGRAM_BYTES each, a bounded window in flight) through a
 * udp proxy, against the same echo reached directly (the baseline: no tunnel at all), and the loss.
 */
async function measureUdp(children: ChildSet, workDir: string, plan: Plan): Promise<Result[]> {
  const echo = children.start('udp echo', process.execPath, [...TSX_ARGS, 'bench/udp-target.ts'], REPO_ROOT);
  const [echoPort] = await children.waitForPorts(echo, TARGET_START_TIMEOUT_MS);
  const withFrp = frpPresent(REPO_ROOT);
  const ports: Partial<Record<TunnelName, number>> = {
    burrow: (await startBurrowUdp(children, REPO_ROOT, workDir, echoPort!)).remotePort,
    baseline: echoPort!,
  };
  if (withFrp) ports.frp = (await startFrpUdp(children, REPO_ROOT, workDir, echoPort!)).remotePort;
  for (const [name, port] of Object.entries(ports)) await waitForUdpRoute(name, port, ROUTES_READY_DEADLINE_MS);
  const rates = perTunnel();
  const losses = perTunnel();
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const name of orderFor(repeat, 'burrow', withFrp)) {
      const port = ports[name];
      if (port === undefined) continue;
      const reading = await udpEchoRate(port, plan.rateSeconds);
      rates[name].push(reading.rate);
      losses[name].push(reading.loss * 100);
    }
    children.assertAllRunning();
    progress(
      `udp-throughput ${repeat + 1}/${plan.repeats}: burrow ${rates.burrow.at(-1)?.toFixed(0)} dgram/s ` +
        `(${losses.burrow.at(-1)?.toFixed(2)} % lost), direct ${rates.baseline.at(-1)?.toFixed(0)} dgram/s` +
        (withFrp ? `, frp ${rates.frp.at(-1)?.toFixed(0)} dgram/s (${losses.frp.at(-1)?.toFixed(2)} % lost)` : ''),
    );
  }
  return [
    result(`udp-throughput (${UDP_DATAGRAM_BYTES} B)`, median(rates.burrow), median(rates.baseline), 'dgram/s', {
      frp: frpMedian(rates, withFrp),
    }),
    result('udp-loss', median(losses.burrow), null, '%', { frp: frpMedian(losses, withFrp) }),
  ];
}

/**
 * idle-rss: MB of RSS of a freshly started tunnel's two processes (burrow server + client with its
 * two tcp proxies, the relay chain's two hops, frps + frpc) once it carries traffic and has settled.
 */
async function measureIdleRss(children: ChildSet, workDir: string): Promise<Result> {
  const echo = children.start(
    'target echo (idle)',
    process.execPath,
    [...TSX_ARGS, 'bench/target.ts', 'echo'],
    REPO_ROOT,
  );
  const [echoPort] = await children.waitForPorts(echo, TARGET_START_TIMEOUT_MS);
  const targets: Routes = { sourcePort: echoPort!, echoPort: echoPort! };
  const pairs: [TunnelName, { echoPort: number; pids: number[] }][] = [
    ['burrow', await startBurrow(children, REPO_ROOT, workDir, targets, 'v1', 'idle')],
    ['baseline', await startChain(children, REPO_ROOT, TSX_ARGS, targets)],
  ];
  if (frpPresent(REPO_ROOT)) pairs.push(['frp', await startFrp(children, REPO_ROOT, workDir, targets, 'idle')]);
  for (const [name, pair] of pairs) await waitForEchoRoute(`${name} (idle)`, pair.echoPort, ROUTES_READY_DEADLINE_MS);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  const mb: Partial<Record<TunnelName, number>> = {};
  for (const [name, pair] of pairs) mb[name] = (await totalRss(pair.pids)) / MIB;
  children.assertAllRunning();
  progress(
    `idle-rss: burrow ${mb.burrow?.toFixed(1)} MB, baseline ${mb.baseline?.toFixed(1)} MB` +
      (mb.frp === undefined ? '' : `, frp ${mb.frp.toFixed(1)} MB`),
  );
  return result('idle-rss', mb.burrow ?? 0, mb.baseline ?? 0, 'MiB', { frp: mb.frp });
}

async function measureLatency(tunnels: Tunnels, plan: Plan, children: ChildSet): Promise<Result[]> {
  const p50 = perTunnel();
  const p99 = perTunnel();
  const withFrp = tunnels.frp !== undefined;
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    for (const name of orderFor(repeat, 'burrow', withFrp)) {
      const samples = await pingPongMicros(
        routesOf(tunnels, name).echoPort,
        plan.roundTrips,
        plan.warmupRoundTrips,
        MEASURE_TIMEOUT_MS,
      );
      p50[name].push(percentile(samples, 50));
      p99[name].push(percentile(samples, 99));
      children.assertAllRunning();
    }
    progress(
      `latency ${repeat + 1}/${plan.repeats}: p50 burrow ${p50.burrow.at(-1)?.toFixed(1)} µs, ` +
        `baseline ${p50.baseline.at(-1)?.toFixed(1)} µs${frpNote(p50.frp, 'µs')}`,
    );
  }
  return [
    result('latency-p50', median(p50.burrow), median(p50.baseline), 'µs', { frp: frpMedian(p50, withFrp) }),
    result('latency-p99', median(p99.burrow), median(p99.baseline), 'µs', { frp: frpMedian(p99, withFrp) }),
  ];
}

/** Starts both targets, burrow and the baseline chain; returns the routes once all of them carry traffic. */
async function startTunnels(children: ChildSet, workDir: string): Promise<Tunnels> {
  const source = children.start(
    'target source',
    process.execPath,
    [...TSX_ARGS, 'bench/target.ts', 'source'],
    REPO_ROOT,
  );
  const echo = children.start('target echo', process.execPath, [...TSX_ARGS, 'bench/target.ts', 'echo'], REPO_ROOT);
  const [sourcePorts, echoPorts] = await Promise.all([
    children.waitForPorts(source, TARGET_START_TIMEOUT_MS),
    children.waitForPorts(echo, TARGET_START_TIMEOUT_MS),
  ]);
  const [sourcePort] = takePorts(sourcePorts, 1);
  const [echoPort] = takePorts(echoPorts, 1);
  const targets: Routes = { sourcePort, echoPort };
  const tunnels: Tunnels = {
    burrow: await startBurrow(children, REPO_ROOT, workDir, targets, 'v1'),
    burrowV2: await startBurrow(children, REPO_ROOT, workDir, targets, 'v2'),
    baseline: await startChain(children, REPO_ROOT, TSX_ARGS, targets),
    ...(frpPresent(REPO_ROOT) ? { frp: await startFrp(children, REPO_ROOT, workDir, targets) } : {}),
  };
  await waitForRoutes('burrow', tunnels.burrow, ROUTES_READY_DEADLINE_MS);
  await waitForRoutes('burrow (wire v2)', tunnels.burrowV2, ROUTES_READY_DEADLINE_MS);
  await waitForRoutes('baseline', tunnels.baseline, ROUTES_READY_DEADLINE_MS);
  if (tunnels.frp) await waitForRoutes('frp', tunnels.frp, ROUTES_READY_DEADLINE_MS);
  return tunnels;
}

/** Runs one step; `tunnels` starts the shared tunnels the first time a step needs them. */
async function runStep(
  step: Step,
  plan: Plan,
  children: ChildSet,
  workDir: string,
  tunnels: () => Promise<Tunnels>,
): Promise<Result[]> {
  switch (step) {
    case 'tcp-throughput-1':
      return [await measureThroughput(await tunnels(), plan, children, 'burrow', 'tcp-throughput-1')];
    case 'tcp-throughput-1-v2':
      return [await measureThroughput(await tunnels(), plan, children, 'burrowV2', 'tcp-throughput-1-v2')];
    case 'tcp-throughput-8':
      return [await measureParallelThroughput(await tunnels(), plan, children)];
    case 'latency':
      return measureLatency(await tunnels(), plan, children);
    case 'http-rps':
      return [await measureHttpRps(children, workDir, plan)];
    case 'conns-10k-kb':
      return [await measureConns(children, workDir, plan)];
    case 'udp-throughput':
      return measureUdp(children, workDir, plan);
    case 'login-rate': {
      const { burrow, frp } = await tunnels();
      const rate = await loginRate(burrow.bindPort, burrow.token, PARALLEL_LOGINS, plan.rateSeconds);
      // The same logins (frp's protocol: TLS, yamux, Login) against frps.
      const frpRate = frp ? await loginRate(frp.bindPort, frp.token, PARALLEL_LOGINS, plan.rateSeconds) : undefined;
      progress(
        `login-rate: burrow ${rate.toFixed(0)} logins/s${frpRate === undefined ? '' : `, frps ${frpRate.toFixed(0)}`}`,
      );
      return [result('login-rate', rate, null, 'logins/s', { frp: frpRate })];
    }
    case 'idle-rss':
      return [await measureIdleRss(children, workDir)];
    case 'clients-1k': {
      const { burrow, frp } = await tunnels();
      const own = await kbPerClient(burrow.bindPort, burrow.token, burrow.pids[0]!, plan.clients);
      const theirs = frp ? await kbPerClient(frp.bindPort, frp.token, frp.pids[0]!, plan.clients) : undefined;
      progress(
        `clients-1k: ${plan.clients} clients, burrow server ${own.kb.toFixed(1)} KB per client` +
          (theirs ? `, frps ${theirs.kb.toFixed(1)} KB per client` : ''),
      );
      return [result('clients-1k', own.kb, null, 'KB/client', { frp: theirs?.kb })];
    }
    case 'cert-issue-rate':
      return [result('cert-issue-rate', await certIssueRate(plan.rateSeconds, MAX_CERTS), null, 'certs/s')];
    case 'cli-start': {
      // Baseline: a bare `node -e 0`, what any Node CLI pays before its first line of code.
      const start = cliStartMs(REPO_ROOT);
      progress(
        `cli-start: --version ${start.version.toFixed(0)} ms, --help ${start.help.toFixed(0)} ms, node -e 0 ${start.node.toFixed(0)} ms (medians)`,
      );
      return [result('cli-start', start.burrow, start.node, 'ms')];
    }
    case 'client-ready':
      return [result('client-ready', await clientReadyMs(REPO_ROOT, workDir), null, 'ms')];
  }
}

async function main(): Promise<void> {
  const { plan, steps, partial } = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(REPO_ROOT, CLI_PATH))) {
    throw new BurrowError(ErrorCode.USAGE, `bench: ${CLI_PATH} is missing; run \`npm run build\` first`);
  }
  const children = new ChildSet();
  process.on('exit', () => children.killAllNow());
  process.once('SIGINT', () => {
    progress('bench: interrupted, stopping children');
    void children.stopAll().finally(() => process.exit(EXIT_INTERRUPTED));
  });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-'));
  let started: Promise<Tunnels> | undefined;
  const tunnels = (): Promise<Tunnels> => {
    started ??= startTunnels(children, workDir).then((t) => {
      progress(`bench: burrow ${JSON.stringify(t.burrow)}, baseline ${JSON.stringify(t.baseline)}; measuring`);
      return t;
    });
    return started;
  };
  try {
    const results: Result[] = [];
    for (const step of steps) results.push(...(await runStep(step, plan, children, workDir, tunnels)));
    process.stdout.write(`${markdownTable(results)}\n`);
    // A partial run (--only) must not pass for the suite's figures.
    const file = partial ? PARTIAL_RESULTS_FILE : RESULTS_FILE;
    writeResults(file, results);
    progress(`bench: wrote ${path.relative(REPO_ROOT, file)}`);
  } catch (err) {
    // A dead child is usually the cause of a failed measurement: say which one and what it printed.
    if (children.unexpectedExits.length === 0) throw err;
    throw new BurrowError(ErrorCode.INTERNAL, `${errorMessage(err)}\n${children.unexpectedExits.join('\n')}`, {
      cause: err,
    });
  } finally {
    await children.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  progress(`bench failed: ${errorMessage(err)}`);
  process.exitCode = 1;
});
