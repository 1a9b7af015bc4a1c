// The test run's own TMPDIR: created empty (tsx's compile cache linked in from the real one), then checked for leftovers.
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** tsx keeps its compile cache in `<tmpdir>/tsx-<uid>`: shared with the real temp dir so runs stay warm, and not a leak. */
const TSX_CACHE = `tsx-${typeof process.getuid === 'function' ? process.getuid() : 0}`;

/** Creates `runTmp` and links tsx's cache into it; returns the entry names that are not leaks. */
export function prepareRunTmp(runTmp) {
  mkdirSync(runTmp, { recursive: true });
  const realCache = join(tmpdir(), TSX_CACHE);
  try {
    mkdirSync(realCache, { recursive: true });
    symlinkSync(realCache, join(runTmp, TSX_CACHE), 'dir');
  } catch (err) {
    // Without the link tsx rebuilds its cache inside runTmp: slower, still correct.
    console.warn(`run-tests: tsx cache not linked (${err.message}); it will be rebuilt in the run's TMPDIR.`);
  }
  return new Set([TSX_CACHE]);
}

/** Counts the files under `dir` (symlinks not followed). */
function countFiles(dir) {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    n += lstatSync(path).isDirectory() ? countFiles(path) : 1;
  }
  return n;
}

/** What the tests left in `runTmp`: one line per top-level entry (folders with their file count). */
export function leftovers(runTmp, ignored) {
  if (!existsSync(runTmp)) return [];
  return readdirSync(runTmp)
    .filter((name) => !ignored.has(name))
    .sort()
    .map((name) => {
      const path = join(runTmp, name);
      return lstatSync(path).isDirectory() ? `${name}/ (${countFiles(path)} files)` : name;
    });
}
