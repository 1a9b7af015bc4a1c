// End-to-end harness: runs the real `burrow` CLI (dist/) as child processes on loopback, with local services to tunnel.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point that `npm ci` produces. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** How long a process may take to say it is ready. */
export const READY_TIMEOUT_MS = 20_000;

/** How long one download in a test may take before the test fails. */
export const TRANSFER_TIMEOUT_MS = 60_000;

/**
 * Ports handed out by freePort() come from below Linux's ephemeral range (32768–60999), where the
 * OS never picks the local port of an outgoing connection: a port the OS chose and freed could be
 * taken by any test's next connect() before the child process binds it (EADDRINUSE).
 */
const FREE_PORT_MIN = 20_000;
const FREE_PORT_MAX = 32_767;
/** Tries before giving up on finding a free port in that range. */
const FREE_PORT_ATTEMPTS = 200;
/** Ports this test process handed out already: never the same twice. */
const handedOut = new Set<number>();

/** True when `port` can be bound on 127.0.0.1 right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago, outside the ephemeral range (see FREE_PORT_MIN), never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
    const port = FREE_PORT_MIN + Math.floor(Math.random() * (FREE_PORT_MAX - FREE_PORT_MIN + 1));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${FREE_PORT_MIN}-${FREE_PORT_MAX} after ${FREE_PORT_ATTEMPTS} tries`);
}

/** Scratch directories not yet removed; whatever is left goes when the test file's process exits, pass or fail. */
const scratchDirs = new Set<string>();

/** A fresh scratch directory, removed by removeDir() or, at the latest, when the test process exits. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-e2e-'));
  scratchDirs.add(dir);
  return dir;
}

/** Exit hook: kills the CLI processes still running (they could write into a folder being removed), then removes every scratch directory. */
function removeScratchDirs(): void {
  for (const proc of running) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  scratchDirs.clear();
}
process.once('exit', removeScratchDirs);
// The test runner stops a file that runs past its timeout with SIGTERM, which skips 'exit': clean up, then die of it.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    removeScratchDirs();
    process.kill(process.pid, signal);
  });
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A running `burrow` process with its output collected line by line. */
export class BurrowProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pattern.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  /** All output so far, for assertion messages. */
  get output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first line (past or future) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern} in:\n${this.output}`)),
        timeoutMs,
      );
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Waits until `pattern` has matched `count` lines in total. */
  async waitForCount(pattern: RegExp, count: number, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.filter((line) => pattern.test(line)).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count}× ${pattern} in:\n${this.output}`);
      await sleep(50);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

const running = new Set<BurrowProcess>();

/** Kills every process still running (call from after()). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** Runs `burrow ARGS` to completion; resolves with exit code and output. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const proc = new BurrowProcess(args, env);
  const code = await proc.exited;
  return { code, output: proc.output };
}

/** Runs the CLI and returns its output, failing the test with that output when it exits non-zero. */
export async function runCliOk(args: string[]): Promise<string> {
  const result = await runCli(args);
  assert.equal(result.code, 0, `burrow ${args.join(' ')} failed:\n${result.output}`);
  return result.output;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A local TCP service that sends `payload` to every connection and closes. */
export async function startFileServer(payload: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(payload);
  });
  trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => closeServer(server) };
}

/** A local TCP echo service. */
export async function startEchoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => closeServer(server) };
}

/** Closes a server and every connection it still holds. */
function closeServer(server: net.Server): Promise<void> {
  for (const socket of openSockets.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

const openSockets = new WeakMap<net.Server, Set<net.Socket>>();

/** Remembers a server's live sockets so closeServer() can end them. */
function trackSockets(server: net.Server): void {
  const sockets = new Set<net.Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/** Connects to 127.0.0.1:port and reads until the peer closes; resolves with everything read. */
export function download(port: number, timeoutMs = TRANSFER_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`download from :${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Sends `payload` to 127.0.0.1:port, half-closes, and resolves with what came back before close. */
export function roundTrip(port: number, payload: Buffer, timeoutMs = TRANSFER_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`round trip to :${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.end(payload);
  });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomPayload(size: number): Buffer {
  return randomBytes(size);
}

export function removeDir(dir: string): void {
  scratchDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
