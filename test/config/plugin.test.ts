// [proxies.plugin]: each plugin type's own keys, the keys it requires, typos, virtual_net skipped with a warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseClientConfig } from '../../src/config/index.js';

const env = {};

/** A client config with one tcp proxy and the given plugin lines. */
const withPlugin = (lines: string[]): string =>
  ['[[proxies]]', 'name = "p"', 'type = "tcp"', 'remotePort = 6000', '[proxies.plugin]', ...lines, ''].join('\n');

/** The problem lines of the ConfigError that parsing `text` throws. */
function problems(text: string): string[] {
  try {
    parseClientConfig(text, 'frpc.toml', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message.split('\n');
  }
  return assert.fail('expected a ConfigError');
}

test('a proxy with a plugin needs no localPort, and its options are read with defaults for the rest', () => {
  const { config, warnings } = parseClientConfig(
    withPlugin(['type = "unix_domain_socket"', 'unixPath = "/var/run/docker.sock"']),
    'frpc.toml',
    { env },
  );
  assert.deepEqual(warnings, []);
  const plugin = config.proxies[0]?.plugin;
  assert.equal(plugin?.type, 'unix_domain_socket');
  assert.equal(plugin.unixPath, '/var/run/docker.sock');
  assert.equal(plugin.enableHTTP2, true);
});

test('a key of another plugin type is refused, naming the types that have it', () => {
  assert.deepEqual(problems(withPlugin(['type = "socks5"', 'localPath = "/srv"'])), [
    'frpc.toml: proxies[0].plugin.localPath: not a key of the "socks5" plugin (only of "static_file")',
  ]);
});

test('a required key left out is refused per type, as frp validates', () => {
  assert.deepEqual(problems(withPlugin(['type = "static_file"'])), [
    'frpc.toml: proxies[0].plugin.localPath: required by the "static_file" plugin',
  ]);
  assert.deepEqual(problems(withPlugin(['type = "tls2raw"', 'crtPath = "a.crt"'])), [
    'frpc.toml: proxies[0].plugin.localAddr: required by the "tls2raw" plugin',
  ]);
});

test('a misspelt key gets a did-you-mean hint, an unknown type the list of types', () => {
  assert.deepEqual(problems(withPlugin(['type = "unix_domain_socket"', 'unixPth = "/x"'])), [
    'frpc.toml: proxies[0].plugin.unixPth: unknown key (did you mean "unixPath"?)',
    'frpc.toml: proxies[0].plugin.unixPath: required by the "unix_domain_socket" plugin',
  ]);
  const [line] = problems(withPlugin(['type = "socks6"']));
  assert.match(line ?? '', /^frpc\.toml: proxies\[0\]\.plugin\.type: expected one of "http_proxy", "socks5", /);
});

test('virtual_net (frp VirtualNet feature) is warned about and its proxy skipped, never refused', () => {
  const text = [
    withPlugin(['type = "virtual_net"']),
    '[[proxies]]',
    'name = "q"',
    'type = "tcp"',
    'localPort = 22',
    '',
  ].join('\n');
  const { config, warnings } = parseClientConfig(text, 'frpc.toml', { env });
  assert.deepEqual(
    config.proxies.map((p) => p.name),
    ['q'],
  );
  assert.deepEqual(warnings, [
    'frpc.toml: proxies[0].plugin: "virtual_net" belongs to frp\'s VirtualNet feature, which burrow does not support yet; the proxy is skipped',
  ]);
});
