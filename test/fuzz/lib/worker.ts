// The fuzz loop of one target inside a worker thread: corpus replay, then generated and mutated inputs until the deadline.
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { TARGETS } from '../targets/index.js';
import { loadCorpus } from './corpus.js';
import { catchStrayErrors, runInput, signature, type Finding } from './engine.js';
import { mutate } from './mutate.js';
import { prng } from './target.js';

/** What the runner passes to a worker. */
export interface WorkerInput {
  target: string;
  seconds: number;
  /** Stop once this many inputs ran (0 = only the deadline counts). */
  maxInputs: number;
  seed: number;
  /** [0] = inputs run so far, [1] = length of the input being run; the input's bytes follow in `current`. */
  progress: SharedArrayBuffer;
  current: SharedArrayBuffer;
}

/** Messages a worker sends to the runner. */
export type WorkerMessage =
  | { type: 'finding'; finding: Omit<Finding, 'input'> & { input: Uint8Array } }
  | { type: 'done'; inputs: number; generated: number; mutated: number; replayed: number; ms: number }
  | { type: 'fatal'; message: string };

/** Generated inputs drawn from fast-check at a time. */
const BATCH = 256;
/** Recent generated inputs kept for mutation beside the seeds and the corpus. */
const RECENT = 64;
/** Share of inputs that are mutations (when there is something to mutate). */
const MUTATION_SHARE = 0.5;
/** Distinct findings after which a target stops (one bug tends to repeat). */
const MAX_DISTINCT_FINDINGS = 10;

async function main(): Promise<void> {
  const data = workerData as WorkerInput;
  const target = TARGETS.find((t) => t.name === data.target);
  if (target === undefined) throw new Error(`unknown target ${data.target}`);
  catchStrayErrors();
  const progress = new Int32Array(data.progress);
  const current = new Uint8Array(data.current);
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  const seen = new Set<string>();
  let count = 0;

  const runOne = async (input: Buffer): Promise<boolean> => {
    const bytes = input.length > current.length ? input.subarray(0, current.length) : input;
    current.set(bytes);
    Atomics.store(progress, 1, bytes.length);
    const f = await runInput(target, bytes);
    Atomics.store(progress, 0, ++count);
    if (f === undefined) return true;
    const sig = signature(f);
    if (!seen.has(sig)) {
      seen.add(sig);
      post({ type: 'finding', finding: { ...f, input: new Uint8Array(f.input) } });
    }
    return seen.size < MAX_DISTINCT_FINDINGS;
  };

  const start = Date.now();
  const corpus = loadCorpus(target.name).map((e) => e.input);
  for (const input of corpus) await runOne(input);
  const replayed = count;
  const pool = [...target.seeds(), ...corpus];
  const recent: Buffer[] = [];
  const rand = prng(data.seed);
  let batch: Buffer[] = [];
  let batchSeed = data.seed;
  let generated = 0;
  let mutated = 0;
  const deadline = start + data.seconds * 1000;
  while (Date.now() < deadline && (data.maxInputs === 0 || count < data.maxInputs)) {
    let input: Buffer;
    const base =
      pool.length + recent.length > 0 && rand() < MUTATION_SHARE
        ? rand() < 0.5 && pool.length > 0
          ? pool
          : recent
        : undefined;
    if (base !== undefined && base.length > 0) {
      input = mutate(base[Math.floor(rand() * base.length)]!, rand, pool, target.maxInputBytes);
      mutated++;
    } else {
      if (batch.length === 0) batch = fc.sample(target.arbitrary, { numRuns: BATCH, seed: batchSeed++ });
      input = batch.pop()!;
      if (recent.length < RECENT) recent.push(input);
      else recent[Math.floor(rand() * RECENT)] = input;
      generated++;
    }
    if (!(await runOne(input))) break;
  }
  post({ type: 'done', inputs: count, generated, mutated, replayed, ms: Date.now() - start });
}

try {
  await main();
} catch (err) {
  // A failure outside any input (a generator that throws, a missing target): the runner's problem.
  parentPort!.postMessage({
    type: 'fatal',
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  } satisfies WorkerMessage);
}
