// The frp 0.70.0 capture configs load as they are, without a single warning.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadClientConfig, loadServerConfig } from '../../src/config/index.js';
import { FRP_FIXTURES } from '../fixtures.js';

const FIXTURES = FRP_FIXTURES;
const scenarios = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

test('there are fixture scenarios to load', () => {
  assert.ok(scenarios.length >= 5, `found ${scenarios.join(', ')}`);
});

for (const name of scenarios) {
  test(`fixture ${name}: frps.toml and frpc.toml load with no warning`, async () => {
    const s = await loadServerConfig(path.join(FIXTURES, name, 'frps.toml'), { env: {} });
    assert.deepEqual(s.warnings, []);
    assert.equal(s.config.bindAddr, '127.0.0.1');
    assert.equal(s.config.auth.token, 'fixture-token');
    const c = await loadClientConfig(path.join(FIXTURES, name, 'frpc.toml'), { env: {} });
    assert.deepEqual(c.warnings, []);
    assert.equal(c.config.auth.token, 'fixture-token');
    assert.deepEqual(
      c.config.proxies.map((p) => p.name),
      ['echo', 'echo-ez'],
    );
    const ez = c.config.proxies[1]!;
    assert.equal(ez.transport.useEncryption, true);
    assert.equal(ez.transport.useCompression, true);
    assert.equal(c.config.transport.wireProtocol, name.startsWith('v2') ? 'v2' : 'v1');
    const mux = !name.endsWith('nomux');
    assert.equal(c.config.transport.tcpMux, mux);
    assert.equal(s.config.transport.tcpMux, mux);
    assert.equal(c.config.transport.heartbeatInterval, mux ? -1 : 30);
    assert.equal(c.config.transport.tls.enable, name === 'tls-firstbyte');
    assert.equal(c.config.transport.tls.disableCustomTLSFirstByte, name !== 'tls-firstbyte');
  });
}
