// connect() options: camelCase TOML keys completed with frp's defaults, checked by the config loader, and written back as minimal TOML.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configToToml, resolveConnectOptions } from '../../src/client/options.js';
import { forwardProxyConfig, forwardUrl } from '../../src/client/forward.js';
import { defaultClientConfig, defaultProxyConfig, parseClientConfig } from '../../src/config/index.js';
import { isBurrowError, ErrorCode } from '../../src/errors.js';

describe('resolveConnectOptions', () => {
  it('fills frp defaults around the keys given, nested ones included', () => {
    const { config } = resolveConnectOptions(
      {
        serverAddr: '127.0.0.1',
        serverPort: 7100,
        auth: { token: 't' },
        transport: { tls: { serverFingerprint: 'sha256:' + 'ab'.repeat(32) } },
        proxies: [{ name: 'web', localPort: 8080, remotePort: 6000 }],
      },
      {},
    );
    const expected = defaultClientConfig({});
    expected.serverAddr = '127.0.0.1';
    expected.serverPort = 7100;
    expected.auth.token = 't';
    expected.transport.tls.serverFingerprint = 'sha256:' + 'ab'.repeat(32);
    expected.proxies.push({ ...defaultProxyConfig('web', 'tcp'), localPort: 8080, remotePort: 6000 });
    assert.deepEqual(config, expected);
  });

  it('a full ClientConfig passes through unchanged', () => {
    const full = defaultClientConfig({});
    full.serverAddr = '10.0.0.1';
    full.user = 'alice';
    full.metadatas = { team: 'ops' };
    full.proxies.push({
      ...defaultProxyConfig('web', 'http'),
      localPort: 8080,
      customDomains: ['a.example.com'],
      requestHeaders: { set: { 'x-from': 'burrow' } },
    });
    full.visitors.push({
      name: 'v',
      type: 'stcp',
      serverName: 'db',
      serverUser: '',
      secretKey: 'k',
      bindAddr: '127.0.0.1',
      bindPort: 9000,
      transport: { useEncryption: true, useCompression: false },
    });
    assert.deepEqual(resolveConnectOptions(full, {}).config, full);
  });

  it('refuses bad values with the key named, as for frpc.toml', () => {
    assert.throws(
      () => resolveConnectOptions({ proxies: [{ name: 'web', type: 'tcp', localPort: 70_000 }] }, {}),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.CONFIG) && /connect options: proxies\[0\]\.localPort/.test(err.message),
    );
    assert.throws(
      () =>
        resolveConnectOptions(
          {
            proxies: [
              { name: 'a', localPort: 1 },
              { name: 'a', localPort: 2 },
            ],
          },
          {},
        ),
      /a/,
    );
  });
});

describe('configToToml', () => {
  it('writes only the keys that differ from the defaults, and reads back to the same config', () => {
    const config = defaultClientConfig({});
    config.serverAddr = '127.0.0.1';
    config.auth.token = 'tok';
    config.proxies.push({ ...defaultProxyConfig('web', 'tcp'), localPort: 8080, remotePort: 6000 });
    const text = configToToml(config, {});
    assert.doesNotMatch(text, /customDomains|heartbeatInterval|webServer/);
    assert.match(text, /localPort = 8080/);
    assert.deepEqual(parseClientConfig(text, 'x.toml', { env: {} }).config, config);
  });

  it('values holding "{{" survive the loader\'s template step', () => {
    const config = defaultClientConfig({});
    config.auth.token = 'a{{b}}c{{{ .Envs.HOME }}';
    config.metadatas = { '{{k}}': '{{v' };
    const text = configToToml(config, {});
    assert.deepEqual(parseClientConfig(text, 'x.toml', { env: { HOME: '/root' } }).config, config);
    assert.equal(resolveConnectOptions({ auth: { token: '{{ nope }}' } }, {}).config.auth.token, '{{ nope }}');
  });
});

describe('forward options', () => {
  it('complete a proxy, generate a unique name when none is given, and refuse bad keys', () => {
    const a = forwardProxyConfig({ type: 'tcp', localPort: 8080, remotePort: 6000 });
    const b = forwardProxyConfig({ type: 'tcp', localPort: 8080, remotePort: 6000 });
    assert.match(a.name, /^tcp-8080-[0-9a-f]{6}$/);
    assert.notEqual(a.name, b.name);
    assert.equal(a.localIP, '127.0.0.1');
    assert.equal(
      forwardProxyConfig({ type: 'http', localPort: 80, customDomains: ['x.example.com'], name: 'site' }).name,
      'site',
    );
    assert.throws(
      () => forwardProxyConfig({ type: 'tcp', localPort: 0 }),
      (err: unknown) => isBurrowError(err, ErrorCode.CONFIG) && /forward options/.test(err.message),
    );
  });

  it('url: the server host and port for tcp/udp, the first domain for http/https, none for stcp', () => {
    assert.equal(forwardUrl('tcp', 'tunnel.example.com', ':6000'), 'tcp://tunnel.example.com:6000');
    assert.equal(forwardUrl('udp', '0.0.0.0', ':5353'), 'udp://127.0.0.1:5353');
    assert.equal(forwardUrl('tcp', '::1', ':6000'), 'tcp://[::1]:6000');
    assert.equal(forwardUrl('http', '127.0.0.1', 'a.example.com:8080,b.example.com:8080'), 'http://a.example.com:8080');
    assert.equal(forwardUrl('https', '127.0.0.1', 'a.example.com'), 'https://a.example.com');
    assert.equal(forwardUrl('stcp', '127.0.0.1', ''), '');
  });
});
