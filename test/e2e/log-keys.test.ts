// e2e: log.maxDays and log.disablePrintColor through the real CLI: old rotated files deleted and a stale file rotated at start; colours on a terminal only without the key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BurrowProcess, CLI, freePort, killAll, removeDir, scratchDir, writeFile } from './harness.js';

const run = promisify(execFile);

/** `script` gives the CLI a terminal, where colours are on unless the key says otherwise. */
const SCRIPT = '/usr/bin/script';
/** A run under `script` that takes longer fails the test instead of hanging it. */
const SCRIPT_TIMEOUT_MS = 30_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The escape character that starts an ANSI colour. */
const ESC = '\u001b';

/** golib's rotated name of `base.log` at `t`: base.YYYYMMDD-HHMMSS.log (local time). */
function rotated(base: string, t: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${base}.${t.getFullYear()}${two(t.getMonth() + 1)}${two(t.getDate())}-${two(t.getHours())}${two(t.getMinutes())}${two(t.getSeconds())}.log`;
}

describe('log keys through the real CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    await killAll();
    for (const dir of dirs) removeDir(dir);
  });

  it('log.maxDays: at start a file from an earlier day is rotated and rotated files older than maxDays are deleted', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const logFile = join(dir, 'frps.log');
    const now = new Date();
    const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    const old = rotated('frps', new Date(today.getTime() - 5 * DAY_MS));
    const recent = rotated('frps', new Date(today.getTime() - DAY_MS));
    const otherLog = rotated('other', new Date(today.getTime() - 9 * DAY_MS));
    for (const name of [old, recent, otherLog]) writeFileSync(join(dir, name), `${name}\n`);
    writeFileSync(logFile, 'from yesterday\n');
    const yesterday = new Date(today.getTime() - DAY_MS / 2);
    utimesSync(logFile, yesterday, yesterday);
    const bindPort = await freePort();
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nstateDir = "${dir}/state"\nlog.to = ${JSON.stringify(logFile)}\nlog.maxDays = 3\n`,
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    await server.kill();
    const names = readdirSync(dir);
    assert.ok(!names.includes(old), `${old} (5 days old) was not deleted: ${names.join(', ')}`);
    assert.ok(names.includes(recent), `${recent} (1 day old) was deleted`);
    assert.ok(names.includes(otherLog), 'a file of another log was deleted');
    const stale = rotated('frps', today);
    assert.equal(readFileSync(join(dir, stale), 'utf8'), 'from yesterday\n');
    assert.match(readFileSync(logFile, 'utf8'), /"msg":/);
  });

  it('log.disablePrintColor: a terminal gets coloured level tags without it, plain ones with it', async (t) => {
    if (!existsSync(SCRIPT)) {
      t.skip(`${SCRIPT} is not installed (util-linux)`);
      return;
    }
    const dir = scratchDir();
    dirs.push(dir);
    // A port in use: the server logs its custom404Page warning, then fails to listen and exits.
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const output = async (extra: string): Promise<string> => {
        const toml = writeFile(
          dir,
          'frps.toml',
          `bindAddr = "127.0.0.1"\nbindPort = ${port}\nstateDir = "${dir}/state"\nvhostHTTPPort = ${await freePort()}\ncustom404Page = "${dir}/none.html"\n${extra}`,
        );
        const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} server -c ${JSON.stringify(toml)}`;
        const result = await run(SCRIPT, ['-qec', command, '/dev/null'], { timeout: SCRIPT_TIMEOUT_MS }).catch(
          (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
        );
        return result.stdout;
      };
      const coloured = await output('');
      assert.ok(coloured.includes(`${ESC}[33m[W]${ESC}[0m [server] custom404Page`), coloured);
      const plain = await output('log.disablePrintColor = true\n');
      assert.match(plain, / \[W\] \[server\] custom404Page/);
      assert.ok(!plain.includes(ESC), plain);
    } finally {
      busy.close();
    }
  });
});
