// Unit tests of the v2 hellos: Go-identical JSON, Go-like decoding, server and client validation, algorithm order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BurrowError, ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  checkAlgorithmList,
  checkServerHello,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HelloError,
  newClientHello,
  newServerHello,
  preferredAlgorithms,
  selectAlgorithm,
  serverHelloError,
  type ClientHello,
} from '../../src/wire/index.js';

const CLIENT_RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SERVER_RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xa0 + i));
/** What frpc 0.70 writes with TLS and tcpMux on (same shape as the appendix's table). */
const CH_JSON =
  '{"bootstrap":{"transport":"tcp","tls":true,"tcpMux":true},"capabilities":{"message":{"codecs":["json"]},' +
  '"crypto":{"algorithms":["aes-256-gcm","xchacha20-poly1305"],"clientRandom":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}}';
const SH_JSON =
  '{"selected":{"message":{"codec":"json"},"crypto":{"algorithm":"aes-256-gcm","serverRandom":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8="}}}';

function hello(patch: (h: ClientHello) => void): ClientHello {
  const h = newClientHello({ transport: 'tcp' }, ['aes-256-gcm', 'xchacha20-poly1305'], CLIENT_RANDOM);
  patch(h);
  return h;
}

const helloError = (reason: string) => (err: unknown) =>
  err instanceof HelloError && err.code === ErrorCode.PROTOCOL && err.reason === reason;

