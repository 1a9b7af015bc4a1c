// A log.to file rotated daily as frp's (golib's RotateFileWriter): at local midnight NAME.EXT becomes NAME.YYYYMMDD-HHMMSS.EXT, and rotated files older than log.maxDays are deleted.
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from './errors.js';

/** Mode of a log file burrow creates: it may hold addresses and names, so owner only. */
export const LOG_FILE_MODE = 0o600;
/** Mode of the folders burrow creates for a log file (golib creates them too, 0755; owner only here). */
export const LOG_DIR_MODE = 0o700;

/** Milliseconds in a day of log.maxDays (frp counts 24 h, not calendar days). */
const DAY_MS = 24 * 60 * 60 * 1000;
/** frp's slack on the deletion cutoff, so a file rotated exactly maxDays ago goes. */
const CUTOFF_SLACK_MS = 5;
/** Names tried for one rotated file when the first is taken (one second apart). */
const MAX_NAME_TRIES = 60;
/** Most directory entries looked at when deleting old files (a log directory is small). */
const MAX_DIR_ENTRIES = 100_000;

/** Options of a RotatingLogFile. */
export interface RotatingLogFileOptions {
  /** Rotated files older than this many days are deleted; <= 0 keeps them all (frp's rule). */
  maxDays: number;
  /** The clock (tests move it across midnight). */
  now?: () => Date;
  /** Where a failed rotation or deletion is reported (it never stops logging); default stderr. */
  report?: (message: string) => void;
}

/** `20261204-000000`: golib's backup time format, local time. */
function stamp(t: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${t.getFullYear()}${two(t.getMonth() + 1)}${two(t.getDate())}-${two(t.getHours())}${two(t.getMinutes())}${two(t.getSeconds())}`;
}

/** `frps.log` → `frps`, `.log` (a name without extension keeps "" as its extension). */
function splitName(file: string): { prefix: string; ext: string } {
  const base = path.basename(file);
  const ext = path.extname(base);
  return { prefix: base.slice(0, base.length - ext.length), ext };
}

/** The name a log file is rotated to at `t`: `dir/NAME.YYYYMMDD-HHMMSS.EXT`, as golib names it. */
export function rotatedName(file: string, t: Date): string {
  const { prefix, ext } = splitName(file);
  return path.join(path.dirname(file), `${prefix}.${stamp(t)}${ext}`);
}

const STAMP = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** The local time in a rotated file's name of `file`, or undefined when `name` is not one. */
export function rotatedTime(file: string, name: string): Date | undefined {
  const { prefix, ext } = splitName(file);
  const head = `${prefix}.`;
  if (!name.startsWith(head) || !name.endsWith(ext) || name.length <= head.length + ext.length) return undefined;
  const m = STAMP.exec(name.slice(head.length, name.length - ext.length));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = new Date(y, mo - 1, d, h, mi, s);
  // Reject impossible dates (20261399-…) that Date would roll over.
  return stamp(t) === m[0] ? t : undefined;
}

/** The rotated files of `file` (names in `names`) older than `maxDays` at `now`; none when maxDays <= 0. */
export function expiredFiles(file: string, names: readonly string[], now: Date, maxDays: number): string[] {
  if (maxDays <= 0) return [];
  const cutoff = now.getTime() - maxDays * DAY_MS + CUTOFF_SLACK_MS;
  return names.filter((name) => {
    const t = rotatedTime(file, name);
    return t !== undefined && t.getTime() < cutoff;
  });
}

/** Local midnight after the day `t` is in. */
function nextMidnight(t: Date): Date {
  return new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1);
}

/**
 * An append-only log file that rotates when a line is written on a later local day than the
 * file's own (frp rotates on a timer at midnight; here the first line after midnight does it,
 * so a quiet process rotates later but names the file by the same midnight). At open, a file
 * last written on an earlier day is rotated first, and expired rotated files are deleted then and
 * at every rotation. Writes are synchronous: nothing is lost when the process exits.
 */
export class RotatingLogFile {
  private fd: number;
  /** When the current file's day ends: the first write at or after it rotates. */
  private dayEnd: Date;
  private readonly now: () => Date;
  private readonly report: (message: string) => void;

  constructor(
    private readonly file: string,
    private readonly options: RotatingLogFileOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.report = options.report ?? ((message) => process.stderr.write(`burrow: ${message}\n`));
    this.fd = this.open();
    const now = this.now();
    const lastWrite = new Date(fstatSync(this.fd).mtimeMs);
    this.dayEnd = nextMidnight(lastWrite.getTime() < now.getTime() ? lastWrite : now);
    if (now.getTime() >= this.dayEnd.getTime()) this.rotate(now);
    else this.deleteExpired(now);
  }

  /** Appends `text`, rotating first when its day is over. */
  write(text: string): void {
    const now = this.now();
    if (now.getTime() >= this.dayEnd.getTime()) this.rotate(now);
    writeSync(this.fd, text);
  }

  close(): void {
    closeSync(this.fd);
  }

  private open(): number {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: LOG_DIR_MODE });
      return openSync(this.file, 'a', LOG_FILE_MODE);
    } catch (err) {
      throw new BurrowError(ErrorCode.CONFIG, `log.to: cannot open ${this.file} for appending: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  /** Renames the file after the midnight that ended its day, starts a new one and deletes expired files. */
  private rotate(now: Date): void {
    const boundary = this.dayEnd;
    this.dayEnd = nextMidnight(now);
    const target = this.freeName(boundary);
    if (target === undefined) {
      this.report(
        `log.to: cannot rotate ${this.file}: every name for ${stamp(boundary)} is taken; still writing to it`,
      );
      return;
    }
    try {
      renameSync(this.file, target);
    } catch (err) {
      this.report(`log.to: cannot rotate ${this.file} to ${target}: ${errorMessage(err)}; still writing to it`);
      return;
    }
    const old = this.fd;
    // The new file is opened before the old one is closed: if it cannot be, lines go on to the renamed one.
    try {
      this.fd = this.open();
    } catch (err) {
      this.report(`${errorMessage(err)}; still writing to ${target}`);
      return;
    }
    closeSync(old);
    this.deleteExpired(now);
  }

  /** A name for the file rotated at `t` that no file has yet. */
  private freeName(t: Date): string | undefined {
    for (let i = 0; i < MAX_NAME_TRIES; i++) {
      const name = rotatedName(this.file, new Date(t.getTime() + i * 1000));
      if (!existsSync(name)) return name;
    }
    return undefined;
  }

  private deleteExpired(now: Date): void {
    const dir = path.dirname(this.file);
    let names: string[];
    try {
      // Files only, as golib: a folder that happens to match the pattern is not touched.
      names = readdirSync(dir, { withFileTypes: true })
        .slice(0, MAX_DIR_ENTRIES)
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name);
    } catch (err) {
      this.report(`log.maxDays: cannot list ${dir}: ${errorMessage(err)}`);
      return;
    }
    for (const name of expiredFiles(this.file, names, now, this.options.maxDays)) {
      try {
        unlinkSync(path.join(dir, name));
      } catch (err) {
        this.report(`log.maxDays: cannot delete ${path.join(dir, name)}: ${errorMessage(err)}`);
      }
    }
  }
}
