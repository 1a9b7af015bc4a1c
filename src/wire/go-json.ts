// Go encoding/json compatible writing of JSON values: string escaping, omitempty, sorted map keys.
import { BurrowError, ErrorCode } from '../errors.js';

// Characters Go escapes beyond what JSON.stringify does: its HTML-safe escaping and the two JS line separators.
const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;
// A UTF-16 surrogate; when one is present the string may hold a lone half, which Go writes as U+FFFD.
const SURROGATE = /[\ud800-\udfff]/;

/** A JSON string literal exactly as Go's json.Marshal writes it. */
export function goJsonString(s: string): string {
  // Round-trip through UTF-8 only when needed: it replaces lone surrogates with U+FFFD as Go does.
  const wellFormed = SURROGATE.test(s) ? Buffer.from(s, 'utf8').toString('utf8') : s;
  return JSON.stringify(wellFormed).replace(
    GO_EXTRA_ESCAPES,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/** A JSON integer as Go writes an int64; throws on a non-integer, which no frp field can hold. */
export function goJsonInt(n: unknown, where: string): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new BurrowError(ErrorCode.INTERNAL, `${where}: expected an integer to encode, got ${describe(n)}`);
  }
  return String(n);
}

/** True when Go's `omitempty` drops the value: "", 0, false, null/undefined, empty array or map. */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Go's map[string]string: every entry, keys sorted by their UTF-8 bytes. */
export function goJsonStringMap(m: Record<string, unknown>, where: string): string {
  const keys = Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const parts = keys.map((k) => `${goJsonString(k)}:${goJsonString(expectString(m[k], `${where}.${k}`))}`);
  return `{${parts.join(',')}}`;
}

/** Go's []string. */
export function goJsonStringList(list: unknown[], where: string): string {
  return `[${list.map((s, i) => goJsonString(expectString(s, `${where}[${i}]`))).join(',')}]`;
}

/** An opaque value (xtcp messages) with `omitempty` applied to the keys of nested objects, in their own order. */
export function goJsonOpaque(v: unknown): string {
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(goJsonOpaque).join(',')}]`;
  const parts: string[] = [];
  for (const [k, item] of Object.entries(v)) {
    if (!isEmptyValue(item)) parts.push(`${goJsonString(k)}:${goJsonOpaque(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A short description of a value's JSON type, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? `the number ${v}` : `the non-integer ${v}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function expectString(v: unknown, where: string): string {
  if (typeof v !== 'string')
    throw new BurrowError(ErrorCode.INTERNAL, `${where}: expected a string to encode, got ${describe(v)}`);
  return v;
}
