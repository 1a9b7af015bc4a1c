// Test helpers for the snappy tests: the echo-ez capture (v1-nomux conn-4) and the text it carries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRP_FIXTURES } from '../fixtures.js';

/** Lines in the fixture's compressible payload (README: 1200 lines, 62,400 bytes). */
export const FIXTURE_LINE_COUNT = 1200;

/** The exact bytes the fixture's user sent through echo-ez and read back. */
export function fixtureText(): Buffer {
  let s = '';
  for (let i = 0; i < FIXTURE_LINE_COUNT; i++)
    s += `line ${String(i).padStart(5, '0')} of the burrow fixture: compressible text\n`;
  return Buffer.from(s, 'latin1');
}

/** One capture direction: its reads, in order, as the relay saw them. */
export interface CaptureReads {
  c2s: Buffer[];
  s2c: Buffer[];
}

/** The reads of `<scenario>/conn-<n>.jsonl`, per direction (read boundaries kept). */
export function loadCaptureReads(scenario: string, conn: number): CaptureReads {
  const text = readFileSync(join(FRP_FIXTURES, scenario, `conn-${conn}.jsonl`), 'utf8');
  const reads: CaptureReads = { c2s: [], s2c: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as { dir: 'c2s' | 's2c'; hex: string };
    reads[rec.dir].push(Buffer.from(rec.hex, 'hex'));
  }
  return reads;
}

/** Text of many shapes for compression tests: words, numbers and repeats, deterministic from `seed`. */
export function sampleText(length: number, seed = 1): Buffer {
  const words = ['burrow', 'tunnel', 'frp', 'proxy', 'snappy', 'chunk', 'the', 'of', 'and', 'server', 'client', '\n'];
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  let off = 0;
  while (off < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const w = `${words[x % words.length]}${x % 7 === 0 ? String(x % 1000) : ''} `;
    off += out.write(w, off, 'latin1');
  }
  return out;
}
