// Logging: a pino logger (JSON lines, or pretty text on a terminal) and the silent default the library uses.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Levels accepted by `log.level` (frp's names; frp's "warn" and pino's agree). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; defaults to true when stdout is a terminal. */
  pretty?: boolean;
  /** Extra fields on every line, e.g. `{ role: 'server' }`. */
  base?: Record<string, unknown>;
}

/** A logger writing to stdout synchronously, so nothing is lost when the process exits. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = normaliseLevel(options.level);
  const base = options.base ?? {};
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (usePretty) {
    return pino({ level, base }, pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore: 'pid,hostname' }));
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 1, sync: true }));
}

/** The logger used when a library caller passes none: says nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

function normaliseLevel(level: string | undefined): LogLevel {
  const lower = (level ?? 'info').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
}
