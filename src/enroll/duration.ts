// Parses the durations people type for token lifetimes: "90s", "15m", "2h", "7d" (units may be combined: "1h30m").
import { BurrowError, ErrorCode } from '../errors.js';

/** Milliseconds per unit letter. */
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Whole duration: one or more NUMBER+UNIT parts. */
const DURATION_RE = /^(?:\d{1,6}[smhd])+$/;

/** "15m" → 900000; throws BurrowError(USAGE) naming `option`. */
export function parseDuration(text: string, option = '--ttl'): number {
  const t = text.trim().toLowerCase();
  if (!DURATION_RE.test(t)) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `${option}: "${text}" is not a duration; use e.g. 90s, 15m, 2h, 7d or 1h30m`,
    );
  }
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (ms <= 0) throw new BurrowError(ErrorCode.USAGE, `${option}: the duration must be longer than 0`);
  return ms;
}

/** 900000 → "15m", for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
