// Tests of the fuzz harness itself: what counts as a finding, the mutator's bounds, the corpus files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BurrowError, ErrorCode } from '../../src/errors.js';
import { loadCorpus, saveCorpus } from './lib/corpus.js';
import { catchStrayErrors, runInput, signature } from './lib/engine.js';
import { mutate } from './lib/mutate.js';
import { prng, split, typed, type FuzzTarget } from './lib/target.js';
import { TARGETS } from './targets/index.js';

catchStrayErrors();

/** A target whose run is `fn`. */
function targetOf(run: FuzzTarget['run']): FuzzTarget {
  return {
    name: 'probe',
    about: '',
    arbitrary: fc.constant(Buffer.alloc(0)),
    maxInputBytes: 16,
    ciRuns: 1,
    seeds: () => [],
    run,
  };
}

test('an allowed BurrowError (caught with typed) is not a finding', async () => {
  const t = targetOf(() => {
    typed(() => {
      throw new BurrowError(ErrorCode.PROTOCOL, 'bad frame');
    }, 'probe');
  });
  assert.equal(await runInput(t, Buffer.from('x')), undefined);
});

test('a TypeError or RangeError from the code under test is a finding', async () => {
  const t = targetOf((input) => {
    typed(() => input.readUInt32BE(4), 'probe read');
  });
  const f = await runInput(t, Buffer.from('ab'));
  assert.ok(f !== undefined);
  assert.match(f.message, /untyped RangeError/);
  assert.deepEqual(f.input, Buffer.from('ab'));
});

// Stray errors (an 'error' event nobody handles) are caught by the runner's process listeners; under
// node:test the test runner itself fails the test that was running, so they are not re-tested here.

test('findings that differ only in numbers share a signature', () => {
  const f = (message: string) => ({ target: 't', message, detail: '', input: Buffer.alloc(0) });
  assert.equal(signature(f('stream 7: window 262144')), signature(f('stream 9: window 1024')));
  assert.notEqual(signature(f('stream 7 reset')), signature(f('stream 7 closed')));
});

test('mutations never exceed the input bound and never change their input', () => {
  const rand = prng(42);
  const input = Buffer.from('0123456789abcdef');
  const copy = Buffer.from(input);
  for (let i = 0; i < 2000; i++) assert.ok(mutate(input, rand, [Buffer.alloc(64, 1)], 24).length <= 24);
  assert.deepEqual(input, copy);
});

test('split() cuts every byte exactly once, in order', () => {
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff));
  for (let seed = 0; seed < 50; seed++) assert.deepEqual(Buffer.concat(split(data, seed)), data);
});

test('the corpus saves an input once under its target and loads it back', () => {
  const root = mkdtempSync(join(tmpdir(), 'burrow-fuzz-corpus-'));
  try {
    const file = saveCorpus('probe', Buffer.from([1, 2, 3]), 'what it found', root);
    assert.ok(file !== undefined);
    assert.equal(saveCorpus('probe', Buffer.from([1, 2, 3]), undefined, root), undefined);
    assert.deepEqual(
      loadCorpus('probe', root).map((e) => e.input),
      [Buffer.from([1, 2, 3])],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('target names are unique and each has a CI budget', () => {
  assert.equal(new Set(TARGETS.map((t) => t.name)).size, TARGETS.length);
  for (const t of TARGETS) assert.ok(t.ciRuns > 0 && t.maxInputBytes > 0, t.name);
});
