// The client store's parsers and file: frp's definition checks and messages, Go's JSON shape (captured from frpc 0.70), secrets kept on PUT, atomic 0600 writes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { parseDefinition, toDefinition } from '../../src/client/store-definition.js';
import { readStoreFile, writeStoreFile } from '../../src/client/store-file.js';
import { storedProxyConfig, storedVisitorConfig } from '../../src/client/store-configs.js';
import { ClientStore } from '../../src/client/store.js';
import { silentLogger } from '../../src/log.js';
import { clientApiRoutes } from '../../src/admin/client-api.js';
import { matchRoute } from '../../src/admin/router.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-store-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** frp's 400 for `body`, as the message burrow gives. */
function refusal(kind: 'proxy' | 'visitor', body: unknown, pathName?: string): string {
  try {
    parseDefinition(kind, typeof body === 'string' ? body : JSON.stringify(body), pathName);
  } catch (err) {
    assert.ok(isBurrowError(err, ErrorCode.CONFIG), String(err));
    return err.message;
  }
  assert.fail('accepted');
}

describe('store definitions (frp ProxyDefinition / VisitorDefinition)', () => {
  it('writes what frpc 0.70 answers for the same bodies, field for field and in order', () => {
    // Each pair: the body POSTed to frpc, and frpc's answer (captured by hand from frpc 0.70.0).
    const cases: [unknown, string][] = [
      [
        {
          name: 's2',
          type: 'tcp',
          tcp: {
            localPort: 8080,
            bogus: 1,
            localIP: '127.0.0.2',
            transport: { useEncryption: true, bandwidthLimit: '1MB' },
            metadatas: { a: 'b' },
          },
        },
        '{"name":"s2","type":"tcp","tcp":{"name":"s2","type":"tcp","transport":{"useEncryption":true,"bandwidthLimit":"1MB"},"metadatas":{"a":"b"},"loadBalancer":{"group":""},"healthCheck":{"type":"","intervalSeconds":0},"localIP":"127.0.0.2","localPort":8080,"plugin":null}}',
      ],
      [
        { name: 'h1', type: 'http', http: { localPort: 8080, customDomains: ['a.example'], enabled: false } },
        '{"name":"h1","type":"http","http":{"name":"h1","type":"http","enabled":false,"transport":{"bandwidthLimit":""},"loadBalancer":{"group":""},"healthCheck":{"type":"","intervalSeconds":0},"localPort":8080,"plugin":null,"customDomains":["a.example"],"requestHeaders":{},"responseHeaders":{}}}',
      ],
      [
        {
          name: 'h5',
          type: 'http',
          http: {
            localPort: 53,
            customDomains: ['a.b'],
            requestHeaders: { set: { x: 'y' } },
            healthCheck: { type: 'http', path: '/', httpHeaders: [{ name: 'a', value: 'b' }] },
            loadBalancer: { group: 'g', groupKey: 'k' },
            annotations: { z: '1' },
          },
        },
        '{"name":"h5","type":"http","http":{"name":"h5","type":"http","annotations":{"z":"1"},"transport":{"bandwidthLimit":""},"loadBalancer":{"group":"g","groupKey":"k"},"healthCheck":{"type":"http","intervalSeconds":0,"path":"/","httpHeaders":[{"name":"a","value":"b"}]},"localPort":53,"plugin":null,"customDomains":["a.b"],"requestHeaders":{"set":{"x":"y"}},"responseHeaders":{}}}',
      ],
      [
        { name: 'm1', type: 'tcpmux', tcpmux: { localPort: 53, multiplexer: 'httpconnect', customDomains: ['m.ex'] } },
        '{"name":"m1","type":"tcpmux","tcpmux":{"name":"m1","type":"tcpmux","transport":{"bandwidthLimit":""},"loadBalancer":{"group":""},"healthCheck":{"type":"","intervalSeconds":0},"localPort":53,"plugin":null,"customDomains":["m.ex"],"multiplexer":"httpconnect"}}',
      ],
      [
        { name: 's9', type: 'stcp', stcp: { secretKey: 'k', localPort: 9002, allowUsers: ['*'] } },
        '{"name":"s9","type":"stcp","stcp":{"name":"s9","type":"stcp","transport":{"bandwidthLimit":""},"loadBalancer":{"group":""},"healthCheck":{"type":"","intervalSeconds":0},"localPort":9002,"plugin":null,"secretKey":"k","allowUsers":["*"]}}',
      ],
      [
        { name: 'u1', type: 'udp', udp: { localPort: 53, remotePort: 16053 } },
        '{"name":"u1","type":"udp","udp":{"name":"u1","type":"udp","transport":{"bandwidthLimit":""},"loadBalancer":{"group":""},"healthCheck":{"type":"","intervalSeconds":0},"localPort":53,"plugin":null,"remotePort":16053}}',
      ],
    ];
    for (const [body, frpc] of cases) {
      assert.equal(JSON.stringify(toDefinition(parseDefinition('proxy', JSON.stringify(body)))), frpc);
    }
    const visitor = parseDefinition(
      'visitor',
      JSON.stringify({ name: 'v1', type: 'stcp', stcp: { serverName: 's', secretKey: 'k', bindPort: 9000 } }),
    );
    assert.equal(
      JSON.stringify(toDefinition(visitor)),
      '{"name":"v1","type":"stcp","stcp":{"name":"v1","type":"stcp","transport":{},"secretKey":"k","serverName":"s","bindPort":9000,"plugin":null}}',
    );
  });

  it('refuses bodies with frp’s messages, in frp’s order', () => {
    assert.match(refusal('proxy', 'nojson'), /^parse JSON error: /);
    assert.match(
      refusal('proxy', { name: 'x', type: 'tcp', tcp: { localPort: 'abc' } }),
      /^parse JSON error: cannot unmarshal string into field tcp\.localPort of type int$/,
    );
    assert.equal(refusal('proxy', { name: 'x', type: 'tcp' }), 'exactly one proxy type block is required');
    assert.equal(
      refusal('proxy', { name: 'x', type: 'tcp', tcp: {}, udp: {} }),
      'exactly one proxy type block is required',
    );
    assert.equal(
      refusal('proxy', { name: 'x', type: 'udp', tcp: { localPort: 1 } }),
      'proxy type block "tcp" does not match type "udp"',
    );
    assert.equal(refusal('proxy', { name: ' ', type: 'tcp', tcp: {} }), 'proxy name is required');
    assert.equal(refusal('proxy', { name: 'x', type: 'ftp', tcp: {} }), 'invalid proxy type: ftp');
    assert.equal(refusal('visitor', { name: 'x', type: 'tcp', tcp: {} }), 'invalid visitor type: tcp');
    assert.equal(
      refusal('proxy', { name: 'x', type: 'tcp', tcp: {} }, 'y'),
      'proxy name in URL must match name in body',
    );
  });

  it('the block’s own name and type give way to the definition’s; unknown keys are dropped as Go drops them', () => {
    const e = parseDefinition(
      'proxy',
      JSON.stringify({ name: 'a', type: 'tcp', tcp: { name: 'b', type: 'udp', x: 1 } }),
    );
    assert.equal(e.entry.name, 'a');
    assert.equal(e.entry.type, 'tcp');
    assert.equal('x' in e.entry, false);
  });

  it('a PUT that leaves out a secret (as GET shows it) or sends a masked value keeps the stored one', () => {
    const stored = parseDefinition(
      'proxy',
      JSON.stringify({ name: 's', type: 'stcp', stcp: { localPort: 1, secretKey: 'k1', metadatas: { m: 'v' } } }),
    );
    const put = parseDefinition(
      'proxy',
      JSON.stringify({ name: 's', type: 'stcp', stcp: { localPort: 2, metadatas: { m: '<redacted>' } } }),
      's',
      stored.entry,
    );
    assert.equal(put.entry.secretKey, 'k1');
    assert.deepEqual(put.entry.metadatas, { m: 'v' });
    assert.equal(put.entry.localPort, 2);
    const cleared = parseDefinition(
      'proxy',
      JSON.stringify({ name: 's', type: 'stcp', stcp: { localPort: 2, secretKey: '' } }),
      's',
      stored.entry,
    );
    assert.equal('secretKey' in cleared.entry, false);
  });

  it('reads as burrow’s proxy and visitor configs, frp’s zero values not read as keys; enabled = false runs nothing', () => {
    const tcp = storedProxyConfig(
      parseDefinition('proxy', JSON.stringify({ name: 't', type: 'tcp', tcp: { localPort: 80, remotePort: 6000 } })),
    );
    assert.deepEqual(tcp.warnings, []);
    assert.equal(tcp.config?.localIP, '127.0.0.1');
    assert.equal(tcp.config?.remotePort, 6000);
    const off = storedProxyConfig(
      parseDefinition('proxy', JSON.stringify({ name: 't', type: 'tcp', tcp: { localPort: 80, enabled: false } })),
    );
    assert.equal(off.config, undefined);
    const v = storedVisitorConfig(
      parseDefinition('visitor', JSON.stringify({ name: 'v', type: 'stcp', stcp: { serverName: 's', bindPort: 9 } })),
    );
    assert.equal(v.config?.serverName, 's');
    // frp does not template its store: "{{ … }}" in a value is kept as written.
    const braces = storedProxyConfig(
      parseDefinition(
        'proxy',
        JSON.stringify({ name: 'b', type: 'tcp', tcp: { localPort: 80, metadatas: { m: '{{ .Envs.HOME }}' } } }),
      ),
    );
    assert.deepEqual(braces.config?.metadatas, { m: '{{ .Envs.HOME }}' });
    assert.throws(
      () =>
        storedVisitorConfig(
          parseDefinition('visitor', JSON.stringify({ name: 'v', type: 'stcp', stcp: { bindPort: 9 } })),
        ),
      /serverName/,
    );
  });
});

