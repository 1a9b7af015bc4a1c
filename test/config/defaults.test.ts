// Defaults: an empty frps.toml / frpc.toml gives frp 0.70's Complete() values, including the tcpMux-dependent ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultProxyConfig,
  defaultClientConfig,
  defaultServerConfig,
  parseClientConfig,
  parseServerConfig,
  type ClientConfig,
  type ProxyType,
  type ServerConfig,
} from '../../src/config/index.js';

const FRP_SERVER_DEFAULTS: ServerConfig = {
  bindAddr: '0.0.0.0',
  bindPort: 7000,
  proxyBindAddr: '0.0.0.0',
  vhostHTTPPort: 0,
  vhostHTTPSPort: 0,
  tcpmuxHTTPConnectPort: 0,
  tcpmuxPassthrough: false,
  vhostHTTPTimeout: 60,
  custom404Page: '',
  subDomainHost: '',
  auth: { method: 'token', token: '', additionalScopes: [], clients: [], loginProof: 'auto' },
  transport: {
    tcpMux: true,
    tcpMuxKeepaliveInterval: 30,
    heartbeatTimeout: -1,
    maxPoolCount: 5,
    tcpKeepalive: 7200,
    connectionRateLimit: 50,
    connectionBurst: 200,
    tls: { force: false, certFile: '', keyFile: '', trustedCaFile: '', trustedCaData: '', crlFile: '', caDir: '' },
  },
  allowPorts: [],
  maxPortsPerClient: 100,
  maxProxiesPerClient: 200,
  userConnTimeout: 10,
  userConnIdleTimeout: 3600,
  detailedErrorsToClient: true,
  udpPacketSize: 1500,
  webServer: {
    addr: '127.0.0.1',
    port: 0,
    user: '',
    password: '',
    tls: { certFile: '', keyFile: '' },
    allowUnauthenticated: false,
  },
  enablePrometheus: false,
  log: { to: 'console', level: 'info', maxDays: 3, format: 'auto' },
  httpPlugins: [],
  stateDir: '',
};

const FRP_CLIENT_DEFAULTS: ClientConfig = {
  serverAddr: '0.0.0.0',
  serverPort: 7000,
  user: '',
  clientID: '',
  loginFailExit: true,
  metadatas: {},
  auth: { method: 'token', token: '', additionalScopes: [] },
  transport: {
    protocol: 'tcp',
    wireProtocol: 'v1',
    poolCount: 1,
    tcpMux: true,
    tcpMuxKeepaliveInterval: 30,
    heartbeatInterval: -1,
    heartbeatTimeout: -1,
    dialServerTimeout: 10,
    dialServerKeepalive: 7200,
    connectServerLocalIP: '',
    proxyURL: '',
    tls: {
      enable: true,
      certFile: '',
      keyFile: '',
      trustedCaFile: '',
      serverName: '',
      disableCustomTLSFirstByte: true,
      trustedCaData: '',
      serverFingerprint: '',
      verify: 'auto',
    },
  },
  udpPacketSize: 1500,
  webServer: {
    addr: '127.0.0.1',
    port: 0,
    user: '',
    password: '',
    tls: { certFile: '', keyFile: '' },
    allowUnauthenticated: false,
  },
  log: { to: 'console', level: 'info', maxDays: 3, format: 'auto' },
  store: { path: '' },
  proxies: [],
  visitors: [],
};

test('defaultServerConfig equals frp Complete() of an empty config', () => {
  assert.deepEqual(defaultServerConfig(), FRP_SERVER_DEFAULTS);
  const loaded = parseServerConfig('', 'frps.toml', { env: {} });
  assert.deepEqual(loaded.config, FRP_SERVER_DEFAULTS);
  assert.deepEqual(loaded.warnings, []);
  assert.equal(loaded.file, 'frps.toml');
});

test('defaultClientConfig equals frp Complete() of an empty config; proxyURL comes from http_proxy', () => {
  assert.deepEqual(defaultClientConfig({}), FRP_CLIENT_DEFAULTS);
  assert.deepEqual(parseClientConfig('', 'frpc.toml', { env: {} }).config, FRP_CLIENT_DEFAULTS);
  const withProxy = parseClientConfig('', 'frpc.toml', { env: { http_proxy: 'http://127.0.0.1:3128' } });
  assert.equal(withProxy.config.transport.proxyURL, 'http://127.0.0.1:3128');
});

test('client heartbeats: -1/-1 with tcpMux, 30/90 without, user values kept', () => {
  const noMux = parseClientConfig('transport.tcpMux = false', 'frpc.toml', { env: {} }).config.transport;
  assert.equal(noMux.heartbeatInterval, 30);
  assert.equal(noMux.heartbeatTimeout, 90);
  const set = parseClientConfig('transport.heartbeatInterval = 10\ntransport.heartbeatTimeout = 40', 'frpc.toml', {
    env: {},
  });
  assert.equal(set.config.transport.heartbeatInterval, 10);
  assert.equal(set.config.transport.heartbeatTimeout, 40);
  const setNoMux = parseClientConfig('transport.tcpMux = false\ntransport.heartbeatInterval = 5', 'frpc.toml', {
    env: {},
  });
  assert.equal(setNoMux.config.transport.heartbeatInterval, 5);
  assert.equal(setNoMux.config.transport.heartbeatTimeout, 90);
});

