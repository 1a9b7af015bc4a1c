// The corpus of saved inputs: test/fuzz/corpus/<target>/<sha1 prefix>.bin, replayed by the tests and mutated by the runner.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where every target's corpus folder lives. */
export const CORPUS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
/** Extension of a saved input (raw bytes); a sibling `.txt` may say what it found. */
const INPUT_EXT = '.bin';
/** Hex digits of the SHA-1 that name a saved input. */
const NAME_HEX_DIGITS = 16;

/** One saved input and its file. */
export interface CorpusEntry {
  file: string;
  input: Buffer;
}

/** The saved inputs of `target`, sorted by file name (empty when it has none). */
export function loadCorpus(target: string, root = CORPUS_ROOT): CorpusEntry[] {
  const dir = join(root, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(INPUT_EXT))
    .sort()
    .map((f) => ({ file: join(dir, f), input: readFileSync(join(dir, f)) }));
}

/** Saves `input` (and `note`, when given, beside it) under the target's folder; returns the file, or undefined if already there. */
export function saveCorpus(target: string, input: Buffer, note?: string, root = CORPUS_ROOT): string | undefined {
  const dir = join(root, target);
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha1').update(input).digest('hex').slice(0, NAME_HEX_DIGITS);
  const file = join(dir, name + INPUT_EXT);
  if (existsSync(file)) return undefined;
  writeFileSync(file, input);
  if (note !== undefined) writeFileSync(join(dir, `${name}.txt`), note.endsWith('\n') ? note : `${note}\n`);
  return file;
}
