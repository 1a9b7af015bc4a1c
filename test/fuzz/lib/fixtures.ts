// Seeds from the real frp 0.70.0 captures: the bytes one side sent on one connection, concatenated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRP_FIXTURES } from '../../fixtures.js';

/** Largest seed taken from a capture (the start of a connection holds the interesting framing). */
const MAX_SEED_BYTES = 64 * 1024;

/**
 * The bytes `dir` ("c2s" = frpc → frps, "s2c") of capture `scenario/conn-N.jsonl`, at most 64 KiB;
 * empty when the captures are not there (they live beside the repository, as in CI).
 */
export function captured(scenario: string, conn: number, dir: 'c2s' | 's2c', maxReads = Infinity): Buffer {
  const file = join(FRP_FIXTURES, scenario, `conn-${conn}.jsonl`);
  if (!existsSync(file)) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let reads = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as { dir: string; hex: string };
    if (rec.dir !== dir) continue;
    if (reads++ >= maxReads) break;
    parts.push(Buffer.from(rec.hex, 'hex'));
  }
  const all = Buffer.concat(parts);
  return all.subarray(0, MAX_SEED_BYTES);
}

/** The nth read (0-based) of one direction of a capture, or empty. */
export function capturedRead(scenario: string, conn: number, dir: 'c2s' | 's2c', n: number): Buffer {
  const file = join(FRP_FIXTURES, scenario, `conn-${conn}.jsonl`);
  if (!existsSync(file)) return Buffer.alloc(0);
  const reads = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { dir: string; hex: string })
    .filter((r) => r.dir === dir);
  return reads[n] === undefined ? Buffer.alloc(0) : Buffer.from(reads[n]!.hex, 'hex');
}

/** Prefixes `bytes` with the given header bytes, or returns nothing when the capture was missing. */
export function seedOf(header: number[], bytes: Buffer): Buffer[] {
  return bytes.length === 0 ? [] : [Buffer.concat([Buffer.from(header), bytes])];
}
