// [[httpPlugins]] in frps.toml: frp's keys and defaults, and file:key errors for a missing name or addr and an unknown op.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseServerConfig } from '../../src/config/index.js';

const env = {};

function problems(text: string): string {
  try {
    parseServerConfig(text, 'frps.toml', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

test('[[httpPlugins]] entries are read in order with frp defaults (path "", ops [], tlsVerify false)', () => {
  const { config, warnings } = parseServerConfig(
    [
      '[[httpPlugins]]',
      'name = "users"',
      'addr = "127.0.0.1:9000"',
      'path = "/handler"',
      'ops = ["Login", "NewProxy"]',
      '[[httpPlugins]]',
      'name = "tls"',
      'addr = "https://plugins.example:9001"',
      'tlsVerify = true',
    ].join('\n'),
    'frps.toml',
    { env },
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.httpPlugins, [
    { name: 'users', addr: '127.0.0.1:9000', path: '/handler', ops: ['Login', 'NewProxy'], tlsVerify: false },
    { name: 'tls', addr: 'https://plugins.example:9001', path: '', ops: [], tlsVerify: true },
  ]);
  assert.deepEqual(parseServerConfig('', 'frps.toml', { env }).config.httpPlugins, []);
});

test('a plugin without name or addr, or with an unknown op, is refused naming file and key', () => {
  assert.equal(
    problems('[[httpPlugins]]\naddr = "127.0.0.1:9000"\nops = ["Login"]'),
    'frps.toml: httpPlugins[0].name: required (expected string)',
  );
  const msg = problems('[[httpPlugins]]\nname = ""\naddr = ""\nops = ["Login", "Bogus"]');
  assert.match(msg, /frps\.toml: httpPlugins\[0\]\.name: must not be empty/);
  assert.match(msg, /frps\.toml: httpPlugins\[0\]\.addr: must not be empty/);
  assert.match(
    msg,
    /frps\.toml: httpPlugins\[0\]\.ops\[1\]: expected one of "Login", "NewProxy", "CloseProxy", "Ping", "NewWorkConn", "NewUserConn", got "Bogus"/,
  );
  assert.match(problems('httpPlugins = 3'), /frps\.toml: httpPlugins: expected an array of tables/);
});
