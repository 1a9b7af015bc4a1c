// The fuzz runner: `npm run fuzz -- --seconds N [--target NAME] [--jobs J] [--seed S]`; saves crashing inputs to test/fuzz/corpus.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { saveCorpus } from '../test/fuzz/lib/corpus.js';
import { catchStrayErrors, runInput } from '../test/fuzz/lib/engine.js';
import type { WorkerInput, WorkerMessage } from '../test/fuzz/lib/worker.js';
import { TARGETS } from '../test/fuzz/targets/index.js';

/** Seconds per target when --seconds is not given. */
const DEFAULT_SECONDS = 10;
/** A worker whose input counter does not move for this long is stuck (a sync infinite loop): it is killed and its input saved. */
const STALL_LIMIT_MS = 15_000;
/** How often the runner checks the workers' counters. */
const WATCH_INTERVAL_MS = 1_000;
/** Heap of one worker; running out of it is a finding (unbounded memory). */
const WORKER_HEAP_MB = 1024;
/** Extra time a worker gets beyond its seconds (start-up, corpus replay, the last input) before it counts as stuck. */
const FINISH_GRACE_MS = 30_000;

/** The worker module (TypeScript). */
const WORKER_FILE = new URL('../test/fuzz/lib/worker.ts', import.meta.url).href;
/** Workers do not inherit tsx's loader hooks: the bootstrap registers them, then imports the worker module. */
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_FILE)}); });`;

interface Options {
  /** Corpus files to run once in this process, printing each finding in full (no fuzzing). */
  replay: string[];
  seconds: number;
  /** Stop a target early once it has run this many inputs (0 = no limit). */
  inputs: number;
  targets: string[];
  jobs: number;
  seed: number;
}

interface Result {
  target: string;
  inputs: number;
  generated: number;
  mutated: number;
  replayed: number;
  ms: number;
  findings: number;
  saved: string[];
}

function usage(message?: string): never {
  if (message !== undefined) console.error(`fuzz: ${message}`);
  console.error(
    'usage: npm run fuzz -- [--seconds N] [--inputs N] [--target NAME[,NAME]] [--jobs J] [--seed S] [--list]\n' +
      '       npm run fuzz -- --replay test/fuzz/corpus/<target>/<file>.bin [more files]\n' +
      `targets: ${TARGETS.map((t) => t.name).join(', ')}`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    replay: [],
    seconds: DEFAULT_SECONDS,
    inputs: 0,
    targets: [],
    jobs: 1,
    seed: randomInt(1, 2 ** 31 - 1),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    const number = (name: string, v: string, min: number): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) usage(`${name} must be a number >= ${min}, got ${v}`);
      return n;
    };
    if (arg === '--seconds') opts.seconds = number('--seconds', value(), 0);
    else if (arg === '--inputs') opts.inputs = Math.floor(number('--inputs', value(), 0));
    else if (arg === '--target')
      opts.targets.push(
        ...value()
          .split(',')
          .filter((s) => s !== ''),
      );
    else if (arg === '--jobs') opts.jobs = Math.floor(number('--jobs', value(), 1));
    else if (arg === '--seed') opts.seed = Math.floor(number('--seed', value(), 1));
    else if (arg === '--replay') opts.replay.push(value());
    else if (arg === '--list') {
      for (const t of TARGETS) console.log(`${t.name.padEnd(12)} ${t.about}`);
      process.exit(0);
    } else if (!arg.startsWith('--') && opts.replay.length > 0)
      opts.replay.push(arg); // --replay a.bin b.bin ...
    else usage(`unknown argument ${arg}`);
  }
  for (const t of opts.targets) if (!TARGETS.some((x) => x.name === t)) usage(`unknown target ${t}`);
  if (opts.targets.length === 0) opts.targets = TARGETS.map((t) => t.name);
  return opts;
}

/** Saves a finding's input and note to the corpus; returns the file when new. */
function save(target: string, input: Uint8Array, message: string, detail: string): string | undefined {
  return saveCorpus(target, Buffer.from(input), `${message}\n\n${detail}`);
}

/** Runs one target in a worker, watching it for stalls and out-of-memory. */
function fuzzTarget(name: string, seconds: number, maxInputs: number, seed: number): Promise<Result> {
  const target = TARGETS.find((t) => t.name === name)!;
  const progress = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const current = new SharedArrayBuffer(target.maxInputBytes);
  const counters = new Int32Array(progress);
  const result: Result = {
    target: name,
    inputs: 0,
    generated: 0,
    mutated: 0,
    replayed: 0,
    ms: 0,
    findings: 0,
    saved: [],
  };
  const currentInput = (): Uint8Array => new Uint8Array(current).slice(0, Atomics.load(counters, 1));
  const report = (message: string, detail: string, input: Uint8Array): void => {
    result.findings++;
    const file = save(name, input, message, detail);
    if (file !== undefined) result.saved.push(file);
    console.log(
      `  FINDING ${name}: ${message}${file !== undefined ? `\n    saved ${file}` : ' (input already in the corpus)'}`,
    );
  };
  const data: WorkerInput = { target: name, seconds, maxInputs, seed, progress, current };
  const worker = new Worker(WORKER_BOOTSTRAP, {
    eval: true,
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const started = Date.now();
  return new Promise((resolve) => {
    let last = -1;
    let lastMove = Date.now();
    let done = false;
    const watch = setInterval(() => {
      const n = Atomics.load(counters, 0);
      if (n !== last) {
        last = n;
        lastMove = Date.now();
        return;
      }
      const stalled = Date.now() - lastMove > STALL_LIMIT_MS;
      const overdue = Date.now() - started > seconds * 1000 + FINISH_GRACE_MS;
      if ((stalled || overdue) && !done) {
        report(
          `hang: no progress for ${Math.round((Date.now() - lastMove) / 1000)} s on one input`,
          'the worker was terminated',
          currentInput(),
        );
        done = true;
        result.inputs = n;
        result.ms = Date.now() - started;
        void worker.terminate();
      }
    }, WATCH_INTERVAL_MS);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'finding') report(m.finding.message, m.finding.detail, m.finding.input);
      else if (m.type === 'fatal') {
        console.error(`fuzz: the ${name} worker failed outside any input: ${m.message}`);
        process.exitCode = 2;
      } else
        Object.assign(result, {
          inputs: m.inputs,
          generated: m.generated,
          mutated: m.mutated,
          replayed: m.replayed,
          ms: m.ms,
        });
    });
    worker.on('error', (err) => {
      done = true;
      if (Atomics.load(counters, 0) === 0 && Atomics.load(counters, 1) === 0) {
        // Died before its first input: the runner's problem, not the target's.
        console.error(`fuzz: the ${name} worker failed to start: ${err.stack ?? err.message}`);
        process.exitCode = 2;
        return;
      }
      // Out of heap or an error outside any input: the input being run is the suspect.
      report(`worker died: ${err.message}`, err.stack ?? '', currentInput());
    });
    worker.on('exit', () => {
      clearInterval(watch);
      if (result.inputs === 0) result.inputs = Atomics.load(counters, 0);
      if (result.ms === 0) result.ms = Date.now() - started;
      resolve(result);
    });
  });
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
}

/** Runs saved inputs in this process (the target is the corpus folder's name); exits 1 when one still fails. */
async function replay(files: string[]): Promise<void> {
  catchStrayErrors();
  let failed = 0;
  for (const file of files) {
    const target = TARGETS.find((t) => t.name === basename(dirname(resolve(file))));
    if (target === undefined) usage(`${file}: not under test/fuzz/corpus/<target>/`);
    const f = await runInput(target, readFileSync(file));
    if (f === undefined) console.log(`ok    ${file}`);
    else {
      failed++;
      console.log(`FAIL  ${file}\n${f.detail}\n`);
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.replay.length > 0) await replay(opts.replay);
  const limit = opts.inputs > 0 ? ` (or ${opts.inputs} inputs)` : '';
  console.log(
    `fuzz: ${opts.targets.length} target(s), ${opts.seconds} s each${limit}, ${opts.jobs} at a time, seed ${opts.seed}`,
  );
  const queue = [...opts.targets];
  const results: Result[] = [];
  const runNext = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const r = await fuzzTarget(name, opts.seconds, opts.inputs, opts.seed);
      const rate = r.ms > 0 ? Math.round((r.inputs * 1000) / r.ms) : 0;
      console.log(
        `  ${name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (${rate}/s), ${r.findings} finding(s)`,
      );
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, queue.length) }, runNext));
  results.sort((a, b) => opts.targets.indexOf(a.target) - opts.targets.indexOf(b.target));
  const widths = [12, 11, 10, 10, 8, 8, 8, 8];
  console.log(
    '\n' + row(['target', 'inputs', 'generated', 'mutated', 'corpus', 'seconds', 'per s', 'findings'], widths),
  );
  for (const r of results) {
    const rate = r.ms > 0 ? Math.round((r.inputs * 1000) / r.ms) : 0;
    console.log(
      row([r.target, r.inputs, r.generated, r.mutated, r.replayed, (r.ms / 1000).toFixed(1), rate, r.findings], widths),
    );
  }
  const total = results.reduce((n, r) => n + r.inputs, 0);
  const findings = results.reduce((n, r) => n + r.findings, 0);
  console.log(row(['total', total, '', '', '', '', '', findings], widths));
  if (findings > 0) {
    console.log(`\nfuzz: ${findings} finding(s); inputs saved under test/fuzz/corpus/<target>/ (replayed by npm test)`);
    process.exit(1);
  }
}

await main();