describe('encoding', () => {
  test('ClientHello JSON is exactly what frpc writes', () => {
    const h = newClientHello(
      { transport: 'tcp', tls: true, tcpMux: true },
      ['aes-256-gcm', 'xchacha20-poly1305'],
      CLIENT_RANDOM,
    );
    assert.equal(encodeClientHello(h).toString(), CH_JSON);
  });

  test('false and empty bootstrap fields are left out, nested objects stay', () => {
    const h = newClientHello({ transport: 'tcp', tls: false, tcpMux: false }, ['xchacha20-poly1305'], CLIENT_RANDOM);
    assert.match(
      encodeClientHello(h).toString(),
      /^\{"bootstrap":\{"transport":"tcp"\},"capabilities":\{"message":\{"codecs":\["json"\]\},"crypto":\{"algorithms":\["xchacha20-poly1305"\],/,
    );
    const empty = newClientHello({}, [], Buffer.alloc(0));
    empty.capabilities.message.codecs = [];
    assert.equal(encodeClientHello(empty).toString(), '{"bootstrap":{},"capabilities":{"message":{},"crypto":{}}}');
  });

  test('ServerHello JSON, and the refusal frps sends', () => {
    assert.equal(encodeServerHello(newServerHello('aes-256-gcm', SERVER_RANDOM)).toString(), SH_JSON);
    assert.equal(
      encodeServerHello(serverHelloError('no supported crypto algorithm')).toString(),
      '{"selected":{"message":{"codec":"json"},"crypto":{}},"error":"no supported crypto algorithm"}',
    );
  });

  test('decoding round-trips, and Go rules apply: null = zero value, unknown keys ignored, keys case-insensitive', () => {
    assert.equal(encodeClientHello(decodeClientHello(Buffer.from(CH_JSON))).toString(), CH_JSON);
    assert.equal(encodeServerHello(decodeServerHello(Buffer.from(SH_JSON))).toString(), SH_JSON);
    const h = decodeClientHello(
      Buffer.from(
        '{"bootstrap":null,"extra":1,"Capabilities":{"message":{"codecs":["json"]},"crypto":{"ALGORITHMS":["aes-256-gcm"]}}}',
      ),
    );
    assert.deepEqual(h.bootstrap, {});
    assert.deepEqual(h.capabilities.crypto.algorithms, ['aes-256-gcm']);
    assert.equal(h.capabilities.crypto.clientRandom.length, 0);
    assert.deepEqual(decodeServerHello(Buffer.from('{}')), {
      selected: { message: { codec: '' }, crypto: { algorithm: '', serverRandom: Buffer.alloc(0) } },
    });
  });

  test('malformed hellos are PROTOCOL errors naming the field', () => {
    const bad = (json: string, re: RegExp) =>
      assert.throws(
        () => decodeClientHello(Buffer.from(json)),
        (e) => isBurrowError(e, ErrorCode.PROTOCOL) && re.test(e.message),
      );
    bad('{', /decode ClientHello: payload is not valid JSON/);
    bad('[]', /ClientHello: expected an object/);
    bad(
      '{"capabilities":{"crypto":{"algorithms":"aes-256-gcm"}}}',
      /ClientHello\.capabilities\.crypto\.algorithms: expected a list of strings/,
    );
    bad('{"capabilities":{"crypto":{"clientRandom":"AAE"}}}', /clientRandom: expected standard padded base64/);
    assert.equal(
      decodeClientHello(Buffer.from('{"capabilities":{"crypto":{"clientRandom":"AAEC"}}}')).capabilities.crypto
        .clientRandom.length,
      3,
    );
    bad('{"bootstrap":{"tls":"yes"}}', /bootstrap\.tls: expected a boolean/);
  });
});

describe('server side: selectAlgorithm', () => {
  test('picks the first of the client list it supports', () => {
    assert.equal(selectAlgorithm(hello(() => {})), 'aes-256-gcm');
    assert.equal(
      selectAlgorithm(
        hello((h) => (h.capabilities.crypto.algorithms = ['chacha-fake', 'xchacha20-poly1305', 'aes-256-gcm'])),
      ),
      'xchacha20-poly1305',
    );
  });

  test('refuses, in frps wording: no json codec, bad random length, no algorithm', () => {
    assert.throws(
      () => selectAlgorithm(hello((h) => (h.capabilities.message.codecs = ['protobuf']))),
      helloError('unsupported message codec'),
    );
    assert.throws(
      () => selectAlgorithm(hello((h) => (h.capabilities.crypto.clientRandom = Buffer.alloc(16)))),
      helloError('invalid crypto client random length 16, want 32'),
    );
    assert.throws(
      () => selectAlgorithm(hello((h) => (h.capabilities.crypto.algorithms = []))),
      helloError('no supported crypto algorithm'),
    );
    assert.throws(
      () => selectAlgorithm(hello((h) => (h.capabilities.crypto.algorithms = ['aes-128-gcm']))),
      helloError('no supported crypto algorithm'),
    );
  });
});

describe('client side: checkServerHello', () => {
  const sent = hello((h) => (h.capabilities.crypto.algorithms = ['xchacha20-poly1305']));
  const ok = () => newServerHello('xchacha20-poly1305', SERVER_RANDOM);
  const fails = (patch: (s: ReturnType<typeof ok>) => void, re: RegExp) => {
    const s = ok();
    patch(s);
    assert.throws(
      () => checkServerHello(sent, s),
      (e) => e instanceof BurrowError && e.code === ErrorCode.PROTOCOL && re.test(e.message),
    );
  };

  test('accepts a selection we offered', () => {
    assert.equal(checkServerHello(sent, ok()), 'xchacha20-poly1305');
  });

  test('error set, codec not json, unknown or not offered algorithm, short serverRandom', () => {
    fails(
      (s) => (s.error = 'no supported crypto algorithm'),
      /server refused the v2 ClientHello: no supported crypto algorithm/,
    );
    fails((s) => (s.selected.message.codec = 'cbor'), /unsupported selected message codec "cbor"/);
    fails((s) => (s.selected.crypto.algorithm = 'rot13'), /unknown selected crypto algorithm "rot13"/);
    fails(
      (s) => (s.selected.crypto.algorithm = 'aes-256-gcm'),
      /aes-256-gcm was not advertised by the client \(offered: xchacha20-poly1305\)/,
    );
    fails(
      (s) => (s.selected.crypto.serverRandom = Buffer.alloc(31)),
      /invalid crypto server random length 31, want 32/,
    );
  });
});

describe('algorithm order', () => {
  test('AES first on x64/arm64/s390x/ppc64, XChaCha first elsewhere', () => {
    for (const arch of ['x64', 'arm64', 's390x', 'ppc64'])
      assert.deepEqual(preferredAlgorithms(arch), ['aes-256-gcm', 'xchacha20-poly1305']);
    for (const arch of ['arm', 'ia32', 'riscv64', 'mips'])
      assert.deepEqual(preferredAlgorithms(arch), ['xchacha20-poly1305', 'aes-256-gcm']);
  });

  test('an override list is checked', () => {
    assert.deepEqual(checkAlgorithmList(['xchacha20-poly1305']), ['xchacha20-poly1305']);
    for (const bad of [[], ['aes-128-gcm'], ['aes-256-gcm', 'aes-256-gcm']]) {
      assert.throws(
        () => checkAlgorithmList(bad),
        (e) => isBurrowError(e, ErrorCode.CONFIG),
      );
    }
  });
});
