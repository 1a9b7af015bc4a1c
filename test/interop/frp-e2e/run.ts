// Runs frp's own e2e suite (ginkgo, 2 procs) with burrow in a role (frps or frpc) through the shims here, and prints pass counts per v1/legacy.
// Usage: npx tsx test/interop/frp-e2e/run.ts [--role frps|frpc|real] [--focus REGEX] [--keep] [--out summary.json]
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FRP_DIR, REPO_ROOT } from '../harness.js';

/** The suite's own budget for the whole run (its README's figure); ginkgo stops the run past it. */
const SUITE_TIMEOUT = '24m';
/** Parallel ginkgo processes: the machine has 2 cores. */
const PROCS = 2;

type Role = 'frps' | 'frpc' | 'real';
interface SpecReport {
  State: string;
  LeafNodeType: string;
  LeafNodeText: string;
  ContainerHierarchyTexts: string[] | null;
  LeafNodeLocation: { FileName: string };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const role = (option('role') ?? 'frps') as Role;
if (!['frps', 'frpc', 'real'].includes(role)) throw new Error(`--role must be frps, frpc or real, not ${role}`);
const e2eDir = path.join(FRP_DIR, 'e2e');
if (!existsSync(path.join(e2eDir, 'e2e.test'))) {
  process.stderr.write(`frp's e2e suite not found at ${e2eDir}; nothing to run\n`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

// ../shared is read-only: run from a scratch copy, reports there too.
const work = mkdtempSync(path.join(tmpdir(), 'burrow-frp-e2e-'));
const stateDir = path.join(work, 'state');
mkdirSync(stateDir);
for (const bin of ['e2e.test', 'ginkgo']) {
  copyFileSync(path.join(e2eDir, bin), path.join(work, bin));
  chmodSync(path.join(work, bin), 0o755);
}

/** A wrapper the suite can start with an empty environment: absolute paths, `exec` so SIGKILL reaches node. */
function wrapper(name: 'frps' | 'frpc'): string {
  const file = path.join(work, name);
  const shim = path.join(REPO_ROOT, 'test/interop/frp-e2e', `${name}-shim.mjs`);
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${shim}' '${stateDir}' "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

const frpsPath = role === 'frps' ? wrapper('frps') : path.join(FRP_DIR, 'frps');
const frpcPath = role === 'frpc' ? wrapper('frpc') : path.join(FRP_DIR, 'frpc');
const focus = option('focus');
const args = [
  'run',
  `-procs=${PROCS}`,
  `--timeout=${SUITE_TIMEOUT}`,
  '--json-report=report.json',
  `--output-dir=${work}`,
  '--no-color',
  ...(focus ? [`--focus=${focus}`] : []),
  './e2e.test',
  '--',
  `-frps-path=${frpsPath}`,
  `-frpc-path=${frpcPath}`,
  '-log-level=info',
];
process.stderr.write(`frp e2e: role ${role}, frps ${frpsPath}, frpc ${frpcPath}, in ${work}\n`);
const log = path.join(work, 'ginkgo.log');
const child = spawn(path.join(work, 'ginkgo'), args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
const chunks: Buffer[] = [];
child.stdout.on('data', (c: Buffer) => chunks.push(c));
child.stderr.on('data', (c: Buffer) => chunks.push(c));
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
writeFileSync(log, Buffer.concat(chunks));

const reportFile = path.join(work, 'report.json');
if (!existsSync(reportFile)) {
  process.stderr.write(`ginkgo wrote no report (exit ${code}); its log is ${log}\n`);
  process.exit(1);
}
const suites = JSON.parse(readFileSync(reportFile, 'utf8')) as { SpecReports: SpecReport[] | null }[];
const specs = suites.flatMap((s) => s.SpecReports ?? []).filter((s) => s.LeafNodeType === 'It');
const tally = (list: SpecReport[]): Record<string, number> => {
  const out: Record<string, number> = { total: list.length };
  for (const s of list) out[s.State] = (out[s.State] ?? 0) + 1;
  return out;
};
const isLegacy = (s: SpecReport): boolean => s.LeafNodeLocation.FileName.includes('/legacy/');
const name = (s: SpecReport): string => [...(s.ContainerHierarchyTexts ?? []), s.LeafNodeText].join(' ');
const summary = {
  role,
  ginkgoExit: code,
  all: tally(specs),
  v1: tally(specs.filter((s) => !isLegacy(s))),
  legacy: tally(specs.filter(isLegacy)),
  failed: specs
    .filter((s) => s.State !== 'passed' && s.State !== 'skipped')
    .map((s) => `${isLegacy(s) ? 'legacy' : 'v1'}: ${name(s)} [${s.State}]`),
};
const out = option('out');
if (out) writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ ...summary, failed: summary.failed.length }, null, 2)}\n`);
if (process.argv.includes('--keep')) process.stderr.write(`kept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
