// The published package: `npm pack` ships no tests and no dangling source maps, and the tarball installed without dev dependencies runs `--version`, `ca init` and the quickstart.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (npm pack runs there). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `npm pack` of a built tree: reads ~700 files, no network. */
const PACK_TIMEOUT_MS = 60_000;
/** `npm install` of the tarball: its ten dependencies come from npm's cache, or the registry when not cached. */
const INSTALL_TIMEOUT_MS = 180_000;
/** One short CLI command (`--version`, `ca init`). */
const CLI_TIMEOUT_MS = 30_000;
/** The quickstart's URL line, and its clean exit after SIGTERM. */
const QUICKSTART_TIMEOUT_MS = 30_000;
/** The whole test: pack + install + three commands. */
const TEST_TIMEOUT_MS = PACK_TIMEOUT_MS * 2 + INSTALL_TIMEOUT_MS + CLI_TIMEOUT_MS * 2 + QUICKSTART_TIMEOUT_MS * 2;
/** npm errors that mean the registry is out of reach (the test then skips). */
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|network/i;

/** The dashboard's browser scripts, which the build copies into dist/ beside their module. */
const DASHBOARD_SCRIPTS = ['shared.js', 'server.js', 'client.js'];
/** Prints each role's dashboard script as the installed package serves it (run inside the installed package). */
const DASHBOARD_CHECK =
  "const { dashboardRoutes } = await import('./dist/admin/dashboard/index.js');" +
  "for (const role of ['server', 'client']) {" +
  '  const route = dashboardRoutes(role).find((r) => r.pattern === `/static/${role}.js`);' +
  '  console.log(`${role}: ${JSON.stringify(route.handler().text)}`);' +
  '}';

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const scratch = mkdtempSync(join(tmpdir(), 'burrow-pack-'));
const running = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
});

/** The environment without the npm_* variables of an enclosing `npm test` (they would steer the inner npm). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command to completion; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout: number,
  env = cleanEnv(),
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: `${stdout}${stderr}${err && code === 1 ? `\n${err.message}` : ''}` });
    });
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: CLI_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Spawns `bin quickstart`, resolves with its URL line (or rejects with its output after the timeout). */
function startQuickstart(
  bin: string,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; stop: () => Promise<number | null>; output: () => string }> {
  const child = spawn(bin, ['quickstart'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => (running.delete(child), resolve(code))),
  );
  const stop = (): Promise<number | null> => (child.kill('SIGTERM'), exited);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => (child.kill('SIGKILL'), reject(new Error(`no URL from the quickstart:\n${output}`))),
      QUICKSTART_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const m = /open: +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, stop, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(
      (code) => (clearTimeout(timer), reject(new Error(`quickstart exited (${code}) before its URL:\n${output}`))),
    );
  });
}

describe('the packed tarball', { timeout: TEST_TIMEOUT_MS }, () => {
  it('lists only the built library, its declarations, the examples and the README: no tests, no source maps', async () => {
    assert.ok(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/ is missing: run `npm run build` first');
    const dry = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT, PACK_TIMEOUT_MS);
    assert.equal(dry.code, 0, dry.out);
    const [info] = JSON.parse(dry.out.slice(dry.out.indexOf('['))) as [{ files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    assert.ok(files.includes('dist/cli/main.js') && files.includes('dist/index.d.ts'), files.join('\n'));
    for (const script of DASHBOARD_SCRIPTS) {
      assert.ok(files.includes(`dist/admin/dashboard/assets/${script}`), `${script} missing:\n${files.join('\n')}`);
    }
    const unexpected = files.filter(
      (f) =>
        !/^dist\/.+\.(js|d\.ts)$/.test(f) &&
        !/^examples\/[^/]+\.toml$/.test(f) &&
        !['README.md', 'package.json', 'LICENSE'].includes(f),
    );
    assert.deepEqual(unexpected, [], 'files the package should not ship');
    assert.deepEqual(
      files.filter((f) => /(^|\/)test\/|\.test\.|\.map$/.test(f)),
      [],
    );
  });

  it('installs without dev dependencies; npx burrow --version, burrow ca init and the quickstart work from it', async (t) => {
    const packDir = join(scratch, 'pack');
    const appDir = join(scratch, 'app');
    mkdirSync(packDir);
    mkdirSync(appDir);
    const pack = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir],
      ROOT,
      PACK_TIMEOUT_MS,
    );
    assert.equal(pack.code, 0, pack.out);
    const [{ filename }] = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as [{ filename: string }];
    const tarball = join(packDir, filename);
    assert.ok(existsSync(tarball), `${tarball} not written:\n${pack.out}`);

    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'burrow-pack-check', version: '1.0.0', private: true }),
    );
    const flags = ['--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];
    const install = await run('npm', ['install', ...flags, tarball], appDir, INSTALL_TIMEOUT_MS);
    if (install.code !== 0 && OFFLINE.test(install.out)) {
      t.skip(`npm cannot reach the registry (${OFFLINE.exec(install.out)![0]})`);
      return;
    }
    assert.equal(install.code, 0, install.out);
    assert.ok(!existsSync(join(appDir, 'node_modules', 'typescript')), 'a dev dependency was installed');

    const v = await run('npx', ['--no', '--', 'burrow', '--version'], appDir, CLI_TIMEOUT_MS); // --no: never download it
    assert.equal(v.code, 0, v.out);
    assert.equal(v.out.trim(), version);

    const bin = join(appDir, 'node_modules', '.bin', 'burrow');
    const ca = await run(bin, ['ca', 'init', '--dir', join(scratch, 'ca')], appDir, CLI_TIMEOUT_MS);
    assert.equal(ca.code, 0, ca.out);
    assert.ok(existsSync(join(scratch, 'ca', 'ca.crt')), ca.out);

    // The dashboard reads its browser scripts from the installed package, next to its module.
    const dashboard = await run(
      process.execPath,
      ['--input-type=module', '-e', DASHBOARD_CHECK],
      join(appDir, 'node_modules', 'burrow'),
      CLI_TIMEOUT_MS,
    );
    assert.equal(dashboard.code, 0, dashboard.out);
    assert.match(dashboard.out, /server: .*\/api\/serverinfo.*\nclient: .*\/api\/status/s);

    // As the README runs it (no --dir): its folder goes in the TMPDIR given here, inside the scratch folder.
    const qsTmp = join(scratch, 'qs-tmp');
    mkdirSync(qsTmp);
    const qs = await startQuickstart(bin, cleanEnv({ TMPDIR: qsTmp }));
    const page = await get(qs.url);
    assert.equal(page.status, 200, qs.output());
    assert.match(page.body, /came to you through a mutual-TLS tunnel/);
    assert.equal(await qs.stop(), 0, qs.output());
  });
});
