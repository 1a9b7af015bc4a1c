// GET /api/config masking for frp's legacy INI and for YAML configs, and the PUT that sends the masks back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactConfigText, restoreConfigText } from '../../src/admin/redact-config.js';

const INI = [
  '[common]',
  'server_addr = 127.0.0.1',
  'token = ini-secret-token',
  'admin_pwd = ini-admin-pwd',
  'meta_id = ini-meta',
  '# token = commented',
  '[web]',
  'type = http',
  'http_pwd = ini-http-pwd',
  'header_Authorization = Bearer ini-header',
  '[v]',
  'role = visitor',
  'sk = ini-sk',
  '',
].join('\n');

const YAML = [
  '# frpc.yaml',
  'serverAddr: 127.0.0.1',
  'auth:',
  '  token: yaml-secret-token # kept comment',
  'webServer: { port: 7400, password: yaml-admin-pwd }',
  'proxies:',
  '  - name: web',
  '    type: http',
  '    httpPassword: yaml-http-pwd',
  '    requestHeaders:',
  '      set: { Authorization: Bearer yaml-header }',
  '',
].join('\n');

test('legacy INI: every secret value is masked, the layout and other values kept', () => {
  const masked = redactConfigText(INI);
  for (const secret of ['ini-secret-token', 'ini-admin-pwd', 'ini-meta', 'ini-http-pwd', 'ini-header', 'ini-sk'])
    assert.ok(!masked.includes(secret), `${secret} leaked:\n${masked}`);
  assert.match(masked, /^token = <redacted>$/m);
  assert.match(masked, /^server_addr = 127\.0\.0\.1$/m);
  assert.match(masked, /^# token = commented$/m);
  assert.equal(masked.split('\n').length, INI.split('\n').length);
  assert.equal(restoreConfigText(masked, INI), INI);
});

test('YAML: every secret value is masked, comments kept; a PUT with the masks gets the secrets back', () => {
  const masked = redactConfigText(YAML);
  for (const secret of ['yaml-secret-token', 'yaml-admin-pwd', 'yaml-http-pwd', 'yaml-header'])
    assert.ok(!masked.includes(secret), `${secret} leaked:\n${masked}`);
  assert.match(masked, /# kept comment/);
  assert.match(masked, /serverAddr: 127\.0\.0\.1/);
  const restored = restoreConfigText(masked.replace('type: http', 'type: https'), YAML);
  for (const secret of ['yaml-secret-token', 'yaml-admin-pwd', 'yaml-http-pwd', 'Bearer yaml-header'])
    assert.ok(restored.includes(secret), `${secret} not restored:\n${restored}`);
  assert.match(restored, /type: https/);
  assert.throws(() => restoreConfigText('serverAddr: x\nuser: <redacted>\n', YAML), /user is "<redacted>"/);
});
