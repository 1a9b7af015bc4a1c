// requestHeaders.set, responseHeaders.set and routeByHTTPUser load for http proxies and reach NewProxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyWorker } from '../../src/client/proxy-worker.js';
import { parseClientConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';

const TEXT = `
[[proxies]]
name = "web"
type = "http"
localPort = 8080
customDomains = ["a.example"]
requestHeaders.set.x-from-burrow = "yes"
responseHeaders.set.x-served-by = "burrow"
routeByHTTPUser = "alice"
`;

test('http header operations load and are sent in NewProxy as frp names them', () => {
  const { config, warnings } = parseClientConfig(TEXT, 'frpc.toml', { env: {} });
  assert.deepEqual(warnings, []);
  const proxy = config.proxies[0]!;
  assert.deepEqual(proxy.requestHeaders.set, { 'x-from-burrow': 'yes' });
  assert.deepEqual(proxy.responseHeaders.set, { 'x-served-by': 'burrow' });
  assert.equal(proxy.routeByHTTPUser, 'alice');
  const message = new ProxyWorker(proxy, 'web', Buffer.alloc(16), silentLogger()).newProxyMessage();
  assert.deepEqual(message.headers, { 'x-from-burrow': 'yes' });
  assert.deepEqual(message.response_headers, { 'x-served-by': 'burrow' });
  assert.equal(message.route_by_http_user, 'alice');
});

test('header operations are refused on a tcp proxy (they are http keys)', () => {
  assert.throws(
    () =>
      parseClientConfig(
        '[[proxies]]\nname = "t"\ntype = "tcp"\nlocalPort = 1\nrequestHeaders.set.a = "b"\n',
        'frpc.toml',
        { env: {} },
      ),
    /frpc\.toml: proxies\[0\]\.requestHeaders: not a key of "tcp" proxies/,
  );
});
