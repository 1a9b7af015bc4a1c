// Logging: a pino logger (pretty text on a terminal, JSON lines otherwise, or appended to a file) and the silent default the library uses.
import { openSync } from 'node:fs';
import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import pretty from 'pino-pretty';
import { BurrowError, ErrorCode, errorMessage } from './errors.js';

export type { Logger } from 'pino';

/** Levels accepted by `log.level` (frp's names; frp's "warn" and pino's agree). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `log.to` value meaning standard output (frp's word). */
export const LOG_TO_CONSOLE = 'console';

/** Mode of a log file burrow creates: it may hold addresses and names, so owner only. */
export const LOG_FILE_MODE = 0o600;

/** What replaces a secret in a log line. */
const REDACTED = '[redacted]';

/**
 * Field names that hold secrets, at the top of a line or one level down (`{ auth: { token } }`).
 * Code never logs them on purpose; this is the safety net.
 */
const SECRET_FIELDS = ['token', 'password', 'privilege_key', 'privilegeKey', 'secretKey', 'sk', 'http_pwd', 'httpPassword', 'authorization', 'sign_key'];
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

export interface LoggerOptions {
  level?: string;
  /** "console" (default) or a file path: lines are appended, a new file is created with mode 0600. */
  to?: string;
  /** Human-readable output; defaults to true when writing to a terminal. Files always get JSON lines. */
  pretty?: boolean;
  /** Extra fields on every line, e.g. `{ role: 'server' }`. */
  base?: Record<string, unknown>;
}

/**
 * A logger writing synchronously (nothing is lost when the process exits): to stdout, pretty on a
 * terminal and JSON otherwise, or JSON lines appended to the file `to` names. Throws BurrowError
 * CONFIG when that file cannot be opened.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const common: PinoOptions = {
    level: normaliseLevel(options.level),
    base: options.base ?? {},
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  const to = options.to ?? LOG_TO_CONSOLE;
  if (to !== '' && to !== LOG_TO_CONSOLE) {
    return pino({ ...common, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: openLogFile(to), sync: true }));
  }
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (usePretty) {
    return pino(common, pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore: 'pid,hostname' }));
  }
  return pino({ ...common, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 1, sync: true }));
}

/**
 * The logger a command runs with, from the config's [log] table: `level` (a --log-level flag
 * wins) and `to`. `role` ("server" or "client") is put on every line.
 */
export function loggerFromConfig(log: { level: string; to: string }, role: string, levelFlag?: string): Logger {
  return createLogger({ level: levelFlag ?? log.level, to: log.to, base: { role } });
}

/** The logger used when a library caller passes none: says nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Opens a log file for appending; created owner-only when new (an existing file keeps its mode). */
function openLogFile(path: string): number {
  try {
    return openSync(path, 'a', LOG_FILE_MODE);
  } catch (err) {
    throw new BurrowError(ErrorCode.CONFIG, `log.to: cannot open ${path} for appending: ${errorMessage(err)}`, { cause: err });
  }
}

function normaliseLevel(level: string | undefined): LogLevel {
  const lower = (level ?? 'info').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
}
