// auth.tokenSource type "exec" (frp's ExecSource): runs the command and takes the token from its stdout, bounded in time and size.
import { spawnSync } from 'node:child_process';
import type { AuthInput } from './schema.js';

/** frp's name of the opt-in that lets a config run a command for its token (`--allow-unsafe=TokenSourceExec`). */
export const UNSAFE_TOKEN_SOURCE_EXEC = 'TokenSourceExec';
/** Every feature `--allow-unsafe` may name (frp's ClientUnsafeFeatures / ServerUnsafeFeatures). */
export const UNSAFE_FEATURES = [UNSAFE_TOKEN_SOURCE_EXEC] as const;
/** The command must exit within this, or it is killed and the config refused (frp waits for ever). */
export const TOKEN_EXEC_TIMEOUT_MS = 10_000;
/** Most bytes read from the command's stdout; a token is far smaller, so more is refused. */
export const TOKEN_EXEC_MAX_OUTPUT_BYTES = 64 * 1024;

/** The exec part of a tokenSource, as the schema read it. */
type ExecInput = NonNullable<NonNullable<AuthInput['tokenSource']>['exec']>;

/** Options of runTokenCommand. */
export interface TokenExecOptions {
  /** Deadline of the command; default TOKEN_EXEC_TIMEOUT_MS (tests shorten it). */
  timeoutMs?: number;
  /** The environment the command's own env entries are added to; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What running the command gave: the token, or why there is none (never the output itself). */
export type TokenExecResult = { ok: true; token: string } | { ok: false; path: string; message: string };

/** Checks the exec table as frp's ExecSource.Validate does; undefined when it is fine. */
function invalid(exec: ExecInput | undefined): { path: string; message: string } | undefined {
  if (exec?.command === undefined || exec.command === '')
    return {
      path: 'auth.tokenSource.exec.command',
      message: 'required (expected string) when auth.tokenSource.type is "exec"',
    };
  for (const [i, entry] of (exec.env ?? []).entries()) {
    if (entry.name === '' || entry.name.includes('='))
      return { path: `auth.tokenSource.exec.env[${i}].name`, message: 'expected a non-empty name without "="' };
  }
  return undefined;
}

/**
 * Runs `exec.command` with `exec.args` (no shell), its env entries added to the environment as frp
 * does, stdin closed and stderr passed through, and returns its stdout trimmed. The output is
 * never put in a message: it is the secret.
 */
export function runTokenCommand(exec: ExecInput | undefined, options: TokenExecOptions = {}): TokenExecResult {
  const bad = invalid(exec);
  if (bad !== undefined || exec?.command === undefined) return { ok: false, ...(bad ?? { path: '', message: '' }) };
  const extra = Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value]));
  const timeoutMs = options.timeoutMs ?? TOKEN_EXEC_TIMEOUT_MS;
  const command = JSON.stringify(exec.command);
  const fail = (message: string): TokenExecResult => ({ ok: false, path: 'auth.tokenSource.exec.command', message });
  const run = spawnSync(exec.command, exec.args ?? [], {
    env: { ...(options.env ?? process.env), ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: TOKEN_EXEC_MAX_OUTPUT_BYTES,
    windowsHide: true,
  });
  const code = (run.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') return fail(`${command} did not exit within ${timeoutMs} ms; it was killed`);
  if (code === 'ENOBUFS') return fail(`${command} printed more than ${TOKEN_EXEC_MAX_OUTPUT_BYTES} bytes`);
  if (run.error !== undefined) return fail(`cannot run ${command}: ${code ?? run.error.message}`);
  if (run.status !== 0) {
    const how = run.signal !== null ? `was killed by ${run.signal}` : `exited with status ${String(run.status)}`;
    return fail(`${command} ${how}`);
  }
  const token = run.stdout.toString('utf8').trim();
  if (token === '') return fail(`${command} printed no token`);
  return { ok: true, token };
}
