// The reload diff: which proxies and visitors count as added, removed, changed or unchanged, and which server-level keys need a restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffByName, restartRequired } from '../../src/client/reload-diff.js';
import {
  defaultClientConfig,
  defaultProxyConfig,
  parseClientConfig,
  type ProxyConfig,
} from '../../src/config/index.js';

function tcp(name: string, localPort: number, remotePort: number): ProxyConfig {
  return { ...defaultProxyConfig(name, 'tcp'), localPort, remotePort };
}

/** The proxies of a client config text, as the loader completes them. */
function proxiesOf(body: string): ProxyConfig[] {
  return parseClientConfig(`serverAddr = "127.0.0.1"\n${body}`, 'frpc.toml', { env: {} }).config.proxies;
}

describe('diffByName', () => {
  it('identical lists: everything unchanged, even in another order', () => {
    const a = [tcp('a', 80, 6000), tcp('b', 81, 6001)];
    const diff = diffByName(a, [tcp('b', 81, 6001), tcp('a', 80, 6000)]);
    assert.deepEqual(diff, { added: [], removed: [], changed: [], unchanged: ['a', 'b'] });
  });

  it('a new name is added, a missing one removed, the rest unchanged', () => {
    const diff = diffByName([tcp('a', 80, 6000), tcp('b', 81, 6001)], [tcp('a', 80, 6000), tcp('c', 82, 6002)]);
    assert.deepEqual(diff, { added: ['c'], removed: ['b'], changed: [], unchanged: ['a'] });
  });

  it('any differing key makes a proxy changed: top level, nested tables, maps and lists', () => {
    const base = tcp('a', 80, 6000);
    const variants: ProxyConfig[] = [
      { ...base, localPort: 81 },
      { ...base, remotePort: 6001 },
      { ...base, localIP: '127.0.0.2' },
      { ...base, transport: { ...base.transport, useEncryption: true } },
      { ...base, transport: { ...base.transport, bandwidthLimit: '1MB' } },
      { ...base, metadatas: { team: 'ops' } },
      { ...base, loadBalancer: { group: 'g', groupKey: 'k' } },
      { ...base, type: 'udp' },
    ];
    for (const variant of variants) {
      const diff = diffByName([base], [variant]);
      assert.deepEqual(diff.changed, ['a'], JSON.stringify(variant));
      assert.deepEqual(diff.unchanged, []);
    }
  });

  it('the same entry written differently in the file (defaults spelt out, keys reordered) is unchanged', () => {
    const before = proxiesOf('[[proxies]]\nname = "web"\ntype = "tcp"\nlocalPort = 8080\nremotePort = 6000\n');
    const after = proxiesOf(
      '[[proxies]]\nremotePort = 6000\nlocalIP = "127.0.0.1"\nlocalPort = 8080\nname = "web"\ntype = "tcp"\ntransport.useEncryption = false\n',
    );
    assert.deepEqual(diffByName(before, after).unchanged, ['web']);
  });

  it('an entry switched off with enabled = false counts as removed', () => {
    const before = proxiesOf('[[proxies]]\nname = "web"\ntype = "tcp"\nlocalPort = 8080\n');
    const after = proxiesOf('[[proxies]]\nname = "web"\ntype = "tcp"\nlocalPort = 8080\nenabled = false\n');
    assert.deepEqual(diffByName(before, after).removed, ['web']);
  });
});

describe('restartRequired', () => {
  it('lists the changed server-level key paths and ignores proxies and visitors', () => {
    const current = defaultClientConfig({});
    const next = defaultClientConfig({});
    next.serverAddr = 'tunnel.example.com';
    next.auth.token = 'new-secret-token';
    next.transport.tls.enable = false;
    next.transport.poolCount = 5;
    next.proxies.push(tcp('a', 80, 6000));
    assert.deepEqual(restartRequired(current, next), [
      'auth.token',
      'serverAddr',
      'transport.poolCount',
      'transport.tls.enable',
    ]);
  });

  it('names paths only, never values (a changed secret can be logged safely)', () => {
    const current = defaultClientConfig({});
    const next = defaultClientConfig({});
    next.auth.token = 'hunter2-secret';
    next.webServer.password = 'pw-secret';
    const text = JSON.stringify(restartRequired(current, next));
    assert.doesNotMatch(text, /secret/);
    assert.match(text, /webServer\.password/);
  });

  it('is empty when only proxies changed', () => {
    const current = defaultClientConfig({});
    const next = defaultClientConfig({});
    next.proxies.push(tcp('a', 80, 6000));
    assert.deepEqual(restartRequired(current, next), []);
  });
});
