// Keys frp reads and never uses: version is accepted quietly, the TLS names and CA of webServer and the server's transport.tls.serverName with a warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientConfig, parseServerConfig } from '../../src/config/index.js';

const REASON = 'has no effect (frp reads it but does not use it either); ignored';

test('server: version quietly, transport.tls.serverName and webServer.tls.* with one warning each', () => {
  const text = [
    'version = "v1"',
    'transport.tls.serverName = "tunnel.example.com"',
    'webServer.tls.trustedCaFile = "ca.crt"',
    'webServer.tls.serverName = "admin.example.com"',
    'webServer.pprofEnable = true',
    '',
  ].join('\n');
  const loaded = parseServerConfig(text, 'frps.toml');
  assert.deepEqual(loaded.warnings, [
    `frps.toml: transport.tls.serverName: ${REASON}`,
    `frps.toml: webServer.tls.trustedCaFile: ${REASON}`,
    `frps.toml: webServer.tls.serverName: ${REASON}`,
  ]);
  assert.equal(loaded.config.webServer.pprofEnable, true);
  assert.deepEqual(parseServerConfig('version = "v1"\n', 'frps.toml').warnings, []);
});

test('client: version quietly, webServer.tls.* with a warning; its transport.tls.serverName is used, so no warning', () => {
  const text = [
    'version = "v1"',
    'transport.tls.serverName = "tunnel.example.com"',
    'webServer.tls.trustedCaFile = "ca.crt"',
    '',
  ].join('\n');
  const loaded = parseClientConfig(text, 'frpc.toml');
  assert.deepEqual(loaded.warnings, [`frpc.toml: webServer.tls.trustedCaFile: ${REASON}`]);
  assert.equal(loaded.config.transport.tls.serverName, 'tunnel.example.com');
});
