// Every problem is one line naming file, key and what is wrong; all problems come together in one ConfigError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseClientConfig, parseServerConfig } from '../../src/config/index.js';

const env = {};

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG');
    return err;
  }
  assert.fail('expected a ConfigError');
}

const server = (text: string, file = 'frps.toml') => configError(() => parseServerConfig(text, file, { env }));
const client = (text: string, file = 'frpc.toml') => configError(() => parseClientConfig(text, file, { env }));

test('type error', () => {
  const err = server('bindPort = "seven"');
  assert.equal(err.message, 'frps.toml: bindPort: expected integer, got "seven"');
  assert.equal(err.key, 'bindPort');
  assert.equal(err.file, 'frps.toml');
  assert.equal(
    server('transport.tcpMux = "yes"').message,
    'frps.toml: transport.tcpMux: expected true or false, got "yes"',
  );
  assert.equal(server('bindAddr = 1').message, 'frps.toml: bindAddr: expected string, got 1');
  assert.equal(server('bindPort = 1.5').message, 'frps.toml: bindPort: expected integer, got 1.5');
  assert.equal(server('transport = 3').message, 'frps.toml: transport: expected a table, got 3');
});

test('range error, with the path as the caller gave it', () => {
  const text =
    '[[proxies]]\nname = "a"\ntype = "tcp"\nlocalPort = 22\n[[proxies]]\nname = "b"\ntype = "tcp"\nlocalPort = 70000\n';
  const err = client(text, 'conf/frpc.toml');
  assert.equal(err.message, 'conf/frpc.toml: proxies[1].localPort: expected integer 1-65535, got 70000');
  assert.equal(err.key, 'proxies[1].localPort');
  assert.equal(server('bindPort = 65536').message, 'frps.toml: bindPort: expected integer 0-65535, got 65536');
  assert.equal(server('webServer.port = -1').message, 'frps.toml: webServer.port: expected integer 0-65535, got -1');
});

test('keys match regardless of case, as frp decodes them (Go encoding/json)', () => {
  const loaded = parseServerConfig(
    'BINDADDR = "127.0.0.2"\nbindport = 7001\n[transport]\ntcpmux = false\n',
    'frps.toml',
    {
      env,
    },
  );
  assert.equal(loaded.config.bindAddr, '127.0.0.2');
  assert.equal(loaded.config.bindPort, 7001);
  assert.equal(loaded.config.transport.tcpMux, false);
  assert.deepEqual(loaded.warnings, []);

  const proxies = parseClientConfig(
    '[[proxies]]\nname = "a"\nTYPE = "http"\nlocalport = 80\ncustomdomains = ["a.example"]\n',
    'frpc.toml',
    { env },
  ).config.proxies;
  assert.equal(proxies[0]?.type, 'http');
  assert.equal(proxies[0]?.localPort, 80);
  assert.deepEqual(proxies[0]?.customDomains, ['a.example']);

  // Both spellings: frp marshals the table with sorted keys, so the one that sorts last wins; burrow says so.
  const twice = parseServerConfig('bindPort = 7001\nbindport = 7002\n', 'frps.toml', { env });
  assert.equal(twice.config.bindPort, 7002);
  assert.deepEqual(twice.warnings, [
    'frps.toml: bindport: the same key as "bindPort" (keys match regardless of case); "bindport" is used, as frp does, "bindPort" ignored',
  ]);
  const reversed = parseServerConfig('bindport = 7002\nbindPort = 7001\n', 'frps.toml', { env });
  assert.equal(reversed.config.bindPort, 7002);
});

test('unknown keys are refused with a did-you-mean hint', () => {
  assert.equal(server('bindPot = 7000').message, 'frps.toml: bindPot: unknown key (did you mean "bindPort"?)');
  assert.equal(server('bind_port = 7000').message, 'frps.toml: bind_port: unknown key (did you mean "bindPort"?)');
  assert.equal(server('BINDADR = "x"').message, 'frps.toml: BINDADR: unknown key (did you mean "bindAddr"?)');
  assert.equal(
    server('transport.tcpmx = true').message,
    'frps.toml: transport.tcpmx: unknown key (did you mean "tcpMux"?)',
  );
  assert.equal(
    server('auth.oidc.isuer = "x"').message,
    'frps.toml: auth.oidc.isuer: unknown key (did you mean "issuer"?)',
  );
  assert.equal(server('zzzzzz = 1').message, 'frps.toml: zzzzzz: unknown key');
  assert.equal(
    client('[[proxies]]\nname = "a"\ntype = "tcp"\nlocalPort = 1\nlocalPrt = 2').message,
    'frpc.toml: proxies[0].localPrt: unknown key (did you mean "localPort"?)',
  );
  // burrow's server-only auth keys are not keys of frpc.toml (they were once silently dropped there).
  assert.match(client('[[auth.clients]]\nid = "alice"').message, /^frpc\.toml: auth\.clients: unknown key/);
  assert.match(client('auth.loginProof = "require"').message, /^frpc\.toml: auth\.loginProof: unknown key/);
});

