// Files: auth.tokenSource, includes, JSON, refused formats and unreadable files, in a temporary directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  ConfigError,
  loadClientConfig,
  loadServerConfig,
  parseClientConfig,
  parseServerConfig,
} from '../../src/config/index.js';

let dir = '';
const env = { PROXY_NAME: 'from-env' };

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-config-'));
  mkdirSync(path.join(dir, 'conf.d'));
  writeFileSync(path.join(dir, 'token.txt'), '  s3cret-token \n');
  writeFileSync(
    path.join(dir, 'conf.d', 'a.toml'),
    '[[proxies]]\nname = "{{ .Envs.PROXY_NAME }}"\ntype = "tcp"\nlocalPort = 80\n[[visitors]]\nname = "vis"\ntype = "stcp"\nserverName = "x"\nbindPort = 9000\n',
  );
  writeFileSync(
    path.join(dir, 'conf.d', 'b.toml'),
    'serverAddr = "ignored"\n[[proxies]]\nname = "b"\ntype = "udp"\nlocalPort = 53\n',
  );
  writeFileSync(path.join(dir, 'conf.d', 'notes.txt'), 'not a config');
  writeFileSync(path.join(dir, 'conf.d', 'dup.toml.off'), '[[proxies]]\nname = "main"\ntype = "tcp"\nlocalPort = 1\n');
  writeFileSync(path.join(dir, 'conf.d', 'bad.toml.x'), '[[proxies]]\nname = "bad"\ntype = "tcp"\nlocalPort = 99999\n');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('auth.tokenSource file: read relative to the config file, trimmed', () => {
  const file = path.join(dir, 'frps.toml');
  const s = parseServerConfig('[auth.tokenSource]\ntype = "file"\nfile.path = "token.txt"', file, { env });
  assert.equal(s.config.auth.token, 's3cret-token');
  const c = parseClientConfig(
    'auth.tokenSource = { type = "file", file = { path = "token.txt" } }',
    path.join(dir, 'frpc.toml'),
    { env },
  );
  assert.equal(c.config.auth.token, 's3cret-token');
});

test('auth.tokenSource problems: missing file, exec, both token and tokenSource', () => {
  const file = path.join(dir, 'frps.toml');
  assert.throws(
    () => parseServerConfig('auth.tokenSource = { type = "file", file = { path = "nope.txt" } }', file, { env }),
    {
      message: `${file}: auth.tokenSource.file.path: cannot read ${JSON.stringify(path.join(dir, 'nope.txt'))}: ENOENT`,
    },
  );
  assert.throws(
    () => parseServerConfig('auth.tokenSource = { type = "exec", exec = { command = "echo" } }', file, { env }),
    {
      message: `${file}: auth.tokenSource.type: "exec" runs a command, an unsafe feature: start with --allow-unsafe=TokenSourceExec to allow it, or use type "file"`,
    },
  );
  assert.throws(
    () =>
      parseServerConfig('auth.token = "t"\nauth.tokenSource = { type = "file", file = { path = "token.txt" } }', file, {
        env,
      }),
    {
      message: `${file}: auth.tokenSource: cannot be set together with auth.token; keep one`,
    },
  );
});

test('includes: glob in one directory, only proxies and visitors taken, templated too', async () => {
  const file = path.join(dir, 'frpc.toml');
  writeFileSync(
    file,
    'serverAddr = "127.0.0.1"\nincludes = ["conf.d/*.toml"]\n[[proxies]]\nname = "main"\ntype = "tcp"\nlocalPort = 22\n',
  );
  const loaded = await loadClientConfig(file, { env });
  assert.deepEqual(
    loaded.config.proxies.map((p) => p.name),
    ['main', 'from-env', 'b'],
  );
  assert.deepEqual(
    loaded.config.visitors.map((v) => v.name),
    ['vis'],
  );
  assert.equal(loaded.config.serverAddr, '127.0.0.1');
  assert.deepEqual(loaded.warnings, [
    `${path.join(dir, 'conf.d', 'b.toml')}: serverAddr: only proxies and visitors are read from an included file; ignored`,
  ]);
});

test('includes: duplicates across files and problems in included files are reported with their file', () => {
  const file = path.join(dir, 'frpc.toml');
  const text =
    'includes = ["conf.d/*.toml.off", "conf.d/bad.toml.?"]\n[[proxies]]\nname = "main"\ntype = "tcp"\nlocalPort = 22\n';
  assert.throws(
    () => parseClientConfig(text, file, { env }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        `${path.join(dir, 'conf.d', 'bad.toml.x')}: proxies[0].localPort: expected integer 1-65535, got 99999`,
        `${path.join(dir, 'conf.d', 'dup.toml.off')}: proxies[0].name: duplicate proxy name "main" (also ${file}: proxies[0])`,
      ]);
      assert.equal(err.file, file);
      return true;
    },
  );
});

test('includes: a missing directory is a problem, a pattern matching nothing a warning', () => {
  const file = path.join(dir, 'frpc.toml');
  assert.throws(() => parseClientConfig('includes = ["missing/*.toml"]', file, { env }), {
    message: `${file}: includes[0]: directory ${JSON.stringify(path.join(dir, 'missing'))} does not exist`,
  });
  const loaded = parseClientConfig('includes = ["conf.d/*.yaml"]', file, { env });
  assert.deepEqual(loaded.warnings, [`${file}: includes[0]: no file matches "conf.d/*.yaml"`]);
});

test('JSON, YAML and legacy INI config files are read', async () => {
  const json = path.join(dir, 'frps.json');
  writeFileSync(json, JSON.stringify({ bindPort: 7100, transport: { tcpMux: false } }));
  const s = await loadServerConfig(json, { env });
  assert.equal(s.config.bindPort, 7100);
  assert.equal(s.config.transport.heartbeatTimeout, 90);
  assert.equal(parseServerConfig('[common]\nbind_port = 7000\n', 'frps.ini', { env }).config.bindPort, 7000);
  assert.equal(parseClientConfig('serverAddr: x\n', 'frpc.yaml', { env }).config.serverAddr, 'x');
  assert.throws(() => parseClientConfig('{"serverPort": ', 'frpc.json', { env }), {
    message: /^frpc\.json: invalid JSON: /,
  });
});

test('a config whose text starts with "{" is read as JSON whatever its name, as frp does', async () => {
  const bare = path.join(dir, 'frps-config');
  writeFileSync(bare, `\n  ${JSON.stringify({ bindPort: 7101, auth: { token: 'x' } })}\n`);
  const s = await loadServerConfig(bare, { env });
  assert.equal(s.config.bindPort, 7101);
  assert.equal(s.config.auth.token, 'x');
  assert.equal(parseServerConfig('{"bindPort": 7102}', 'frps.toml', { env }).config.bindPort, 7102);
  // Its errors are JSON's, naming the file; a TOML file is still TOML.
  assert.throws(() => parseClientConfig('{"serverPort": ', 'frpc', { env }), { message: /^frpc: invalid JSON: / });
  assert.equal(parseServerConfig('bindPort = 7103', 'frps', { env }).config.bindPort, 7103);
});

test('a missing config file is a ConfigError naming it', async () => {
  const missing = path.join(dir, 'nope', 'frpc.toml');
  await assert.rejects(loadClientConfig(missing, { env }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `${missing}: cannot read config file (no such file)`);
    return true;
  });
});
