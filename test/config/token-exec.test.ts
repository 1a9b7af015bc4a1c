// auth.tokenSource type "exec": the opt-in, the command's stdout as the token, env entries, and the bounds (time, output size).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientConfig, parseServerConfig } from '../../src/config/index.js';
import { runTokenCommand, TOKEN_EXEC_MAX_OUTPUT_BYTES } from '../../src/config/token-exec.js';

const NODE = JSON.stringify(process.execPath);
const allow = { allowUnsafe: ['TokenSourceExec'] };

/** An [auth.tokenSource] of type exec running node with `script`. */
function execSource(script: string, extra = ''): string {
  return `[auth.tokenSource]\ntype = "exec"\nexec.command = ${NODE}\nexec.args = ["-e", ${JSON.stringify(script)}]\n${extra}`;
}

test('exec without --allow-unsafe=TokenSourceExec is refused, naming the flag, and the command does not run', () => {
  const marker = `process.stdout.write("tok")`;
  assert.throws(() => parseServerConfig(execSource(marker), 'frps.toml'), {
    message: /frps\.toml: auth\.tokenSource\.type: "exec" runs a command.*--allow-unsafe=TokenSourceExec/,
  });
  assert.throws(() => parseClientConfig(execSource(marker), 'frpc.toml', { allowUnsafe: [] }), {
    message: /--allow-unsafe=TokenSourceExec/,
  });
});

test('exec with the opt-in: stdout trimmed is the token, env entries are added to the environment', () => {
  const script = 'process.stdout.write("  " + process.env.TOKEN_PART + "-x\\n")';
  const extra = 'exec.env = [{ name = "TOKEN_PART", value = "s3cret" }]\n';
  const s = parseServerConfig(execSource(script, extra), 'frps.toml', allow);
  assert.equal(s.config.auth.token, 's3cret-x');
  const c = parseClientConfig(execSource(script, extra), 'frpc.toml', allow);
  assert.equal(c.config.auth.token, 's3cret-x');
});

test('exec failures name the key and never the output', () => {
  assert.throws(
    () => parseServerConfig(execSource('process.stdout.write("leaked"); process.exit(3)'), 'f', allow),
    (err: Error) => {
      assert.match(err.message, /^f: auth\.tokenSource\.exec\.command: ".*" exited with status 3$/);
      assert.doesNotMatch(err.message, /leaked/);
      return true;
    },
  );
  assert.throws(() => parseServerConfig(execSource(''), 'f', allow), { message: /printed no token/ });
  assert.throws(() => parseServerConfig('auth.tokenSource = { type = "exec", exec = { command = "" } }', 'f', allow), {
    message: 'f: auth.tokenSource.exec.command: required (expected string) when auth.tokenSource.type is "exec"',
  });
  assert.throws(
    () =>
      parseServerConfig(
        'auth.tokenSource = { type = "exec", exec = { command = "x", env = [{ name = "A=B", value = "" }] } }',
        'f',
        allow,
      ),
    { message: 'f: auth.tokenSource.exec.env[0].name: expected a non-empty name without "="' },
  );
  assert.throws(
    () =>
      parseServerConfig(
        'auth.tokenSource = { type = "exec", exec = { command = "/nonexistent/burrow-token" } }',
        'f',
        allow,
      ),
    { message: /cannot run "\/nonexistent\/burrow-token": ENOENT/ },
  );
});

test('a command that does not exit in time is killed; one that prints too much is refused', () => {
  const started = Date.now();
  const slow = runTokenCommand(
    { command: process.execPath, args: ['-e', 'setTimeout(() => {}, 30000)'] },
    { timeoutMs: 300 },
  );
  assert.ok(Date.now() - started < 10_000, 'the command was not killed at its deadline');
  assert.equal(slow.ok, false);
  assert.match(slow.ok ? '' : slow.message, /did not exit within 300 ms; it was killed/);
  const loud = runTokenCommand({
    command: process.execPath,
    args: ['-e', `process.stdout.write("x".repeat(${TOKEN_EXEC_MAX_OUTPUT_BYTES * 2}))`],
  });
  assert.equal(loud.ok, false);
  assert.match(loud.ok ? '' : loud.message, new RegExp(`printed more than ${TOKEN_EXEC_MAX_OUTPUT_BYTES} bytes`));
});