describe('store file', () => {
  it('a missing file is an empty store; writes are 0600, atomic (no temp file left) and in frp’s layout', async () => {
    const file = join(tempDir(), 'sub', 'store.json');
    assert.deepEqual(await readStoreFile(file), { proxies: [], visitors: [] });
    const entry = parseDefinition('proxy', JSON.stringify({ name: 'p', type: 'tcp', tcp: { localPort: 1 } }));
    await writeStoreFile(file, { proxies: [entry], visitors: [] });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(file, '..')), ['store.json']);
    const back = await readStoreFile(file);
    assert.deepEqual(back.proxies, [entry]);
    await writeStoreFile(file, { proxies: [], visitors: [] });
    assert.deepEqual(await readStoreFile(file), { proxies: [], visitors: [] });
  });

  it('refuses a broken file, naming it', async () => {
    const dir = tempDir();
    const file = join(dir, 'store.json');
    writeFileSync(file, '{"proxies": [{"name": "", "type": "tcp"}]}');
    await assert.rejects(readStoreFile(file), /store .*store\.json: proxies\[0\]: proxy name cannot be empty/);
    writeFileSync(file, '{not json');
    await assert.rejects(readStoreFile(file), /failed to parse JSON/);
  });

  it('a failed write changes nothing: the entry is not kept and the error says why', async () => {
    const dir = tempDir();
    let applied = 0;
    const good = join(dir, 'store.json');
    const s = await ClientStore.open(good, {
      configNames: () => new Set(['cfg']),
      apply: async () => {
        applied += 1;
      },
      logger: silentLogger(),
    });
    await assert.rejects(
      s.create('proxy', JSON.stringify({ name: 'cfg', type: 'tcp', tcp: { localPort: 1 } })),
      (err: unknown) => isBurrowError(err, ErrorCode.CONFLICT),
    );
    // The store's path is taken by a directory now: the rename over it fails.
    mkdirSync(good);
    await assert.rejects(
      s.create('proxy', JSON.stringify({ name: 'p', type: 'tcp', tcp: { localPort: 1 } })),
      /failed to persist/,
    );
    assert.deepEqual(s.list('proxy'), []);
    assert.equal(applied, 0);
  });
});

describe('store routes', () => {
  const view = {
    status: () => [],
    configText: () => Promise.resolve(''),
    putConfigText: () => Promise.resolve(),
    reload: () => Promise.resolve({ added: [], removed: [], changed: [] }),
  };

  it('are served only with a store, as frpc registers them only with [store] path', async () => {
    assert.equal(matchRoute(clientApiRoutes(view), 'GET', '/api/store/proxies').kind, 'none');
    const store = await ClientStore.open(join(tempDir(), 'store.json'), {
      configNames: () => new Set(),
      apply: () => Promise.resolve(),
      logger: silentLogger(),
    });
    const routes = clientApiRoutes({ ...view, store });
    for (const [method, path] of [
      ['GET', '/api/store/proxies'],
      ['POST', '/api/store/proxies'],
      ['GET', '/api/store/proxies/web'],
      ['PUT', '/api/store/proxies/web'],
      ['DELETE', '/api/store/proxies/web'],
      ['GET', '/api/store/visitors'],
      ['POST', '/api/store/visitors'],
      ['DELETE', '/api/store/visitors/v'],
    ] as const) {
      assert.equal(matchRoute(routes, method, path).kind, 'found', `${method} ${path}`);
    }
  });
});
