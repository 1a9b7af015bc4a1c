// zod builders for config values, each with the one-line "expected ..." text our messages use.
import { z } from 'zod';

/** Lowest and highest TCP/UDP port numbers. */
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

const EXPECTED_INTEGER = 'expected integer';

/** Any integer (durations in seconds, where negative often means "off"). */
export function int() {
  return z.number({ error: EXPECTED_INTEGER }).int({ error: EXPECTED_INTEGER });
}

/** An integer in [min, max]. */
export function intIn(min: number, max: number) {
  const range = `expected integer ${min}-${max}`;
  return int().min(min, { error: range }).max(max, { error: range });
}

/** A port where 0 means "off" or "default". */
export function port0() {
  return intIn(0, MAX_PORT);
}

/** A real port, 1-65535. */
export function port1() {
  return intIn(MIN_PORT, MAX_PORT);
}

/** A string. */
export function str() {
  return z.string({ error: 'expected string' });
}

/** A boolean. */
export function bool() {
  return z.boolean({ error: 'expected true or false' });
}

/** One of the given strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

/** An array of strings. */
export function strArray() {
  return z.array(str(), { error: 'expected array of strings' });
}

/** A table of string values (metadatas, annotations). */
export function strMap() {
  return z.record(z.string(), str(), { error: 'expected a table of strings' });
}

/** A table with exactly these keys (unknown keys are removed beforehand by the key check). */
export function table<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: 'expected a table' });
}

/** An array of tables (`[[name]]`) with these keys. */
export function tables<S extends z.ZodRawShape>(shape: S) {
  return z.array(table(shape), { error: 'expected an array of tables' });
}

/** frp's util.EmptyOr: the value as written, or `fallback` when it is absent, 0 or "" (frp's zero values). */
export function emptyOr<S extends z.ZodType<string | number>>(schema: S, fallback: z.output<S>) {
  return schema
    .optional()
    .transform((v): z.output<S> => (v === undefined || v === 0 || v === '' ? fallback : (v as z.output<S>)));
}