test('keys of another proxy type are refused', () => {
  const err = client(
    '[[proxies]]\nname = "web"\ntype = "http"\nlocalPort = 80\ncustomDomains = ["a.example"]\nremotePort = 8080',
  );
  assert.equal(err.message, 'frpc.toml: proxies[0].remotePort: not a key of "http" proxies (only of "tcp", "udp")');
});

test('frp keys burrow does not implement: accepted, exactly one warning each', () => {
  const text = [
    'kcpBindPort = 7001',
    'quicBindPort = 7002',
    'natholeAnalysisDataReserveHours = 1',
    'auth.oidc.issuer = "https://issuer.example"',
    'transport.quic.keepalivePeriod = 5',
    'sshTunnelGateway.bindPort = 2200',
    '[[httpPlugins]]',
    'name = "p"',
    'addr = "127.0.0.1:9000"',
    'path = "/h"',
    'ops = ["Login"]',
    '[[httpPlugins]]',
    'name = "q"',
    'addr = "127.0.0.1:9001"',
    'path = "/h"',
    'ops = ["Login"]',
  ].join('\n');
  const loaded = parseServerConfig(text, 'frps.toml', { env });
  const w = (k: string) => `frps.toml: ${k}: frp feature not supported by burrow yet; ignored`;
  assert.deepEqual(loaded.warnings, [
    w('kcpBindPort'),
    w('quicBindPort'),
    w('natholeAnalysisDataReserveHours'),
    w('auth.oidc.issuer'),
    w('transport.quic.keepalivePeriod'),
    w('sshTunnelGateway.bindPort'),
  ]);
  assert.equal(loaded.config.bindPort, 7000);
  // [[httpPlugins]] is implemented now (docs/server-plugins.md): read, not warned about.
  assert.deepEqual(
    loaded.config.httpPlugins.map((p) => p.name),
    ['p', 'q'],
  );

  const c = parseClientConfig(
    [
      'featureGates = { VirtualNet = true }',
      'virtualNet.address = "100.86.1.1/24"',
      '[[proxies]]',
      'name = "p"',
      'type = "tcp"',
      'localPort = 1',
      '[[visitors]]',
      'name = "v"',
      'type = "stcp"',
      'serverName = "s"',
      'bindPort = 9000',
      '[visitors.plugin]',
      'type = "virtual_net"',
    ].join('\n'),
    'frpc.toml',
    { env },
  );
  const cw = (k: string) => `frpc.toml: ${k}: frp feature not supported by burrow yet; ignored`;
  assert.deepEqual(c.warnings, [cw('featureGates'), cw('virtualNet.address'), cw('visitors[0].plugin')]);
  assert.equal(c.config.proxies.length, 1);
  assert.equal(c.config.visitors.length, 1);

  // Keys burrow reads but cannot honour yet say so once, naming the key.
  const dial = parseClientConfig(
    'transport.proxyURL = "socks5://127.0.0.1:1080"\ntransport.protocol = "kcp"',
    'frpc.toml',
    { env },
  );
  assert.deepEqual(dial.warnings, [
    'frpc.toml: transport.protocol: "kcp" is an frp transport burrow does not support yet; connecting over "tcp" instead',
  ]);
  // A proxy URL burrow cannot dial is refused at load, naming the key and never the password.
  const bad = client('transport.proxyURL = "ntlm://user:hunter2@127.0.0.1:3128"');
  assert.match(bad.message, /^frpc\.toml: transport\.proxyURL: proxy URL scheme "ntlm" is not supported/);
  assert.doesNotMatch(bad.message, /hunter2/);
});

test('TOML syntax errors give line and column', () => {
  const err = client('serverAddr = "127.0.0.1"\nserverPort = 7000\nauth.token = \n');
  assert.equal(err.message, 'frpc.toml: line 3, column 14: invalid TOML: invalid value');
  assert.equal(err.key, undefined);
  assert.match(client('a = "x').message, /^frpc\.toml: line 1, column \d+: invalid TOML: unfinished string$/);
});

