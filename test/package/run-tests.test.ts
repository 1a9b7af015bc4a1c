// scripts/run-tests.mjs: runs the tests under a fresh TMPDIR, fails listing what a test left there, removes it, and lists skips with their reasons.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: the runner is started there, as `npm test` does. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** One run of the runner over a two-test folder (tsx start-up included). */
const RUN_TIMEOUT_MS = 60_000;

const scratch = mkdtempSync(join(tmpdir(), 'burrow-runner-'));
after(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 3 }));

/** A folder of tests for the runner: a pass, a skip with a reason, and (when `leak`) a test that leaves a folder in TMPDIR. */
function testsFolder(name: string, leak: boolean): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'sample.test.ts'),
    [
      "import { test } from 'node:test';",
      "import { mkdtempSync, writeFileSync } from 'node:fs';",
      "import { tmpdir } from 'node:os';",
      "import { join } from 'node:path';",
      "test('passes', () => {});",
      "test('needs a tool', { skip: 'frobnicator not installed' }, () => {});",
      leak
        ? "test('leaks', () => { writeFileSync(join(mkdtempSync(join(tmpdir(), 'leaky-')), 'key.pem'), 'x'); });"
        : '',
    ].join('\n'),
  );
  return dir;
}

/** Runs the runner over `roots` with its own parent TMPDIR; resolves with exit code, output and what stayed in that TMPDIR. */
function runRunner(roots: string, parentTmp: string): Promise<{ code: number; out: string; left: string[] }> {
  mkdirSync(parentTmp);
  const env: NodeJS.ProcessEnv = { ...process.env, BURROW_TEST_ROOTS: roots, TMPDIR: parentTmp };
  delete env.NODE_TEST_CONTEXT; // else node:test sees a nested run and runs nothing
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/run-tests.mjs'],
      { cwd: ROOT, env, timeout: RUN_TIMEOUT_MS },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        const left = readdirSync(parentTmp).filter((n) => !n.startsWith('tsx-')); // tsx's compile cache is not the run's
        resolve({ code, out: `${stdout}${stderr}`, left });
      },
    );
  });
}

describe('run-tests.mjs', () => {
  it('a clean run passes, says the TMPDIR stayed empty, lists the skip with its reason and file, and removes its TMPDIR', async () => {
    const r = await runRunner(testsFolder('clean', false), join(scratch, 'tmp-clean'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /run-tests: 1 skipped:\n {2}- .*sample\.test\.ts: needs a tool — frobnicator not installed/);
    assert.match(r.out, /the tests left their TMPDIR empty/);
    assert.deepEqual(r.left, [], 'the run folder was not removed');
  });

  it('a test that leaves a folder in TMPDIR fails the run, which names it and still removes everything', async () => {
    const r = await runRunner(testsFolder('leaky', true), join(scratch, 'tmp-leaky'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /run-tests: FAIL: the tests left 1 entries in their TMPDIR .*:\n {2}- leaky-\w+\/ \(1 files\)/);
    assert.deepEqual(r.left, [], 'the run folder (with the leak) was not removed');
  });
});
