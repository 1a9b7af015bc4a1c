// Interop harness: runs the real frp 0.70.0 (frps/frpc) and burrow's CLI side by side on loopback, waits for readiness, dumps logs on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/interop/). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where the real frp binaries live: beside the checkout, overridable so the skip path can be exercised. */
export const FRP_DIR = process.env.BURROW_FRP_DIR ?? path.resolve(REPO_ROOT, '../shared/frp-0.70.0');

/** The built burrow CLI. */
export const BURROW_CLI = path.join(REPO_ROOT, 'dist/cli/main.js');

/** How long a process may take to print its ready line: node start-up plus key generation on a shared 2-core box (load 20+ seen). */
export const READY_TIMEOUT_MS = 45_000;

/** Lines kept per process; older ones are dropped so a chatty peer cannot grow memory without bound. */
const MAX_LOG_LINES = 5_000;

/** Lines of each process printed when a case fails (the tail is where the cause is). */
const DUMP_TAIL_LINES = 80;

/** The auth token every mix uses. */
export const TOKEN = 'interop-token';

function executable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when both real binaries are present and executable. */
export function frpPresent(): boolean {
  return executable(path.join(FRP_DIR, 'frps')) && executable(path.join(FRP_DIR, 'frpc'));
}

/**
 * The `skip` option for every interop suite: a one-line reason outside CI when frp is absent; false otherwise
 * (in CI an absent frp is not skipped, so the suites run and fail on it).
 */
export const FRP_SKIP: string | false =
  !frpPresent() && process.env.CI !== 'true'
    ? `real frp 0.70.0 not found at ${FRP_DIR}; interop skipped (set CI=true to make this fail)`
    : false;

/** Strips ANSI colour codes (frp colours its console log). */
function plain(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;]*m/g, '');
}

/** One running peer (frps, frpc, burrow server or client) with its output kept line by line. */
export class Peer {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  constructor(
    readonly label: string,
    command: string,
    args: string[],
  ) {
    this.child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
    });
    let partial = '';
    const onData = (chunk: Buffer): void => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) this.push(plain(raw));
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    peers.add(this);
  }

  private push(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.shift();
    this.waiters = this.waiters.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first line (past or future) matching `pattern`; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void =>
        reject(new Error(`${this.label}: ${why} waiting for ${pattern}\n${this.tail()}`));
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        fail(`exited (${code})`);
      });
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** The last lines of output, labelled. */
  tail(lines = DUMP_TAIL_LINES): string {
    return `----- ${this.label} (last ${lines} lines) -----\n${this.lines.slice(-lines).join('\n')}`;
  }

  /** Stops the process (SIGKILL by default, as a crash would) and waits for it to exit. */
  stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited.finally(() => peers.delete(this));
  }
}

const peers = new Set<Peer>();

/** Prints the tail of every running peer's log to stderr (call when a case fails). */
export function dumpLogs(): void {
  for (const peer of peers) process.stderr.write(`${peer.tail()}\n`);
}

/** Runs a case body; on failure dumps every peer's log before rethrowing. */
export async function withLogs<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    dumpLogs();
    throw err;
  }
}

/** Stops every peer still running (call from after()). */
export async function stopAll(): Promise<void> {
  await Promise.all([...peers].map((p) => p.stop()));
}

const scratch: string[] = [];

/** A temp dir removed by removeScratch(). */
export function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'burrow-interop-'));
  scratch.push(dir);
  return dir;
}

