// tcpmux keys: the server's port (its own) and passthrough, the proxy's multiplexer (required, "httpconnect" only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseClientConfig, parseServerConfig } from '../../src/config/index.js';

const env = {};

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

const server = (text: string) => parseServerConfig(text, 'frps.toml', { env });
const client = (text: string) => parseClientConfig(text, 'frpc.toml', { env });
const proxy = (lines: string[]) =>
  [
    '[[proxies]]',
    'name = "m"',
    'type = "tcpmux"',
    'localPort = 22',
    'customDomains = ["m.example.com"]',
    ...lines,
  ].join('\n');

test('tcpmuxHTTPConnectPort and tcpmuxPassthrough are read, without a warning', () => {
  const loaded = server('tcpmuxHTTPConnectPort = 5002\ntcpmuxPassthrough = true');
  assert.equal(loaded.config.tcpmuxHTTPConnectPort, 5002);
  assert.equal(loaded.config.tcpmuxPassthrough, true);
  assert.deepEqual(loaded.warnings, []);
  assert.equal(server('').config.tcpmuxHTTPConnectPort, 0, 'off by default');
});

test('tcpmuxHTTPConnectPort needs a port of its own', () => {
  assert.equal(
    problem(() => server('bindPort = 7000\ntcpmuxHTTPConnectPort = 7000')),
    'frps.toml: tcpmuxHTTPConnectPort: 7000 is bindPort too; the tcpmux multiplexer needs a port of its own',
  );
  assert.equal(
    problem(() => server('vhostHTTPSPort = 8443\ntcpmuxHTTPConnectPort = 8443')),
    'frps.toml: tcpmuxHTTPConnectPort: 8443 is vhostHTTPSPort too; the tcpmux multiplexer needs a port of its own',
  );
  // Another address for the proxies: bindPort's number is free there.
  const apart = server(
    'bindAddr = "127.0.0.1"\nproxyBindAddr = "127.0.0.2"\nbindPort = 7000\ntcpmuxHTTPConnectPort = 7000',
  );
  assert.equal(apart.config.tcpmuxHTTPConnectPort, 7000);
});

test('a tcpmux proxy needs multiplexer = "httpconnect", which other types may not set', () => {
  assert.equal(client(proxy(['multiplexer = "httpconnect"'])).config.proxies[0]?.multiplexer, 'httpconnect');
  assert.equal(
    problem(() => client(proxy([]))),
    'frpc.toml: proxies[0].multiplexer: required for a "tcpmux" proxy (expected "httpconnect")',
  );
  assert.equal(
    problem(() => client(proxy(['multiplexer = "ssh"']))),
    'frpc.toml: proxies[0].multiplexer: got "ssh" for a "tcpmux" proxy (expected "httpconnect")',
  );
  assert.equal(
    problem(() => client('[[proxies]]\nname = "t"\ntype = "tcp"\nlocalPort = 22\nmultiplexer = "httpconnect"')),
    'frpc.toml: proxies[0].multiplexer: not a key of "tcp" proxies (only of "tcpmux")',
  );
});
