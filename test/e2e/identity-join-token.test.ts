// e2e: `burrow client join` takes its one-time token from stdin (`--token -`) or a file (`--token-file`), so it stays out of ps; on argv it still works, with a warning.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BurrowProcess,
  CLI,
  freePort,
  killAll,
  removeDir,
  runCli,
  runCliOk,
  scratchDir,
  writeFile,
} from './harness.js';

const AUTH_TOKEN = 'join-token-e2e';
/** A join has this long to finish before the test kills it. */
const JOIN_TIMEOUT_MS = 30_000;
/** The warning printed when the token came on the command line. */
const ARGV_WARNING = /--token on the command line is visible to other users \(ps, \/proc\)/;

/** Runs `burrow ARGS` with `input` on stdin; resolves with exit code and output (killed after JOIN_TIMEOUT_MS). */
function runWithStdin(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), JOIN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(input);
  });
}

describe('client join: the token from stdin or a file', () => {
  let work: string;
  let frps: string;
  /** Whether the CLI registers --token-file (src/cli/enroll-commands.ts; the lead applies that change). */

  before(async () => {
    work = scratchDir();
    const ca = join(work, 'ca');
    await runCliOk(['ca', 'init', '--dir', ca, '--name', 'join-token e2e CA']);
    await runCliOk([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      ca,
      '--out',
      join(work, 'server'),
      '127.0.0.1',
      'localhost',
    ]);
    const bindPort = await freePort();
    const toml = [
      'bindAddr = "127.0.0.1"',
      `bindPort = ${bindPort}`,
      `auth.token = "${AUTH_TOKEN}"`,
      `transport.tls.certFile = ${JSON.stringify(join(work, 'server.crt'))}`,
      `transport.tls.keyFile = ${JSON.stringify(join(work, 'server.key'))}`,
      `transport.tls.trustedCaFile = ${JSON.stringify(join(ca, 'ca.crt'))}`,
      `stateDir = ${JSON.stringify(join(work, 'state'))}`,
      '',
    ].join('\n');
    frps = writeFile(work, 'frps.toml', toml);
    const server = new BurrowProcess(['server', '-c', frps]);
    await server.waitFor(/burrow server listening/);
  });

  after(async () => {
    await killAll();
    removeDir(work);
  });

  /** A fresh token for `id` and the join command's address and fingerprint. */
  async function token(id: string): Promise<{ address: string; token: string; fingerprint: string }> {
    const created = await runCliOk(['server', 'token', 'create', '-c', frps, '--id', id]);
    const m = /burrow client join (\S+) --token (brw1\.\S+) --fingerprint (sha256:[0-9a-f]{64})/.exec(created);
    assert.ok(m, `no join command in:\n${created}`);
    return { address: m[1]!, token: m[2]!, fingerprint: m[3]! };
  }

  it('--token - reads the token from stdin (no warning)', async () => {
    const t = await token('stdin-client');
    const dir = join(work, 'stdin-client');
    const r = await runWithStdin(
      ['client', 'join', t.address, '--token', '-', '--fingerprint', t.fingerprint, '--dir', dir],
      `${t.token}\n`,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /enrolled as "stdin-client"/);
    assert.doesNotMatch(r.output, ARGV_WARNING);
    assert.ok(existsSync(join(dir, 'frpc.toml')));
  });

  it('--token - with nothing on stdin is a usage error (exit 2)', async () => {
    const t = await token('empty-stdin');
    const r = await runWithStdin(
      ['client', 'join', t.address, '--token', '-', '--fingerprint', t.fingerprint, '--dir', join(work, 'empty')],
      '',
    );
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /no enrollment token in stdin/);
  });

  it('--token TOKEN on the command line still works, with a warning that ps shows it', async () => {
    const t = await token('argv-client');
    const r = await runCli([
      'client',
      'join',
      t.address,
      '--token',
      t.token,
      '--fingerprint',
      t.fingerprint,
      '--dir',
      join(work, 'argv-client'),
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /enrolled as "argv-client"/);
    assert.match(r.output, ARGV_WARNING);
  });

  it('--help names --token-file and --token -', async () => {
    const help = await runCliOk(['client', 'join', '--help']);
    assert.match(help, /--token-file <file>/);
    assert.match(help, /"-" reads it\s+from\s+stdin/);
  });

  it('--token-file FILE reads the token from the file (no warning); with --token as well it is a usage error', async () => {
    const t = await token('file-client');
    const t2 = await token('both-client');
    const file = writeFile(work, 'token.txt', `${t.token}\n`);
    const r = await runCli([
      'client',
      'join',
      t.address,
      '--token-file',
      file,
      '--fingerprint',
      t.fingerprint,
      '--dir',
      join(work, 'file-client'),
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /enrolled as "file-client"/);
    assert.doesNotMatch(r.output, ARGV_WARNING);
    const both = await runCli([
      'client',
      'join',
      t2.address,
      '--token',
      t2.token,
      '--token-file',
      file,
      '--fingerprint',
      t2.fingerprint,
      '--dir',
      join(work, 'both'),
    ]);
    assert.equal(both.code, 2, both.output);
    assert.match(both.output, /give --token or --token-file, not both/);
  });
});