/** Removes every temp dir made by scratchDir(). */
export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `text` to dir/name and returns the path. */
export function writeConfig(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Which side is real frp: 'frpc→burrow' is a real frpc on a burrow server, 'burrow→frps' a burrow client on a real frps. */
export type Mix = 'frpc→burrow' | 'burrow→frps';
export const MIXES: readonly Mix[] = ['frpc→burrow', 'burrow→frps'];

/** Starts a server of either implementation on `bindPort`; resolves once it listens. */
export async function startServer(impl: 'frps' | 'burrow', dir: string, toml: string): Promise<Peer> {
  const file = writeConfig(dir, `${impl}-server-${scratchCounter++}.toml`, toml);
  if (impl === 'frps') {
    const peer = new Peer(`frps ${path.basename(dir)}`, path.join(FRP_DIR, 'frps'), ['-c', file]);
    await peer.waitFor(/frps started successfully/);
    return peer;
  }
  const peer = new Peer(`burrow server ${path.basename(dir)}`, process.execPath, [BURROW_CLI, 'server', '-c', file]);
  await peer.waitFor(/burrow server listening/);
  return peer;
}

let scratchCounter = 0;

/** The line each client prints once proxy `name` is registered. */
function proxyStarted(impl: 'frpc' | 'burrow', name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return impl === 'frpc'
    ? new RegExp(`\\[${escaped}\\] start proxy success`)
    : new RegExp(`"proxy":"${escaped}".*"msg":"\\[${escaped}\\] start proxy success"`);
}

/** The line each client prints once visitor `name` listens. */
function visitorStarted(impl: 'frpc' | 'burrow', name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return impl === 'frpc'
    ? new RegExp(`visitor added: \\[${escaped}\\]`)
    : new RegExp(`"visitor":"${escaped}".*"msg":"visitor listening"`);
}

/** Starts a client of either implementation; resolves once every named proxy and visitor is up, `expect` matched, or (neither given) it logged in. */
export async function startClient(
  impl: 'frpc' | 'burrow',
  dir: string,
  toml: string,
  ready: { proxies?: string[]; visitors?: string[]; expect?: RegExp } = {},
): Promise<Peer> {
  const file = writeConfig(dir, `${impl}-client-${scratchCounter++}.toml`, toml);
  const peer =
    impl === 'frpc'
      ? new Peer(`frpc ${path.basename(file)}`, path.join(FRP_DIR, 'frpc'), ['-c', file])
      : new Peer(`burrow client ${path.basename(file)}`, process.execPath, [BURROW_CLI, 'client', '-c', file]);
  const waits = [
    ...(ready.proxies ?? []).map((n) => peer.waitFor(proxyStarted(impl, n))),
    ...(ready.visitors ?? []).map((n) => peer.waitFor(visitorStarted(impl, n))),
  ];
  if (ready.expect) waits.push(peer.waitFor(ready.expect));
  if (waits.length === 0) waits.push(peer.waitFor(/login to server success/));
  await Promise.all(waits);
  // frpc logs "visitor added" after a failed start too; the failure is the line before it.
  const failed = peer.lines.find((line) => /start error/.test(line));
  if (failed) throw new Error(`${peer.label}: ${failed}\n${peer.tail()}`);
  return peer;
}

/** The server implementation and client implementation of a mix. */
export function sides(mix: Mix): { server: 'frps' | 'burrow'; client: 'frpc' | 'burrow' } {
  return mix === 'frpc→burrow' ? { server: 'burrow', client: 'frpc' } : { server: 'frps', client: 'burrow' };
}

/** Server config on loopback; burrow gets a stateDir in `dir`, frp ignores nothing it does not know so it gets none. */
export function serverToml(impl: 'frps' | 'burrow', dir: string, bindPort: number, extra: string[] = []): string {
  const lines = ['bindAddr = "127.0.0.1"', `bindPort = ${bindPort}`, `auth.token = "${TOKEN}"`];
  if (impl === 'burrow') lines.push(`stateDir = "${dir}/state"`);
  else lines.push('log.disablePrintColor = true');
  return [...lines, ...extra, ''].join('\n');
}

/** Client config on loopback; `body` holds [[proxies]]/[[visitors]] tables, `extra` top-level keys. */
export function clientToml(impl: 'frpc' | 'burrow', serverPort: number, body: string[], extra: string[] = []): string {
  const lines = [
    'serverAddr = "127.0.0.1"',
    `serverPort = ${serverPort}`,
    `auth.token = "${TOKEN}"`,
    'loginFailExit = false',
  ];
  if (impl === 'frpc') lines.push('log.disablePrintColor = true');
  return [...lines, ...extra, '', ...body, ''].join('\n');
}
