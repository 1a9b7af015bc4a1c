// Test helpers: load the real frp 0.70.0 captures (test/fixtures/frp-0.70.0/) as one Buffer per direction.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FRP_FIXTURES } from '../fixtures.js';

/** The captures folder: test/fixtures/frp-0.70.0/ in the repository. */
export const FIXTURES_DIR = pathToFileURL(FRP_FIXTURES);

/** The bytes of one capture, each direction's reads concatenated in order. */
export interface Capture {
  c2s: Buffer;
  s2c: Buffer;
}

/** Load `<scenario>/conn-<n>.jsonl`. */
export function loadCapture(scenario: string, conn: number): Capture {
  const file = new URL(`${scenario}/conn-${conn}.jsonl`, FIXTURES_DIR);
  const chunks: Record<'c2s' | 's2c', Buffer[]> = { c2s: [], s2c: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as { dir: 'c2s' | 's2c'; hex: string };
    chunks[rec.dir].push(Buffer.from(rec.hex, 'hex'));
  }
  return { c2s: Buffer.concat(chunks.c2s), s2c: Buffer.concat(chunks.s2c) };
}

/** The text of a file in a scenario folder (frps.toml, frpc.toml). */
export function loadScenarioFile(scenario: string, name: string): string {
  return readFileSync(new URL(`${scenario}/${name}`, FIXTURES_DIR), 'utf8');
}

/** The filesystem path of the captures folder. */
export function fixturesPath(): string {
  return fileURLToPath(FIXTURES_DIR);
}
