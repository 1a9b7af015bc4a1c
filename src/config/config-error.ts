// ConfigError (every config problem, one per line) and the helpers that shape its lines.
import { BurrowError, ErrorCode } from '../errors.js';

/** One problem found in a config file: where (file and key path) and what is wrong. */
export interface Problem {
  /** The file the problem is in, as the caller named it. */
  readonly file: string;
  /** The key path, e.g. `proxies[1].localPort`; '' when the problem is not tied to a key. */
  readonly path: string;
  /** What is wrong, e.g. `expected integer 1-65535, got 70000`. */
  readonly message: string;
  /** The whole line, already formatted (a problem taken over from another ConfigError). */
  readonly text?: string;
}

/** The one-line text of a problem: `file: path: message`. */
export function formatProblem(p: Problem): string {
  if (p.text !== undefined) return p.text;
  return p.path === '' ? `${p.file}: ${p.message}` : `${p.file}: ${p.path}: ${p.message}`;
}

/** The problems of a ConfigError, to merge them into a larger list. */
export function problemsOf(err: ConfigError): Problem[] {
  return err.problems.map((text, i) => ({ file: err.file, path: i === 0 ? (err.key ?? '') : '', message: text, text }));
}

/** A config file (or key, or value) is invalid. The message lists every problem found, one per line. */
export class ConfigError extends BurrowError {
  /** The config file named by the caller. */
  readonly file: string;
  /** The key path of the first problem, when it is tied to a key. */
  readonly key?: string;
  /** Every problem, one formatted line each (the message joins them with newlines). */
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[], key?: string, options?: { cause?: unknown }) {
    super(ErrorCode.CONFIG, problems.join('\n'), options);
    this.name = 'ConfigError';
    this.file = file;
    if (key !== undefined && key !== '') this.key = key;
    this.problems = problems;
  }

  /** The error for a non-empty list of problems; `file` is the top-level config file. */
  static fromProblems(file: string, problems: readonly Problem[]): ConfigError {
    return new ConfigError(file, problems.map(formatProblem), problems[0]?.path);
  }
}

/** A key path as people write it: `proxies[1].transport.useEncryption`; odd keys are quoted as TOML does. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      const text = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      out += out === '' ? text : `.${text}`;
    }
  }
  return out;
}

/** A short description of a config value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a table';
  return String(value);
}
