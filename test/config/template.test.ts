// Templating: {{ .Envs.NAME }} with Go text/template's spacing, trim markers, "<no value>" and refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseClientConfig, renderTemplate } from '../../src/config/index.js';

test('set variables are substituted, whatever the spacing', () => {
  const env = { NAME: 'frp', PORT: '7001' };
  assert.equal(renderTemplate('a={{ .Envs.NAME }}', env), 'a=frp');
  assert.equal(renderTemplate('a={{.Envs.NAME}}', env), 'a=frp');
  assert.equal(renderTemplate('a={{   .Envs.NAME\t}}', env), 'a=frp');
  assert.equal(renderTemplate('{{ .Envs.NAME }}:{{ .Envs.PORT }}', env), 'frp:7001');
  assert.equal(renderTemplate('no actions here', env), 'no actions here');
  assert.equal(renderTemplate('x={{ .Envs.EMPTY }}.', { EMPTY: '' }), 'x=.');
});

test('unset variables become "<no value>"', () => {
  assert.equal(renderTemplate('token = "{{ .Envs.NOPE }}"', {}), 'token = "<no value>"');
});

test('trim markers remove the whitespace on their side, including newlines', () => {
  const env = { A: 'x' };
  assert.equal(renderTemplate('a =  \n {{- .Envs.A }} b', env), 'a =x b');
  assert.equal(renderTemplate('a = {{ .Envs.A -}}  \n  b', env), 'a = xb');
  assert.equal(renderTemplate('[ {{- .Envs.A -}} ]', env), '[x]');
  assert.equal(renderTemplate('a{{/* a comment */}}b', env), 'ab');
});

test('unsupported actions are refused naming the file and line', () => {
  assert.throws(
    () => renderTemplate('a = 1\nb = "{{ .Values.X }}"\n', {}, 'frpc.toml'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'ERR_CONFIG');
      assert.equal(err.file, 'frpc.toml');
      assert.equal(
        err.message,
        'frpc.toml: line 2: unsupported template action "{{ .Values.X }}" (burrow supports only {{ .Envs.NAME }})',
      );
      return true;
    },
  );
  assert.throws(() => renderTemplate('x\ny\nz = "{{ parseNumberRange "1-3" }}"', {}, 'f.toml'), {
    message: /^f\.toml: line 3: unsupported template action "\{\{ parseNumberRange "1-3" \}\}"/,
  });
  assert.throws(() => renderTemplate('a = "{{ .Envs.X"', {}, 'f.toml'), {
    message: 'f.toml: line 1: unclosed template action "{{" (no matching "}}")',
  });
});

test('a config file is rendered before it is parsed', () => {
  const text =
    'serverAddr = "{{ .Envs.FRP_SERVER }}"\nserverPort = {{ .Envs.FRP_PORT }}\nauth.token = "{{ .Envs.FRP_TOKEN }}"';
  const c = parseClientConfig(text, 'frpc.toml', { env: { FRP_SERVER: '127.0.0.1', FRP_PORT: '7100' } }).config;
  assert.equal(c.serverAddr, '127.0.0.1');
  assert.equal(c.serverPort, 7100);
  assert.equal(c.auth.token, '<no value>');
});
