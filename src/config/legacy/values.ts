// INI value conversions as frp's legacy loader does them: Go's ParseInt/ParseBool, comma lists, number ranges.

/** Most numbers one range string ("6000-6010,6020") may expand to: every port once. */
export const MAX_RANGE_NUMBERS = 65535;

/** ini.v1's true and false spellings (Key.Bool). */
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', 'YES', 'yes', 'Yes', 'y', 'ON', 'on', 'On']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', 'NO', 'no', 'No', 'n', 'OFF', 'off', 'Off']);

/** A value that could not be converted: why, in our "expected ..." words. */
export class ValueError extends Error {
  constructor(readonly expected: string) {
    super(expected);
    this.name = 'ValueError';
  }
}

/** Go's strconv.ParseInt(s, 0, 64) over safe integers: decimal, 0x/0o/0b prefixes, a leading 0 for octal. */
export function parseGoInt(text: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text.trim());
  if (!m) throw new ValueError('expected integer');
  const digits = m[2]!;
  let n: number;
  if (/^0[xXoObB]/.test(digits)) n = Number(digits.toLowerCase());
  else if (digits.length > 1 && digits.startsWith('0')) n = parseInt(digits.slice(1), 8);
  else n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new ValueError('expected integer');
  return m[1] === '-' ? -n : n;
}

/** ini.v1's Key.Bool. */
export function parseGoBool(text: string): boolean {
  const t = text.trim();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  throw new ValueError('expected true or false');
}

/** ini.v1's Key.Strings(","): split on commas, each part trimmed; an empty value is an empty list. */
export function parseList(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(',').map((s) => s.trim());
}

/** frp's util.ParseRangeNumbers: "1000-2000,2001,3000-3010" → every number, in order, ranges inclusive. */
export function parseRangeNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const ends = part.split('-').map((s) => s.trim());
    const nums = ends.map((s) => {
      if (!/^[0-9]+$/.test(s)) throw new ValueError('expected numbers and ranges such as "6000-6010,6020"');
      return Number(s);
    });
    if (nums.length === 1) {
      out.push(nums[0]!);
    } else if (nums.length === 2) {
      const [lo, hi] = nums as [number, number];
      if (hi < lo) throw new ValueError(`range ${lo}-${hi} ends before it starts`);
      if (out.length + (hi - lo + 1) > MAX_RANGE_NUMBERS)
        throw new ValueError(`more than ${MAX_RANGE_NUMBERS} numbers in the ranges`);
      for (let n = lo; n <= hi; n++) out.push(n);
    } else {
      throw new ValueError('expected numbers and ranges such as "6000-6010,6020"');
    }
    if (out.length > MAX_RANGE_NUMBERS) throw new ValueError(`more than ${MAX_RANGE_NUMBERS} numbers in the ranges`);
  }
  return out;
}

/** One v1 allowPorts entry. */
export type PortRangeEntry = { start: number; end: number } | { single: number };

/** frp's types.NewPortsRangeSliceFromString: "2000-3000,3001" → [{start, end}, {single}]; "" = none. */
export function parsePortRanges(text: string): PortRangeEntry[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part): PortRangeEntry => {
    const ends = part.split('-').map((s) => s.trim());
    if (ends.length > 2 || ends.some((s) => !/^[0-9]+$/.test(s)))
      throw new ValueError('expected ports and ranges such as "2000-3000,3001"');
    const [a, b] = ends.map(Number) as [number, number | undefined];
    return b === undefined ? { single: a } : { start: a, end: b };
  });
}
