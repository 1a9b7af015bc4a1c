// Logging: a pino logger (one readable line per event on a terminal, JSON lines otherwise, to stdout or a daily-rotated file) and the silent default the library uses.
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { LOG_FILE_MODE, RotatingLogFile } from './log-file.js';

export type { Logger } from 'pino';

/** Levels accepted by `log.level` (frp's names; frp's "warn" and pino's agree). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `log.to` value meaning standard output (frp's word). */
export const LOG_TO_CONSOLE = 'console';

export { LOG_FILE_MODE };

/** frp's log.maxDays default: rotated log files older than this many days are deleted. */
export const DEFAULT_LOG_MAX_DAYS = 3;

/** `log.format` values: "auto" is text on a terminal and JSON elsewhere (a file, a pipe). */
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What replaces a secret in a log line. */
const REDACTED = '[redacted]';

/**
 * Field names that hold secrets, at the top of a line or one level down (`{ auth: { token } }`).
 * Code never logs them on purpose; this is the safety net.
 */
const SECRET_FIELDS = [
  'token',
  'password',
  'privilege_key',
  'privilegeKey',
  'secretKey',
  'sk',
  'http_pwd',
  'httpPassword',
  'authorization',
  'sign_key',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

export interface LoggerOptions {
  level?: string;
  /** "console" (default) or a file path: lines are appended, a new file is created with mode 0600. */
  to?: string;
  /** "text": one readable line per event; "json": JSON lines; "auto" (default): text on a terminal, JSON otherwise (files get JSON). */
  format?: LogFormat;
  /** Older spelling of the format: true is "text", false is "json" (`format` wins when both are given). */
  pretty?: boolean;
  /** With `to` a file: rotated daily, rotated files older than this many days deleted (<= 0: kept); default 3. */
  maxDays?: number;
  /** false: no ANSI colours even on a terminal (log.disablePrintColor); default true (still off without a TTY or with NO_COLOR). */
  colour?: boolean;
  /** The clock of the file's daily rotation (tests cross midnight with it). */
  now?: () => Date;
  /** Extra fields on every line, e.g. `{ role: 'server' }`. */
  base?: Record<string, unknown>;
}

/**
 * A logger writing synchronously (nothing is lost when the process exits) to stdout, or appended
 * to the file `to` names (rotated daily, see ./log-file.ts): readable lines or JSON lines as
 * `format` says. Throws BurrowError CONFIG when that file cannot be opened.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const to = options.to ?? LOG_TO_CONSOLE;
  const toFile = to !== '' && to !== LOG_TO_CONSOLE;
  const sink = toFile ? fileSink(to, options) : stdoutSink;
  const format = options.format ?? (options.pretty === undefined ? 'auto' : options.pretty ? 'text' : 'json');
  const onTerminal = !toFile && Boolean(process.stdout.isTTY);
  const text = format === 'text' || (format === 'auto' && onTerminal);
  const common: PinoOptions = {
    level: normaliseLevel(options.level),
    base: options.base ?? {},
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  const colour = onTerminal && !process.env.NO_COLOR && options.colour !== false;
  if (text) return pino(common, textDestination(sink, colour));
  return pino({ ...common, timestamp: pino.stdTimeFunctions.isoTime }, { write: sink });
}

/**
 * The logger a command runs with, from the config's [log] table: `level` (a --log-level flag
 * wins), `to` and `format`. `role` ("server" or "client") is put on every line.
 */
export function loggerFromConfig(
  log: { level: string; to: string; format?: LogFormat; maxDays?: number; disablePrintColor?: boolean | undefined },
  role: string,
  levelFlag?: string,
): Logger {
  return createLogger({
    level: levelFlag ?? log.level,
    to: log.to,
    base: { role },
    ...(log.format ? { format: log.format } : {}),
    ...(log.maxDays !== undefined ? { maxDays: log.maxDays } : {}),
    colour: log.disablePrintColor !== true,
  });
}

/** The logger used when a library caller passes none: says nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Writes one line to standard output, synchronously. */
function stdoutSink(line: string): void {
  writeSync(STDOUT_FD, line);
}

/** Appends lines to `file`, rotated daily; created owner-only when new (an existing file keeps its mode). */
function fileSink(file: string, options: LoggerOptions): (line: string) => void {
  const rotating = new RotatingLogFile(file, {
    maxDays: options.maxDays ?? DEFAULT_LOG_MAX_DAYS,
    ...(options.now ? { now: options.now } : {}),
  });
  return (line) => rotating.write(line);
}

function normaliseLevel(level: string | undefined): LogLevel {
  const lower = (level ?? 'info').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
}

/** File descriptor of standard output. */
const STDOUT_FD = 1;

/** frp's one-letter level tags, by pino's numeric level. */
const LEVEL_TAGS: Record<number, string> = { 10: 'T', 20: 'D', 30: 'I', 40: 'W', 50: 'E', 60: 'F' };

/** ANSI colours of the level tag on a terminal: warnings yellow, errors red, debug and trace dim. */
const LEVEL_COLOURS: Record<string, string> = {
  T: '\x1b[2m',
  D: '\x1b[2m',
  W: '\x1b[33m',
  E: '\x1b[31m',
  F: '\x1b[31m',
};
const COLOUR_RESET = '\x1b[0m';

/** Fields the line shows in its own place, not as key=value. */
const PLACED_FIELDS = new Set(['level', 'time', 'msg', 'role', 'pid', 'hostname']);

/** A pino destination turning each JSON line into a readable one and handing it to `sink`. */
function textDestination(sink: (line: string) => void, colour: boolean): DestinationStream {
  return {
    write(line: string): void {
      sink(formatLine(line, colour));
    },
  };
}

/**
 * One event as frp prints it: `2026-12-03 19:17:25.123 [I] [client] message key=value …`
 * (local time; values with spaces or quotes are JSON-quoted, objects are JSON).
 */
export function formatLine(json: string, colour = false): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    // Not pino's JSON (should not happen): show it as it came rather than lose it.
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const tag = LEVEL_TAGS[Number(event.level)] ?? '?';
  const level = colour && LEVEL_COLOURS[tag] ? `${LEVEL_COLOURS[tag]}[${tag}]${COLOUR_RESET}` : `[${tag}]`;
  const parts = [formatTime(typeof event.time === 'number' ? event.time : Date.now()), level];
  if (typeof event.role === 'string') parts.push(`[${event.role}]`);
  if (event.msg !== undefined) parts.push(String(event.msg));
  for (const [key, value] of Object.entries(event)) {
    if (!PLACED_FIELDS.has(key)) parts.push(`${key}=${formatValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

function formatValue(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    // A serialised error: its message says it; the stack belongs in JSON logs.
    const message = (value as { message?: unknown }).message;
    return typeof message === 'string' ? JSON.stringify(message) : JSON.stringify(value);
  }
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time, as frp prints it. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
