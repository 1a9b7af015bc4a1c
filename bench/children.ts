// Starts, watches and stops the bench's child processes (targets, relays, burrow server and client).
import { spawn, type ChildProcess } from 'node:child_process';
import { BurrowError, ErrorCode } from '../src/errors.js';
import { READY_PREFIX } from './protocol.js';

/** How much of a child's output is kept to explain a failure. */
const OUTPUT_TAIL_CHARS = 4096;
/** After SIGTERM, how long a child gets to exit before SIGKILL. */
const STOP_GRACE_MS = 3000;

/** A started child: its process, a name for messages, and the tail of what it printed. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** The last OUTPUT_TAIL_CHARS of stdout and stderr, interleaved. */
  tail(): string;
}

/** Every child the bench started, so that all of them are stopped at the end and on failure. */
export class ChildSet {
  private readonly children: Child[] = [];
  private stopping = false;
  /** Messages about children that exited while the bench still needed them. */
  readonly unexpectedExits: string[] = [];

  /** Spawns `command args` with piped output (always drained, so a chatty child never blocks). */
  start(name: string, command: string, args: string[], cwd: string): Child {
    const proc = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const child: Child = { name, proc, tail: () => output };
    proc.on('exit', (code, signal) => {
      if (!this.stopping) this.unexpectedExits.push(`${name} exited (code ${code}, signal ${signal}):\n${output}`);
    });
    this.children.push(child);
    return child;
  }

  /** Resolves with the first output line containing `needle`; rejects on exit or after `timeoutMs`. */
  waitForLine(child: Child, needle: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let pending = '';
      const onData = (chunk: Buffer): void => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const hit = lines.find((line) => line.includes(needle));
        if (hit !== undefined) finish(undefined, hit);
      };
      const onExit = (code: number | null): void =>
        finish(
          new BurrowError(
            ErrorCode.INTERNAL,
            `${child.name} exited (code ${code}) before printing "${needle}":\n${child.tail()}`,
          ),
        );
      const timer = setTimeout(
        () =>
          finish(
            new BurrowError(
              ErrorCode.TIMEOUT,
              `${child.name} did not print "${needle}" within ${timeoutMs} ms; its output:\n${child.tail()}`,
            ),
          ),
        timeoutMs,
      );
      const finish = (err: Error | undefined, line?: string): void => {
        clearTimeout(timer);
        child.proc.stdout?.off('data', onData);
        child.proc.stderr?.off('data', onData);
        child.proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(line ?? '');
      };
      child.proc.stdout?.on('data', onData);
      child.proc.stderr?.on('data', onData);
      child.proc.once('exit', onExit);
    });
  }

  /** Waits for a helper child's `READY_PREFIX<port>[,<port>…]` line and returns the ports in order. */
  async waitForPorts(child: Child, timeoutMs: number): Promise<number[]> {
    const line = await this.waitForLine(child, READY_PREFIX, timeoutMs);
    const ports = line
      .slice(line.indexOf(READY_PREFIX) + READY_PREFIX.length)
      .trim()
      .split(',')
      .map(Number);
    if (!ports.every((port) => Number.isInteger(port) && port > 0)) {
      throw new BurrowError(
        ErrorCode.INTERNAL,
        `${child.name}: expected "${READY_PREFIX}<port>[,<port>…]", got "${line}"`,
      );
    }
    return ports;
  }

  /** Throws if any child died while the bench still needed it. */
  assertAllRunning(): void {
    if (this.unexpectedExits.length > 0) {
      throw new BurrowError(ErrorCode.INTERNAL, `a child process died:\n${this.unexpectedExits.join('\n')}`);
    }
  }

  /** SIGTERM to every running child, SIGKILL to those still alive after STOP_GRACE_MS. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const running = this.children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
    await Promise.all(
      running.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              c.proc.kill('SIGKILL');
              resolve(); // do not wait on an 'exit' that may already have happened
            }, STOP_GRACE_MS);
            c.proc.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            c.proc.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Last resort for a synchronous process exit: SIGKILL whatever still runs. */
  killAllNow(): void {
    this.stopping = true;
    for (const c of this.children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    }
  }
}