test('server heartbeatTimeout: -1 with tcpMux, 90 without', () => {
  assert.equal(
    parseServerConfig('transport.tcpMux = false', 'frps.toml', { env: {} }).config.transport.heartbeatTimeout,
    90,
  );
  assert.equal(
    parseServerConfig('transport.heartbeatTimeout = 60', 'frps.toml', { env: {} }).config.transport.heartbeatTimeout,
    60,
  );
});

test('server: tls.force follows trustedCaFile, proxyBindAddr follows bindAddr, allowPorts single is normalised', () => {
  const c = parseServerConfig(
    [
      'bindAddr = "127.0.0.1"',
      'transport.tls.trustedCaFile = "ca.pem"',
      'allowPorts = [{ start = 2000, end = 3000 }, { single = 3001 }]',
    ].join('\n'),
    'frps.toml',
    { env: {} },
  ).config;
  assert.equal(c.transport.tls.force, true);
  assert.equal(c.proxyBindAddr, '127.0.0.1');
  assert.deepEqual(c.allowPorts, [
    { start: 2000, end: 3000 },
    { start: 3001, end: 3001 },
  ]);
  const own = parseServerConfig(
    'bindAddr = "127.0.0.1"\nproxyBindAddr = "0.0.0.0"\nstateDir = "/var/lib/burrow"',
    'frps.toml',
    { env: {} },
  );
  assert.equal(own.config.proxyBindAddr, '0.0.0.0');
  assert.equal(own.config.stateDir, '/var/lib/burrow');
  assert.deepEqual(own.warnings, []);
});

test('proxy and visitor defaults: localIP and visitor bindAddr 127.0.0.1, bandwidthLimitMode client', () => {
  const c = parseClientConfig(
    [
      '[[proxies]]',
      'name = "ssh"',
      'type = "tcp"',
      'localPort = 22',
      '[[visitors]]',
      'name = "v"',
      'type = "stcp"',
      'serverName = "secret"',
      'bindPort = 6000',
    ].join('\n'),
    'frpc.toml',
    { env: {} },
  ).config;
  assert.deepEqual(c.proxies, [
    {
      name: 'ssh',
      type: 'tcp',
      localIP: '127.0.0.1',
      localPort: 22,
      remotePort: 0,
      customDomains: [],
      subdomain: '',
      locations: [],
      hostHeaderRewrite: '',
      httpUser: '',
      httpPassword: '',
      requestHeaders: { set: {} },
      responseHeaders: { set: {} },
      routeByHTTPUser: '',
      multiplexer: '',
      secretKey: '',
      allowUsers: [],
      transport: {
        useEncryption: false,
        useCompression: false,
        bandwidthLimit: '',
        bandwidthLimitMode: 'client',
        proxyProtocolVersion: '',
      },
      loadBalancer: { group: '', groupKey: '' },
      healthCheck: { type: '', timeoutSeconds: 3, maxFailed: 1, intervalSeconds: 10, path: '', httpHeaders: [] },
      metadatas: {},
      annotations: {},
    },
  ]);
  assert.deepEqual(c.visitors, [
    {
      name: 'v',
      type: 'stcp',
      serverName: 'secret',
      serverUser: '',
      secretKey: '',
      bindAddr: '127.0.0.1',
      bindPort: 6000,
      transport: { useEncryption: false, useCompression: false },
    },
  ]);
});

test('frp start list and enabled = false leave proxies out', () => {
  const text = [
    'start = ["a", "b"]',
    '[[proxies]]',
    'name = "a"',
    'type = "tcp"',
    'localPort = 1',
    '[[proxies]]',
    'name = "b"',
    'type = "tcp"',
    'localPort = 2',
    'enabled = false',
    '[[proxies]]',
    'name = "c"',
    'type = "tcp"',
    'localPort = 3',
  ].join('\n');
  const loaded = parseClientConfig(text, 'frpc.toml', { env: {} });
  assert.deepEqual(
    loaded.config.proxies.map((p) => p.name),
    ['a'],
  );
  assert.deepEqual(loaded.warnings, []);
});

test('defaultProxyConfig: fresh defaults each call, name and type as given (the loader validates them)', () => {
  const a = defaultProxyConfig('web', 'http');
  const b = defaultProxyConfig('web', 'http');
  assert.deepEqual(a, b);
  assert.notEqual(a.customDomains, b.customDomains);
  assert.notEqual(a.transport, b.transport);
  assert.equal(a.localIP, '127.0.0.1');
  assert.equal(a.transport.bandwidthLimitMode, 'client');
  assert.equal('enabled' in a, false);
  assert.equal(defaultProxyConfig('x', 'bogus' as ProxyType).type, 'bogus');
});

test('parsed entries hold no input-only keys (enabled, tokenSource, start, includes)', () => {
  const text = [
    'start = ["a", "v"]',
    'includes = []',
    '[auth]',
    'tokenSource = { type = "file", file = { path = "/dev/null" } }',
    '[[proxies]]',
    'name = "a"',
    'type = "tcp"',
    'localPort = 1',
    'enabled = true',
    '[[visitors]]',
    'name = "v"',
    'type = "stcp"',
    'serverName = "a"',
    'bindPort = 9000',
    'enabled = true',
  ].join('\n');
  const { config } = parseClientConfig(text, 'frpc.toml', { env: {} });
  assert.deepEqual(Object.keys(config).sort(), Object.keys(defaultClientConfig({})).sort());
  assert.equal('tokenSource' in config.auth, false);
  assert.equal('enabled' in config.proxies[0]!, false);
  assert.equal('enabled' in config.visitors[0]!, false);
});
