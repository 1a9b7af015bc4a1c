// Start-up figures: cli-start (`burrow --version` against a bare `node`) and client-ready (process start to "start proxy success").
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BurrowError, ErrorCode } from '../src/errors.js';
import { loadServerConfig, startServer } from '../src/index.js';
import { CLI_PATH } from './burrow.js';
import { freePorts } from './ports.js';
import { LOOPBACK } from './protocol.js';
import { median } from './stats.js';

/** Runs of each command cli-start times (the figure is the median of 10). */
const CLI_START_RUNS = 10;
/** Client start-ups client-ready times; each is a full process start, login and proxy registration. */
const CLIENT_READY_RUNS = 5;
/** Hard limit for one timed process: a hung start fails the bench instead of stalling it. */
const START_TIMEOUT_MS = 30_000;
/** Random bytes in the throw-away auth token. */
const TOKEN_BYTES = 16;
/** The client's log line once its proxy is registered (info level). */
const PROXY_STARTED = 'start proxy success';
const NS_PER_MS = 1e6;
/** Output kept from a timed client, for the error message (the ready line comes within a few lines). */
const MAX_OUTPUT_CHARS = 64 * 1024;

/** Median wall-clock ms of `node ARGS` run to completion, CLI_START_RUNS times. */
function medianRunMs(cwd: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < CLI_START_RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { cwd, stdio: 'ignore', timeout: START_TIMEOUT_MS });
    if (run.status !== 0)
      throw new BurrowError(ErrorCode.INTERNAL, `bench: node ${args.join(' ')} exited ${run.status ?? run.signal}`);
    times.push(Number(process.hrtime.bigint() - start) / NS_PER_MS);
  }
  return median(times);
}

/** cli-start: `burrow --version` and `burrow --help` (the slower of the two), and a bare `node -e 0` as the baseline. */
export function cliStartMs(cwd: string): { burrow: number; node: number; version: number; help: number } {
  const version = medianRunMs(cwd, [CLI_PATH, '--version']);
  const help = medianRunMs(cwd, [CLI_PATH, '--help']);
  const node = medianRunMs(cwd, ['-e', '0']);
  return { burrow: Math.max(version, help), node, version, help };
}

/** Ms from spawning `burrow client -c FILE` to its "start proxy success" line; the process is then killed. */
function timeClientReady(cwd: string, configFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI_PATH, 'client', '-c', configFile, '--log-level', 'info'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BurrowError(ErrorCode.TIMEOUT, `bench: client not ready in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT_CHARS) output += chunk.toString('utf8');
      if (!output.includes(PROXY_STARTED)) return;
      const ms = Number(process.hrtime.bigint() - start) / NS_PER_MS;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.once('exit', () => resolve(ms));
      child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * client-ready: a burrow server in this process (TLS, tcpMux, frp's defaults), and the median over
 * CLIENT_READY_RUNS of a fresh `burrow client` process reaching "start proxy success" (a new remote port each run).
 */
export async function clientReadyMs(cwd: string, workDir: string): Promise<number> {
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const [bindPort, localPort] = await freePorts(2);
  const serverFile = path.join(workDir, 'frps-ready.toml');
  writeFileSync(
    serverFile,
    `bindAddr = "${LOOPBACK}"\nbindPort = ${bindPort}\nauth.token = "${token}"\nstateDir = ${JSON.stringify(path.join(workDir, 'state-ready'))}\n`,
  );
  const server = await startServer((await loadServerConfig(serverFile)).config);
  try {
    const times: number[] = [];
    for (let i = 0; i < CLIENT_READY_RUNS; i++) {
      const [remotePort] = await freePorts(1);
      const clientFile = path.join(workDir, `frpc-ready-${i}.toml`);
      writeFileSync(
        clientFile,
        [
          `serverAddr = "${LOOPBACK}"`,
          `serverPort = ${bindPort}`,
          `auth.token = "${token}"`,
          'transport.tls.enable = true',
          '[[proxies]]',
          `name = "ready-${i}"`,
          'type = "tcp"',
          `localIP = "${LOOPBACK}"`,
          `localPort = ${localPort}`,
          `remotePort = ${remotePort}`,
          '',
        ].join('\n'),
      );
      times.push(await timeClientReady(cwd, clientFile));
    }
    return median(times);
  } finally {
    await server.close({ drainMs: 0 });
  }
}
