// What an enrolled identity may do (the [[auth.clients]] allowances): schema, checks and parsing from the command line.
import { z } from 'zod';
import { BurrowError, ErrorCode } from '../errors.js';
import type { PortRange } from '../config/index.js';
import { MAX_ALLOWANCE_ENTRIES, MAX_GLOB_LENGTH } from './constants.js';

/** Highest TCP/UDP port. */
const MAX_PORT = 65535;

/** allowProxies / allowPorts / allowDomains, as in an [[auth.clients]] entry; empty lists allow anything. */
export interface Allowances {
  allowProxies: string[];
  allowPorts: PortRange[];
  allowDomains: string[];
}

/** No restriction. */
export function noAllowances(): Allowances {
  return { allowProxies: [], allowPorts: [], allowDomains: [] };
}

const glob = z.string().min(1).max(MAX_GLOB_LENGTH);
const port = z.number().int().min(1).max(MAX_PORT);

/** Schema of the allowances stored in the enrollment files. */
export const AllowancesSchema = z.object({
  allowProxies: z.array(glob).max(MAX_ALLOWANCE_ENTRIES),
  allowPorts: z
    .array(
      z.object({ start: port, end: port }).refine((r) => r.start <= r.end, { message: 'start is greater than end' }),
    )
    .max(MAX_ALLOWANCE_ENTRIES),
  allowDomains: z.array(glob).max(MAX_ALLOWANCE_ENTRIES),
});

/** Splits "a,b c" lists (commas and/or spaces) from repeated or combined options. */
function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== '');
}

/** Checks a list of globs (proxy names or domains); throws BurrowError(USAGE) naming `option`. */
function checkGlobs(values: string[], option: string): string[] {
  if (values.length > MAX_ALLOWANCE_ENTRIES) {
    throw new BurrowError(ErrorCode.USAGE, `${option}: at most ${MAX_ALLOWANCE_ENTRIES} entries, got ${values.length}`);
  }
  for (const v of values) {
    if (v.length > MAX_GLOB_LENGTH)
      throw new BurrowError(
        ErrorCode.USAGE,
        `${option}: "${v.slice(0, 32)}…" is longer than ${MAX_GLOB_LENGTH} characters`,
      );
    if (!/^[\x21-\x7e]+$/.test(v) || /["\\]/.test(v)) {
      throw new BurrowError(
        ErrorCode.USAGE,
        `${option}: "${v}" may only hold printable ASCII characters without quotes or backslashes`,
      );
    }
  }
  return values;
}

/** Parses "6000-6010,7000" into ranges; throws BurrowError(USAGE) naming the bad part. */
export function parsePortList(values: readonly string[], option = '--allow-ports'): PortRange[] {
  const parts = splitList(values);
  if (parts.length > MAX_ALLOWANCE_ENTRIES) {
    throw new BurrowError(ErrorCode.USAGE, `${option}: at most ${MAX_ALLOWANCE_ENTRIES} entries, got ${parts.length}`);
  }
  return parts.map((part) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const start = m ? Number(m[1]) : NaN;
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || start < 1 || end > MAX_PORT || start > end) {
      throw new BurrowError(
        ErrorCode.USAGE,
        `${option}: "${part}" is not a port (1-${MAX_PORT}) or a range START-END with START <= END`,
      );
    }
    return { start, end };
  });
}

/** Allowances from command-line values (each option may repeat and hold comma-separated lists). */
export function parseAllowances(opts: {
  allowProxies?: readonly string[];
  allowPorts?: readonly string[];
  allowDomains?: readonly string[];
}): Allowances {
  return {
    allowProxies: checkGlobs(splitList(opts.allowProxies ?? []), '--allow-proxies'),
    allowPorts: parsePortList(opts.allowPorts ?? []),
    allowDomains: checkGlobs(splitList(opts.allowDomains ?? []), '--allow-domains'),
  };
}

/** One line for people: "proxies web-*; ports 6000-6010; domains any". */
export function describeAllowances(a: Allowances): string {
  const ports = a.allowPorts.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`));
  const list = (l: string[]): string => (l.length === 0 ? 'any' : l.join(', '));
  return `proxies ${list(a.allowProxies)}; ports ${list(ports)}; domains ${list(a.allowDomains)}`;
}
