// Unit tests of the legacy INI conversion: the fixtures covering frp's full legacy examples load with only the
// warnings of features burrow lacks, keys map as frp's conversion.go maps them, and errors name section and key.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { convertConfigText } from '../../../src/config/convert.js';
import { parseClientConfig, parseServerConfig } from '../../../src/config/index.js';
import { CLIENT_COMMON_KEYS, SERVER_COMMON_KEYS, SERVER_PLUGIN_KEYS } from '../../../src/config/legacy/common-keys.js';
import { parseIni } from '../../../src/config/legacy/ini.js';
import { PLUGIN_PARAMS, PROXY_TYPE_KEYS, VISITOR_TYPE_KEYS, proxyKeys } from '../../../src/config/legacy/proxy-keys.js';

const FIXTURES = new URL('../../fixtures/legacy/', import.meta.url);
const FRPC = path.join(FIXTURES.pathname, 'frpc-full.ini');
const FRPS = path.join(FIXTURES.pathname, 'frps-full.ini');
const env = {};
const dir = mkdtempSync(path.join(tmpdir(), 'burrow-legacy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The INI keys of frpc-full.ini whose v1 keys are frp features burrow lacks (each warned once). */
const CLIENT_UNSUPPORTED = [
  '[common] nat_hole_stun_server',
  '[common] quic_keepalive_period',
  '[common] quic_max_idle_timeout',
  '[common] quic_max_incoming_streams',
  '[common] disable_log_color',
  '[common] oidc_client_id',
  '[common] oidc_client_secret',
  '[common] oidc_audience',
  '[common] oidc_scope',
  '[common] oidc_token_endpoint_url',
  '[common] oidc_additional_audience',
  '[common] assets_dir',
  '[common] pprof_enable',
  '[common] dns_server',
  '[ssh] health_check_type',
  '[ssh] health_check_timeout_s',
  '[ssh] health_check_max_failed',
  '[ssh] health_check_interval_s',
  '[web01] health_check_type',
  '[web01] health_check_url',
  '[web01] health_check_interval_s',
  '[web01] health_check_max_failed',
  '[web01] health_check_timeout_s',
  '[plugin_unix_domain_socket] plugin',
  '[plugin_http_proxy] plugin',
  '[plugin_socks5] plugin',
  '[plugin_static_file] plugin',
  '[plugin_https2http] plugin',
  '[plugin_https2https] plugin',
  '[plugin_http2https] plugin',
  '[tcpmuxhttpconnect] multiplexer',
  '[p2p_tcp_visitor] protocol',
  '[p2p_tcp_visitor] keep_tunnel_open',
  '[p2p_tcp_visitor] max_retries_an_hour',
  '[p2p_tcp_visitor] min_retry_interval',
  '[p2p_tcp_visitor] fallback_to',
  '[p2p_tcp_visitor] fallback_timeout_ms',
];

/** The same for frps-full.ini. */
const SERVER_UNSUPPORTED = [
  '[common] kcp_bind_port',
  '[common] quic_bind_port',
  '[common] quic_keepalive_period',
  '[common] quic_max_idle_timeout',
  '[common] quic_max_incoming_streams',
  '[common] vhost_http_timeout',
  '[common] tcpmux_httpconnect_port',
  '[common] tcpmux_passthrough',
  '[common] assets_dir',
  '[common] disable_log_color',
  '[common] oidc_issuer',
  '[common] oidc_audience',
  '[common] oidc_skip_expiry_check',
  '[common] oidc_skip_issuer_check',
  '[common] custom_404_page',
  '[common] nat_hole_analysis_data_reserve_hours',
  '[plugin.user-manager]', // httpPlugins as a whole, named by its first section
];

const UNSUPPORTED = / \(v1 [^)]+\): frp feature not supported by burrow yet; ignored$/;

/**
 * Every warning is one of `allowed`, in its order, each once. A feature burrow gains drops its warnings, so
 * the list says what may be warned about, and the test keeps passing as features land.
 */
function assertOnly(got: readonly string[], allowed: readonly string[]): void {
  assert.deepEqual(
    got.filter((w) => !allowed.includes(w)),
    [],
    'warnings other than unsupported frp features',
  );
  assert.deepEqual(
    got,
    allowed.filter((w) => got.includes(w)),
    'each warning once, in file order',
  );
  assert.ok(got.length > 0, 'the fixtures do use features burrow lacks');
}

/** smol-toml's tables have no prototype: compare as plain JSON values. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** The warnings after the deprecation notice, with `file: ` and the unsupported-feature tail cut. */
function labels(file: string, warnings: readonly string[]): string[] {
  assert.equal(warnings[0], `${file}: frp's legacy INI format; \`burrow config convert ${file}\` prints the TOML`);
  return warnings.slice(1).map((w) => w.slice(file.length + 2).replace(UNSUPPORTED, ''));
}

test('frpc-full.ini loads with only the warnings of frp features burrow lacks', () => {
  const loaded = parseClientConfig(readFileSync(FRPC, 'utf8'), FRPC, { env });
  const allowed = [
    ...CLIENT_UNSUPPORTED,
    '[common] http_proxy (v1 transport.proxyURL): dialing the server through a proxy is not supported by burrow yet; connecting directly',
  ];
  assertOnly(labels(FRPC, loaded.warnings), allowed);
});

test('frps-full.ini loads with only the warnings of frp features burrow lacks', () => {
  const loaded = parseServerConfig(readFileSync(FRPS, 'utf8'), FRPS, { env });
  assertOnly(labels(FRPS, loaded.warnings), SERVER_UNSUPPORTED);
});

test('the fixtures write every legacy key burrow maps (so the tests above cover them all)', () => {
  const keysOf = (file: string, pick: (name: string) => boolean): Set<string> =>
    new Set(
      parseIni(readFileSync(file, 'utf8'), { allowBooleanKeys: true })
        .filter((s) => pick(s.name))
        .flatMap((s) => [...s.keys.keys()]),
    );
  const clientCommon = keysOf(FRPC, (n) => n === 'common');
  const sections = keysOf(FRPC, (n) => n !== 'common');
  const serverCommon = keysOf(FRPS, (n) => n === 'common');
  const plugins = keysOf(FRPS, (n) => n.startsWith('plugin.'));
  // includes (tested on its own below), log_way (frp ignores it), name (the section name is the name).
  const notInFixture = new Set(['includes', 'log_way', 'name']);
  const missing = (want: Iterable<string>, have: Set<string>): string[] =>
    [...want].filter((k) => !notInFixture.has(k) && !have.has(k));
  assert.deepEqual(missing(Object.keys(CLIENT_COMMON_KEYS), clientCommon), []);
  assert.deepEqual(missing(Object.keys(SERVER_COMMON_KEYS), serverCommon), []);
  assert.deepEqual(
    missing(Object.keys(SERVER_PLUGIN_KEYS), plugins).filter((k) => k !== 'tlsVerify'),
    [],
  );
  const proxy = Object.keys(PROXY_TYPE_KEYS).flatMap((t) => Object.keys(proxyKeys(t) ?? {}));
  const visitor = Object.values(VISITOR_TYPE_KEYS).flatMap((k) => Object.keys(k));
  const params = Object.values(PLUGIN_PARAMS).flatMap((p) => Object.keys(p));
  assert.deepEqual(missing([...proxy, ...visitor, ...params], sections), []);
});

test('keys map as frp converts them: common, proxies, range proxies, visitors, plugins', () => {
  const { config } = parseClientConfig(readFileSync(FRPC, 'utf8'), FRPC, { env });
  assert.equal(config.serverPort, 7100);
  assert.equal(config.user, 'alice');
  assert.equal(config.loginFailExit, false);
  assert.deepEqual(config.metadatas, { team: 'infra', zone: 'eu' });
  assert.deepEqual(config.auth.additionalScopes, ['HeartBeats']);
  assert.equal(config.transport.poolCount, 3);
  assert.equal(config.transport.tls.serverName, 'tunnel.example.org');
  assert.equal(config.webServer.port, 7450);
  assert.equal(config.webServer.password, 'hunter2-secret');
  // start = ssh,dns,web01: the other sections are read (and checked) but do not run.
  assert.deepEqual(
    config.proxies.map((p) => p.name),
    ['ssh', 'dns', 'web01'],
  );
  const ssh = config.proxies[0]!;
  assert.equal(ssh.remotePort, 6101);
  assert.equal(ssh.transport.bandwidthLimit, '2MB');
  assert.equal(ssh.transport.bandwidthLimitMode, 'server');
  assert.equal(ssh.loadBalancer.groupKey, 'gk1');
  assert.deepEqual(ssh.metadatas, { owner: 'ops' });
  const web = config.proxies[2]!;
  assert.deepEqual(web.customDomains, ['web01.example.org']);
  assert.deepEqual(web.locations, ['/', '/pic']);
  assert.equal(web.httpPassword, 'webpass');
  assert.deepEqual(web.requestHeaders.set, { 'X-From-Where': 'burrow' });
  assert.equal(web.routeByHTTPUser, 'webuser');

  // The whole file without `start`: the range sections expand to NAME_i with paired ports.
  const all = readFileSync(FRPC, 'utf8').replace(/^start = .*$/m, '');
  const every = parseClientConfig(all, FRPC, { env }).config;
  const range = every.proxies.filter((p) => p.name.startsWith('tcp_port_'));
  assert.deepEqual(
    range.map((p) => [p.name, p.localPort, p.remotePort]),
    [
      ['tcp_port_0', 6110, 6210],
      ['tcp_port_1', 6111, 6211],
      ['tcp_port_2', 6112, 6212],
      ['tcp_port_3', 6114, 6214],
    ],
  );
  assert.equal(every.proxies.filter((p) => p.name.startsWith('udp_port_')).length, 2);
  const stcp = every.proxies.find((p) => p.name === 'secret_tcp')!;
  assert.equal(stcp.secretKey, 'stcp-secret');
  assert.deepEqual(stcp.allowUsers, ['*']);
  assert.deepEqual(every.proxies.find((p) => p.name === 'p2p_tcp')!.allowUsers, ['bob', 'carol']);
  const visitor = every.visitors.find((v) => v.name === 'secret_tcp_visitor')!;
  assert.equal(visitor.serverName, 'secret_tcp');
  assert.equal(visitor.bindPort, 9100);
  assert.equal(every.visitors.find((v) => v.name === 'p2p_tcp_visitor')!.serverUser, 'bob');
});

test('the plugin parameters become the plugin table of each plugin type', () => {
  const source = convertConfigText(readFileSync(FRPC, 'utf8'), FRPC, { env }).toml;
  const proxies = (parseToml(source) as { proxies: { name: string; plugin?: unknown }[] }).proxies;
  const plugin = (name: string): unknown => plain(proxies.find((p) => p.name === name)?.plugin);
  assert.deepEqual(plugin('plugin_unix_domain_socket'), { type: 'unix_domain_socket', unixPath: '/run/app.sock' });
  assert.deepEqual(plugin('plugin_socks5'), { type: 'socks5', username: 'su', password: 'sp' });
  assert.deepEqual(plugin('plugin_https2http'), {
    type: 'https2http',
    localAddr: '127.0.0.1:8080',
    crtPath: './h2h.crt',
    keyPath: './h2h.key',
    hostHeaderRewrite: '127.0.0.1',
    requestHeaders: { set: { 'X-From-Where': 'burrow' } },
  });
});

test('server keys: allow_ports ranges, tls_only, scopes, dashboard, [plugin.NAME] sections', () => {
  const { config } = parseServerConfig(readFileSync(FRPS, 'utf8'), FRPS, { env });
  assert.deepEqual(config.allowPorts, [
    { start: 2000, end: 3000 },
    { start: 3001, end: 3001 },
    { start: 3003, end: 3003 },
    { start: 4000, end: 50000 },
  ]);
  assert.equal(config.transport.tls.force, true);
  assert.deepEqual(config.auth.additionalScopes, ['HeartBeats', 'NewWorkConns']);
  assert.equal(config.webServer.port, 7550);
  assert.equal(config.detailedErrorsToClient, false);
  assert.equal(config.maxPortsPerClient, 20);
  const toml = parseToml(convertConfigText(readFileSync(FRPS, 'utf8'), FRPS, { env }).toml) as Record<string, unknown>;
  assert.deepEqual(plain(toml.httpPlugins), [
    { name: 'user-manager', addr: '127.0.0.1:9200', path: '/handler', ops: ['Login'] },
    { name: 'port-manager', addr: '127.0.0.1:9201', path: '/handler', ops: ['NewProxy', 'CloseProxy'] },
  ]);
  // Legacy frps's dashboard listened on 0.0.0.0 when dashboard_addr was left out.
  const bare = parseServerConfig(
    '[common]\ndashboard_port = 7500\ndashboard_user = u\ndashboard_pwd = p\n',
    'frps.ini',
    {
      env,
    },
  );
  assert.equal(bare.config.webServer.addr, '0.0.0.0');
});

test('convert: the TOML loads back with no error to the same config', () => {
  for (const [file, parse] of [
    [FRPC, parseClientConfig],
    [FRPS, parseServerConfig],
  ] as const) {
    const text = readFileSync(file, 'utf8');
    const converted = convertConfigText(text, file, { env });
    const fromIni = (parse as typeof parseClientConfig)(text, file, { env });
    const back = (parse as typeof parseClientConfig)(converted.toml, path.join(dir, 'converted.toml'), { env });
    assert.deepEqual(back.config, fromIni.config);
    assert.equal(back.warnings.length, fromIni.warnings.length - 1, 'the same warnings, less the INI notice');
  }
});

test('templates are rendered before parsing; [common] includes add the proxy sections of other files', () => {
  mkdirSync(path.join(dir, 'conf.d'), { recursive: true });
  writeFileSync(
    path.join(dir, 'conf.d', 'web.ini'),
    '[web]\ntype = tcp\nlocal_port = 8080\nremote_port = {{ .Envs.WEB_PORT }}\n',
  );
  const main = path.join(dir, 'frpc.ini');
  const text = '[common]\nserver_port = {{ .Envs.PORT }}\nincludes = conf.d/*.ini\n[ssh]\nlocal_port = 22\n';
  const { config } = parseClientConfig(text, main, { env: { PORT: '7300', WEB_PORT: '6300' } });
  assert.equal(config.serverPort, 7300);
  assert.deepEqual(
    config.proxies.map((p) => [p.name, p.remotePort]),
    [
      ['ssh', 0],
      ['web', 6300],
    ],
  );
  // A problem in an included file names that file, its section and key.
  writeFileSync(path.join(dir, 'conf.d', 'web.ini'), '[web]\nlocal_port = many\n');
  assert.throws(() => parseClientConfig(text, main, { env: { PORT: '7300' } }), {
    message: `${path.join(dir, 'conf.d', 'web.ini')}: [web] local_port: line 2: expected integer, got "many"`,
  });
});

test('errors name the INI section and key: unknown key with a hint, bad value, bad range, bad type and role', () => {
  const f = 'frpc.ini';
  const cases: [string, string][] = [
    [
      '[common]\nserver_prot = 7000\n',
      'frpc.ini: [common] server_prot: unknown key of frpc [common] (did you mean "server_port"?)',
    ],
    ['[common]\ntcp_mux = maybe\n', 'frpc.ini: [common] tcp_mux: line 2: expected true or false, got "maybe"'],
    [
      '[common]\n[ssh]\nlocal_prt = 22\n',
      'frpc.ini: [ssh] local_prt: unknown key of a proxy (did you mean "local_port"?)',
    ],
    [
      '[common]\n[ssh]\nlocal_port = 70000\n',
      'frpc.ini: [ssh] local_port (v1 proxies[0].localPort): expected integer 1-65535, got 70000',
    ],
    [
      '[common]\n[ssh]\ntype = tcpp\n',
      'frpc.ini: [ssh] type: expected one of "tcp", "udp", "http", "https", "tcpmux", "stcp", "sudp", "xtcp", got "tcpp"',
    ],
    [
      '[common]\n[v]\nrole = visitor\n',
      'frpc.ini: [v] type: expected one of "stcp", "sudp", "xtcp" (required for a visitor)',
    ],
    ['[common]\n[v]\nrole = client\n', 'frpc.ini: [v] role: line 3: expected "server" or "visitor", got "client"'],
    [
      '[common]\n[range:r]\nlocal_port = 1-3\nremote_port = 5-6\n',
      'frpc.ini: [range:r]: local_port has 3 ports and remote_port 2: they must match',
    ],
    [
      '[common]\n[range:r]\nlocal_port = 3-1\nremote_port = 1\n',
      'frpc.ini: [range:r] local_port: line 3: range 3-1 ends before it starts, got "3-1"',
    ],
    ['[ssh]\nlocal_port = 22\n', "frpc.ini: no [common] section (frp's legacy INI format needs one)"],
  ];
  for (const [text, message] of cases) assert.throws(() => parseClientConfig(text, f, { env }), { message }, text);
  assert.throws(() => parseServerConfig('[common]\nallow_ports = 2000-,3000\n', 'frps.ini', { env }), {
    message:
      'frps.ini: [common] allow_ports: line 2: expected ports and ranges such as "2000-3000,3001", got "2000-,3000"',
  });
});

test("keys frp ignores are warned about, not refused: another type's key, DEFAULT keys, log_way, frps proxy sections", () => {
  const c = parseClientConfig(
    'stray = 1\n[common]\nlog_way = file\n[web]\ntype = http\nlocal_port = 80\ncustom_domains = a.example\nremote_port = 80\n',
    'frpc.ini',
    { env },
  );
  assert.deepEqual(c.warnings.slice(1), [
    'frpc.ini: [common] log_way: ignored: frp no longer reads it: log_file alone says where logs go',
    'frpc.ini: stray: written before any section; ignored, as frp does',
    'frpc.ini: [web] remote_port: not a key of "http" proxies (only of "tcp", "udp"); ignored, as frp does',
  ]);
  const s = parseServerConfig('[common]\nbind_port = 7001\n[ssh]\nlocal_port = 22\n', 'frps.ini', { env });
  assert.deepEqual(s.warnings.slice(1), [
    'frps.ini: [ssh]: ignored: frps reads only [common] and [plugin.NAME] sections',
  ]);
});

test('convert keeps {{ .Envs.NAME }} in string values, so secrets from the environment stay out of the TOML', () => {
  const text = '[common]\nserver_port = {{ .Envs.PORT }}\ntoken = {{ .Envs.TOKEN }}\nuser = u-{{ .Envs.WHO }}\n';
  const env = { PORT: '7300', TOKEN: 'env-secret', WHO: 'me' };
  const { toml } = convertConfigText(text, 'frpc.ini', { env });
  assert.ok(!toml.includes('env-secret'), toml);
  assert.match(toml, /^token = "\{\{ \.Envs\.TOKEN \}\}"$/m);
  assert.match(toml, /^user = "u-\{\{ \.Envs\.WHO \}\}"$/m);
  assert.match(toml, /^serverPort = 7300$/m, 'a number cannot hold a template: its value is written');
  const back = parseClientConfig(toml, path.join(dir, 'back.toml'), { env });
  assert.deepEqual(back.config, parseClientConfig(text, 'frpc.ini', { env }).config);
});

test('includes problems name the INI key; a pattern matching nothing is a warning', () => {
  const main = path.join(dir, 'inc', 'frpc.ini');
  mkdirSync(path.dirname(main), { recursive: true });
  assert.throws(() => parseClientConfig('[common]\nincludes = missing/*.ini\n', main, { env }), {
    message: `${main}: [common] includes (v1 includes[0]): directory ${JSON.stringify(path.join(dir, 'inc', 'missing'))} does not exist`,
  });
  const loaded = parseClientConfig('[common]\nincludes = *.conf\n', main, { env });
  assert.deepEqual(loaded.warnings.slice(1), [`${main}: [common] includes (v1 includes[0]): no file matches "*.conf"`]);
});

test('convert guesses frps or frpc from the name, then from the keys; it asks when it cannot tell', () => {
  const server = '[common]\nbind_port = 7001\n';
  assert.equal(convertConfigText(server, 'legacy.ini', { env }).role, 'server');
  assert.equal(convertConfigText('[common]\nserver_port = 7001\n', 'legacy.ini', { env }).role, 'client');
  assert.equal(convertConfigText('[common]\n[ssh]\nlocal_port = 22\n', 'legacy.ini', { env }).role, 'client');
  assert.equal(convertConfigText('bindPort: 7001\n', 'legacy.yaml', { env }).role, 'server');
  assert.equal(convertConfigText('[common]\ntoken = t\n', 'frpc-home.ini', { env }).role, 'client');
  assert.throws(() => convertConfigText('[common]\ntoken = t\n', 'legacy.ini', { env }), {
    message:
      'legacy.ini: cannot tell whether this is a server (frps) or a client (frpc) config; say which with --server or --client',
  });
  assert.match(
    convertConfigText('[common]\ntoken = t\n', 'legacy.ini', { env, role: 'server' }).toml,
    /^\[auth\]\ntoken = "t"$/m,
  );
});

test('a bad dashboard_port is reported once', () => {
  assert.throws(() => parseServerConfig('[common]\ndashboard_port = lots\n', 'frps.ini', { env }), {
    message: 'frps.ini: [common] dashboard_port: line 2: expected integer, got "lots"',
  });
});
