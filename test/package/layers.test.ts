// The layer arrows of docs/dev/architecture.md, checked against every relative import in src/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The source tree whose imports are checked. */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Files at the top of src/ that every layer may import. */
const FOUNDATION = ['errors', 'log', 'log-file', 'version'];

/** Layer → the layers it may import (besides itself and FOUNDATION): the "imports" column of the doc. */
const ALLOWED: Record<string, readonly string[]> = {
  io: [],
  mux: [],
  observe: [],
  pki: [],
  wire: ['io'],
  tls: ['io', 'pki'],
  transport: ['io', 'tls'],
  net: ['io', 'wire'],
  config: ['net', 'pki'],
  enroll: ['config', 'net', 'pki', 'tls', 'transport'],
  admin: ['config', 'net', 'observe', 'tls'],
  server: ['admin', 'config', 'enroll', 'io', 'mux', 'net', 'observe', 'pki', 'tls', 'transport', 'wire'],
  client: ['admin', 'config', 'enroll', 'mux', 'net', 'observe', 'tls', 'transport', 'wire'],
  quickstart: ['server', 'client', 'config', 'pki'],
};

/** Layers above everything else, which may import any layer below them. */
const TOP = new Set(['index', 'cli']);

/** Relative import specifiers of a TypeScript source (static `from '…'` and dynamic `import('…')`). */
const IMPORT = /(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g;

/** Every .ts file below a folder. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The layer a path under src/ belongs to: its first folder, or the file's base name at the top. */
function layerOf(path: string): string {
  const [first = '', second] = relative(SRC, path).split(sep);
  return second === undefined ? first.replace(/\.(ts|js)$/, '') : first;
}

describe('layers (docs/dev/architecture.md)', () => {
  it('every import in src/ follows an arrow of the layer table', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const file of sources(SRC)) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const spec = match[1] ?? '';
        const to = layerOf(resolve(dirname(file), spec));
        checked += 1;
        if (to === from || FOUNDATION.includes(to) || TOP.has(from)) continue;
        if (TOP.has(to)) wrong.push(`${relative(SRC, file)} imports ${spec} (the top layer ${to})`);
        else if (!(ALLOWED[from] ?? []).includes(to))
          wrong.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    assert.ok(checked > 500, `expected hundreds of imports, read ${checked}`);
    assert.deepEqual(wrong, [], `imports outside the layer table:\n${wrong.join('\n')}`);
  });

  it('every folder of src/ has a row in the table', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    const missing = folders.filter((name) => !(name in ALLOWED) && !TOP.has(name));
    assert.deepEqual(missing, []);
  });
});