test('duplicate proxy and visitor names are refused', () => {
  const text = [
    '[[proxies]]',
    'name = "echo"',
    'type = "tcp"',
    'localPort = 1',
    '[[proxies]]',
    'name = "echo"',
    'type = "udp"',
    'localPort = 2',
    '[[visitors]]',
    'name = "v"',
    'type = "stcp"',
    'serverName = "s"',
    'bindPort = 1',
    '[[visitors]]',
    'name = "v"',
    'type = "xtcp"',
    'serverName = "s"',
    'bindPort = 2',
  ].join('\n');
  assert.equal(
    client(text).message,
    'frpc.toml: proxies[1].name: duplicate proxy name "echo" (also proxies[0])\nfrpc.toml: visitors[1].name: duplicate visitor name "v" (also visitors[0])',
  );
});

test('required keys and enums', () => {
  assert.equal(
    client('[[proxies]]\nname = "ssh"\ntype = "tcp"').message,
    'frpc.toml: proxies[0].localPort: required for a "tcp" proxy (expected integer 1-65535)',
  );
  assert.equal(
    client('[[proxies]]\nname = "x"\ntype = "tcpp"\nlocalPort = 1').message,
    'frpc.toml: proxies[0].type: expected one of "tcp", "udp", "http", "https", "tcpmux", "stcp", "sudp", "xtcp", got "tcpp"',
  );
  assert.equal(
    client('[[proxies]]\nlocalPort = 1\ntype = "tcp"').message,
    'frpc.toml: proxies[0].name: required (expected string)',
  );
  assert.equal(
    client('transport.protocol = "udp"').message,
    'frpc.toml: transport.protocol: expected one of "tcp", "kcp", "quic", "websocket", "wss", got "udp"',
  );
  assert.equal(
    client('transport.wireProtocol = "v3"').message,
    'frpc.toml: transport.wireProtocol: expected one of "v1", "v2", got "v3"',
  );
  assert.equal(
    client('auth.additionalScopes = ["Pings"]').message,
    'frpc.toml: auth.additionalScopes[0]: expected one of "HeartBeats", "NewWorkConns", got "Pings"',
  );
  assert.equal(
    client('[[proxies]]\nname = "web"\ntype = "http"\nlocalPort = 80').message,
    'frpc.toml: proxies[0]: customDomains or subdomain required for a "http" proxy',
  );
  assert.equal(
    client('[[visitors]]\nname = "v"\ntype = "stcp"\nserverName = "s"').message,
    'frpc.toml: visitors[0].bindPort: required (expected integer 1-65535, or negative: do not listen)',
  );
});

test('auth.method "oidc" is refused with a reason; other methods as wrong values', () => {
  assert.equal(
    server('auth.method = "oidc"').message,
    'frps.toml: auth.method: "oidc" (OpenID Connect) is an frp feature burrow does not support; use "token"',
  );
  assert.equal(client('auth.method = "password"').message, 'frpc.toml: auth.method: expected "token", got "password"');
});

test('allowPorts entries are {start, end} or {single}', () => {
  assert.equal(
    server('allowPorts = [{ start = 3000, end = 2000 }]').message,
    'frps.toml: allowPorts[0]: start 3000 is greater than end 2000',
  );
  assert.equal(
    server('allowPorts = [{ start = 3000 }]').message,
    'frps.toml: allowPorts[0].end: required with start (expected integer 1-65535)',
  );
  assert.equal(
    server('allowPorts = [{ single = 1, start = 2, end = 3 }]').message,
    'frps.toml: allowPorts[0]: expected {start, end} or {single}, not both',
  );
  assert.equal(
    server('allowPorts = [{ single = 0 }]').message,
    'frps.toml: allowPorts[0].single: expected integer 1-65535, got 0',
  );
  assert.equal(server('allowPorts = [{ single = 0 }]').key, 'allowPorts[0].single');
});

test('several problems are reported together, one per line, key = the first', () => {
  const text = [
    'serverPort = "x"',
    'serverAdr = "127.0.0.1"',
    'kcpBindPort = 1',
    '[[proxies]]',
    'name = "a"',
    'type = "tcp"',
    'localPort = 0',
    '[[proxies]]',
    'name = "a"',
    'type = "tcp"',
    'localPort = 22',
    'transport.useEncryption = "yes"',
  ].join('\n');
  const err = client(text);
  assert.deepEqual(err.message.split('\n'), [
    'frpc.toml: serverAdr: unknown key (did you mean "serverAddr"?)',
    'frpc.toml: kcpBindPort: unknown key',
    'frpc.toml: serverPort: expected integer, got "x"',
    'frpc.toml: proxies[0].localPort: expected integer 1-65535, got 0',
    'frpc.toml: proxies[1].transport.useEncryption: expected true or false, got "yes"',
    'frpc.toml: proxies[1].name: duplicate proxy name "a" (also proxies[0])',
  ]);
  assert.deepEqual(err.problems, err.message.split('\n'));
  assert.equal(err.key, 'serverAdr');
});
