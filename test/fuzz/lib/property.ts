// The short CI pass of one fuzz target under node:test: corpus replay, seeds, mutated seeds and fast-check generated inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadCorpus } from './corpus.js';
import { catchStrayErrors, runInput, type Finding } from './engine.js';
import { mutate } from './mutate.js';
import { prng, type FuzzTarget } from './target.js';

/** Seed of the CI pass (fixed so CI is repeatable; set FUZZ_SEED to explore other inputs). */
const CI_SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
/** Mutations of the seeds and corpus per target in the CI pass. */
const CI_MUTATIONS = 200;

function explain(f: Finding): string {
  return `${f.target}: ${f.message}\ninput (hex): ${f.input.subarray(0, 512).toString('hex')}${f.input.length > 512 ? '…' : ''}\n${f.detail}`;
}

/** Registers the CI tests of `target`. */
export function fuzzTests(target: FuzzTarget): void {
  catchStrayErrors();

  test(`${target.name}: every saved corpus input passes`, async () => {
    for (const entry of loadCorpus(target.name)) {
      const f = await runInput(target, entry.input);
      assert.equal(f, undefined, f === undefined ? '' : `${entry.file}\n${explain(f)}`);
    }
  });

  test(`${target.name}: seeds and ${CI_MUTATIONS} mutations of them pass`, async () => {
    const pool = [...target.seeds(), ...loadCorpus(target.name).map((e) => e.input)];
    const rand = prng(CI_SEED);
    const inputs = [
      ...pool,
      ...(pool.length === 0
        ? []
        : Array.from({ length: CI_MUTATIONS }, () =>
            mutate(pool[Math.floor(rand() * pool.length)]!, rand, pool, target.maxInputBytes),
          )),
    ];
    for (const input of inputs) {
      const f = await runInput(target, input);
      assert.equal(f, undefined, f === undefined ? '' : explain(f));
    }
  });

  test(`${target.name}: ${target.ciRuns} generated inputs pass`, async () => {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        const f = await runInput(target, input);
        if (f !== undefined) throw new Error(explain(f));
      }),
      { numRuns: target.ciRuns, seed: CI_SEED },
    );
  });
}
