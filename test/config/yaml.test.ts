// Unit tests of YAML configs: frp's k8s-yaml reading (YAML 1.1, merge keys, "."-keys dropped), errors with line/column.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientConfig, parseServerConfig } from '../../src/config/index.js';
import { MAX_YAML_ALIASES, parseYamlConfig } from '../../src/config/yaml.js';

const env = { TOKEN: 'from-env' };

test('a YAML client config loads with the same keys as TOML, templating first', () => {
  const text = [
    'serverAddr: 127.0.0.1',
    'serverPort: 7200',
    'auth:',
    '  token: "{{ .Envs.TOKEN }}"',
    'proxies:',
    '  - name: ssh',
    '    type: tcp',
    '    localPort: 22',
    '    remotePort: 6022',
    '    transport: { useEncryption: true }',
    '',
  ].join('\n');
  const { config, warnings } = parseClientConfig(text, 'frpc.yaml', { env });
  assert.deepEqual(warnings, []);
  assert.equal(config.serverPort, 7200);
  assert.equal(config.auth.token, 'from-env');
  assert.equal(config.proxies[0]?.remotePort, 6022);
  assert.equal(config.proxies[0]?.transport.useEncryption, true);
});

test('top-level keys starting with "." hold anchors and are dropped; << merges, as in frp', () => {
  const text = [
    '.base: &base',
    '  type: tcp',
    '  localIP: 127.0.0.1',
    'proxies:',
    '  - <<: *base',
    '    name: a',
    '    localPort: 1000',
    '  - <<: *base',
    '    name: b',
    '    localPort: 1001',
    '',
  ].join('\n');
  const { config, warnings } = parseClientConfig(text, 'frpc.yml', { env });
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    config.proxies.map((p) => [p.name, p.type, p.localPort]),
    [
      ['a', 'tcp', 1000],
      ['b', 'tcp', 1001],
    ],
  );
});

test('a key with no value is left at its default (null is absent, as Go decodes it)', () => {
  const { config } = parseServerConfig('bindPort: 7300\nsubDomainHost:\n', 'frps.yaml', { env });
  assert.equal(config.bindPort, 7300);
  assert.equal(config.subDomainHost, '');
});

test('YAML errors name the file, line and column; schema errors name the key', () => {
  assert.throws(() => parseServerConfig('bindPort: 7000\nauth: [1\nlog: 2\n', 'frps.yaml', { env }), {
    message:
      /^frps\.yaml: line 3, column 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
  });
  assert.throws(() => parseServerConfig('bindPort: seven\n', 'frps.yaml', { env }), {
    message: 'frps.yaml: bindPort: expected integer, got "seven"',
  });
  assert.throws(() => parseServerConfig('bindPrt: 7000\n', 'frps.yaml', { env }), {
    message: 'frps.yaml: bindPrt: unknown key (did you mean "bindPort"?)',
  });
  assert.throws(() => parseServerConfig('- 1\n- 2\n', 'frps.yaml', { env }), {
    message: 'frps.yaml: invalid YAML: expected a mapping at the top level',
  });
});

test('alias expansion is bounded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 6; i++)
    lines.push(
      `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
        .fill(i === 0 ? '*a' : `*${'b'.repeat(i)}`)
        .join(', ')}]`,
    );
  assert.ok(MAX_YAML_ALIASES < 10 ** 6);
  assert.throws(() => parseYamlConfig(lines.join('\n'), 'bomb.yaml'), { message: /^bomb\.yaml: invalid YAML: / });
});

test('a file with no known extension that is not TOML is read as YAML, as frp falls back', () => {
  assert.equal(parseServerConfig('bindPort: 7400\n', 'frps.conf', { env }).config.bindPort, 7400);
  assert.throws(() => parseServerConfig('bindPort = [\n', 'frps.conf', { env }), {
    message: /^frps\.conf: line \d+, column \d+: invalid TOML: .* \(and as YAML: .*\)$/,
  });
});
