// The redaction module: which JSON fields are secrets, and the config-text mask and its round trip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/admin/http.js';
import { redactConfigText, restoreConfigText } from '../../src/admin/redact-config.js';
import { isSecretKey, REDACTED, redactJson } from '../../src/observe/redact.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

describe('redactJson', () => {
  it('drops secret keys in any spelling and masks header and meta values, keeping their names', () => {
    const conf = {
      proxy_name: 'a',
      group: 'g',
      group_key: 'x1',
      sk: 'x2',
      http_user: 'u',
      http_pwd: 'x3',
      headers: { Authorization: 'x4', Host: 'x5' },
      response_headers: { 'Set-Cookie': 'x6' },
      metas: { owner: 'x7' },
      nested: {
        httpPassword: 'x8',
        token: 'x9',
        oidcClientSecret: 'x10',
        privilege_key: 'x11',
        list: [{ password: 'x12' }],
      },
      inline: PEM,
    };
    assert.deepEqual(redactJson(conf), {
      proxy_name: 'a',
      group: 'g',
      http_user: 'u',
      headers: { Authorization: REDACTED, Host: REDACTED },
      response_headers: { 'Set-Cookie': REDACTED },
      metas: { owner: REDACTED },
      nested: { list: [{}] },
      inline: REDACTED,
    });
  });

  it('treats transport.proxyURL as a secret: it may hold the proxy password', () => {
    assert.equal(isSecretKey('proxyURL'), true);
    assert.deepEqual(redactJson({ transport: { proxyURL: 'http://u:pw@p:1', protocol: 'tcp' } }), {
      transport: { protocol: 'tcp' },
    });
    const text = redactConfigText('transport.proxyURL = "http://u:pw@p:1"\n');
    assert.equal(text, `transport.proxyURL = "${REDACTED}"\n`);
    assert.equal(
      restoreConfigText(text, 'transport.proxyURL = "http://u:pw@p:1"\n'),
      'transport.proxyURL = "http://u:pw@p:1"\n',
    );
  });

  it('keeps the fields the API serves on purpose', () => {
    for (const key of ['key', 'name', 'user', 'clientID', 'runID', 'fingerprint', 'tokenSource', 'keyFile', 'tls']) {
      assert.equal(isSecretKey(key), false, key);
    }
  });
});

describe('config text mask', () => {
  const toml = [
    '# comment stays',
    'auth.token = "T1" # trailing comment stays',
    '[webServer]',
    "password = 'T2'",
    '[[proxies]]',
    'name = "a"',
    'requestHeaders.set.Authorization = "T3"',
    'metadatas = { owner = "T4", "x y" = \'T5\' }',
    '[[proxies]]',
    'name = "b"',
    'httpPassword = """',
    'T6"""',
    '[proxies.responseHeaders.set]',
    'Cookie = "T7"',
    '[[visitors]]',
    'secretKey = "T8"',
    'inlineKey = "' + PEM.replace(/\n/g, '\\n') + '"',
    '',
  ].join('\n');

  it('masks every secret and keeps everything else as it was', () => {
    const masked = redactConfigText(toml);
    for (let i = 1; i <= 8; i++) assert.ok(!masked.includes(`T${i}`), `T${i} in\n${masked}`);
    assert.ok(!masked.includes('PRIVATE KEY'));
    assert.match(masked, /^# comment stays\nauth\.token = "<redacted>" # trailing comment stays\n/);
    assert.match(masked, /metadatas = \{ owner = "<redacted>", "x y" = "<redacted>" \}/);
    assert.match(masked, /name = "b"/);
  });

  it('a PUT of the masked text, edited, gets every secret back at its place', () => {
    const edited = redactConfigText(toml).replace('name = "b"', 'name = "renamed"');
    assert.equal(restoreConfigText(edited, toml), toml.replace('name = "b"', 'name = "renamed"'));
  });

  it('a mask where the config in use has no secret is a 400 naming the key', () => {
    assert.throws(
      () => restoreConfigText(`${toml}[[visitors]]\nsecretKey = "<redacted>"\n`, toml),
      (err: unknown) => err instanceof HttpError && err.status === 400 && /visitors\.1\.secretKey/.test(err.message),
    );
  });

  it('JSON configs are masked and restored by path', () => {
    const json =
      JSON.stringify(
        {
          serverAddr: 'h',
          auth: { token: 'J1' },
          proxies: [{ name: 'a', requestHeaders: { set: { Authorization: 'J2' } } }],
        },
        null,
        2,
      ) + '\n';
    const masked = redactConfigText(json);
    assert.ok(!masked.includes('J1') && !masked.includes('J2'));
    assert.equal(restoreConfigText(masked, json), json);
  });
  it('healthCheck.httpHeaders values are masked (names shown), on one line or several, and restored by index', () => {
    const toml = [
      '[[proxies]]',
      'name = "a"',
      'healthCheck.httpHeaders = [{ name = "Authorization", value = "Bearer H1" }]',
      '[[proxies]]',
      'name = "b"',
      '[proxies.healthCheck]',
      'httpHeaders = [',
      '  { name = "X-One", value = "H2" },',
      '  { name = "X-Two", value = "H3" },',
      ']',
      'type = "http"',
      '',
    ].join('\n');
    const masked = redactConfigText(toml);
    for (const secret of ['H1', 'H2', 'H3']) assert.ok(!masked.includes(secret), masked);
    for (const name of ['Authorization', 'X-One', 'X-Two', 'type = "http"']) assert.ok(masked.includes(name), masked);
    assert.equal(restoreConfigText(masked, toml), toml);
  });
});
