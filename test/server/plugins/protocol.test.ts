// frp's plugin request and response shapes: Go's JSON for each op's content, the checked answer, the URL rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closeProxyJson,
  loginJson,
  newUserConnJson,
  newWorkConnJson,
  pingJson,
  replacedMessage,
} from '../../../src/server/plugins/contents.js';
import { parseResponse, pluginUrl } from '../../../src/server/plugins/index.js';
import { requestBody, requestQuery } from '../../../src/server/plugins/protocol.js';

const user = { user: 'u', metas: undefined, runId: 'r' };

describe('plugin protocol', () => {
  it('writes each content in Go struct order with omitempty, UserInfo always whole', () => {
    assert.equal(
      loginJson({ login: { user: 'u', timestamp: 5 }, clientAddress: '' }),
      '{"user":"u","timestamp":5,"client_spec":{}}',
    );
    assert.equal(loginJson({ login: {}, clientAddress: '[::1]:9' }), '{"client_spec":{},"client_address":"[::1]:9"}');
    assert.equal(pingJson({ user, ping: {} }), '{"user":{"user":"u","metas":null,"run_id":"r"}}');
    assert.equal(
      newWorkConnJson({ user: { ...user, metas: { b: '2', a: '<1>' } }, workConn: { run_id: 'r', timestamp: 1 } }),
      '{"user":{"user":"u","metas":{"a":"\\u003c1\\u003e","b":"2"},"run_id":"r"},"run_id":"r","timestamp":1}',
    );
    assert.equal(closeProxyJson({ user, proxyName: '' }), '{"user":{"user":"u","metas":null,"run_id":"r"}}');
    assert.equal(
      newUserConnJson({ user, proxyName: '', proxyType: 'tcp', remoteAddr: '' }),
      '{"user":{"user":"u","metas":null,"run_id":"r"},"proxy_name":"","proxy_type":"tcp","remote_addr":""}',
    );
  });

  it('wraps the content in {version, op, content} and queries op then version, as url.Values sorts them', () => {
    assert.equal(requestBody('Ping', '{}'), '{"version":"0.1.0","op":"Ping","content":{}}');
    assert.equal(requestQuery('NewUserConn'), 'op=NewUserConn&version=0.1.0');
  });

  it('reads an answer as Go would: zero values for absent fields, keys matched ignoring case', () => {
    assert.deepEqual(parseResponse('{}'), { reject: false, rejectReason: '', unchange: false, content: undefined });
    assert.deepEqual(parseResponse('{"Reject":true,"REJECT_REASON":"no","unchange":null}'), {
      reject: true,
      rejectReason: 'no',
      unchange: false,
      content: undefined,
    });
    assert.throws(() => parseResponse('{"reject_reason":1}'), /reject_reason must be a string/);
    assert.throws(() => parseResponse('"x"'), /expected a JSON object/);
  });

  it('reads a replacement as a fresh Go struct: unknown fields dropped, absent = empty, wrong types refused', () => {
    assert.deepEqual(replacedMessage('Ping', undefined), {});
    assert.deepEqual(replacedMessage('NewProxy', { user: {}, proxy_name: 'a', extra: 1 }), { proxy_name: 'a' });
    assert.throws(() => replacedMessage('Login', null), /changed content is not a Login/);
    assert.throws(() => replacedMessage('Login', { metas: { a: 1 } }), /Login.metas.a: expected a string/);
  });

  it('puts http:// in front of an addr without a scheme', () => {
    assert.equal(pluginUrl('127.0.0.1:9000', '/handler'), 'http://127.0.0.1:9000/handler');
    assert.equal(pluginUrl('https://p.example:443', ''), 'https://p.example:443');
    assert.equal(pluginUrl('http://p', '/x'), 'http://p/x');
  });
});
