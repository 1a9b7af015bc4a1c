// Runs every *.test.ts under src/ and test/ with node:test through tsx, under a fresh TMPDIR that must be empty at the end; extra args pass through.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leftovers, prepareRunTmp } from './test-tmpdir.mjs';

/** Folders searched for tests; BURROW_TEST_ROOTS (comma-separated) replaces them, for the runner's own test. */
const ROOTS = (process.env.BURROW_TEST_ROOTS ?? 'src,test').split(',').filter((r) => r !== '');
/** The reporter that records skips (file, name, reason) for the summary. */
const SKIP_REPORTER = fileURLToPath(new URL('./skip-reporter.mjs', import.meta.url));
/** Per-test (and per-file) limit passed to node:test: four minutes, since the slowest files (testssl, tls-modes) spawn many processes and took over two on a loaded 2-core machine. A limit for hangs, not a speed target. */
const TEST_TIMEOUT_MS = 240_000;
/** Test files run at once; the machine has few cores and e2e tests spawn processes. */
const TEST_CONCURRENCY = 2;
/** How many leftover entries the failure message names before it summarises. */
const MAX_LEFTOVERS_LISTED = 50;

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** The reporter flags: the usual one on stdout (spec on a TTY, tap otherwise, as node does) plus the skip recorder. */
function reporterFlags(flags, skipsFile) {
  const reporters = flags.filter((f) => f.startsWith('--test-reporter=')).length;
  const destinations = flags.filter((f) => f.startsWith('--test-reporter-destination=')).length;
  if (reporters !== destinations) return null; // the caller's own reporter set-up; leave it alone
  const own =
    reporters > 0
      ? []
      : [`--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`, '--test-reporter-destination=stdout'];
  return [...own, `--test-reporter=${SKIP_REPORTER}`, `--test-reporter-destination=${skipsFile}`];
}

/** Reads the skip records; an absent file (the runner died early) reads as none. */
function readSkips(skipsFile) {
  let text = '';
  try {
    text = readFileSync(skipsFile, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function printSkips(skips) {
  if (skips.length === 0) return;
  console.log(`\nrun-tests: ${skips.length} skipped:`);
  for (const s of skips) {
    const file = s.file === '' ? '' : `${relative(process.cwd(), s.file)}: `;
    console.log(`  - ${file}${s.name} — ${s.reason === '' ? 'no reason given' : s.reason}`);
  }
}

function main() {
  const args = process.argv.slice(2);
  const filter = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  let files = ROOTS.flatMap((root) => collect(root, [])).sort();
  if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
  if (files.length === 0) {
    // node --test with no files would search the working directory on its own: say so instead.
    console.error(`run-tests: no *.test.ts file under ${ROOTS.join(', ')} matches ${filter.join(' ')}`);
    return 1;
  }

  const runDir = mkdtempSync(join(tmpdir(), 'burrow-test-run-'));
  const runTmp = join(runDir, 'tmp');
  const skipsFile = join(runDir, 'skips.jsonl');
  const ignored = prepareRunTmp(runTmp);
  // Ctrl-C reaches the test runner too; stay alive long enough to report and remove runDir.
  const onSignal = () => {};
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const reporters = reporterFlags(flags, skipsFile) ?? [];
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${TEST_CONCURRENCY}`,
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        ...reporters,
        ...flags,
        ...files,
      ],
      { stdio: 'inherit', env: { ...process.env, TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp } },
    );
    if (result.error) console.error(`run-tests: could not start the test runner: ${result.error.message}`);
    let status = result.status ?? 1;
    printSkips(readSkips(skipsFile));
    const left = leftovers(runTmp, ignored);
    if (left.length > 0) {
      console.error(`\nrun-tests: FAIL: the tests left ${left.length} entries in their TMPDIR (${runTmp}):`);
      for (const entry of left.slice(0, MAX_LEFTOVERS_LISTED)) console.error(`  - ${entry}`);
      if (left.length > MAX_LEFTOVERS_LISTED) console.error(`  … and ${left.length - MAX_LEFTOVERS_LISTED} more`);
      status = status === 0 ? 1 : status;
    } else {
      console.log('run-tests: the tests left their TMPDIR empty.');
    }
    return status;
  } finally {
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = main();
