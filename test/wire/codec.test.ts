// Codec tests: header layout, Go-compatible JSON (order, omitempty, escaping), decoding rules and errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_SIZE,
  MESSAGE_HEADER_SIZE,
  MessageDecoder,
  messageNameOf,
  TYPE_BYTE,
  type Message,
  type MessageName,
} from '../../src/wire/index.js';

/** A raw frame with any type byte, length field and body, for malformed-input tests. */
function frame(typeByte: number, body: string | Buffer, length?: bigint): Buffer {
  const json = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const header = Buffer.alloc(MESSAGE_HEADER_SIZE);
  header[0] = typeByte;
  header.writeBigInt64BE(length ?? BigInt(json.length), 1);
  return Buffer.concat([header, json]);
}

function jsonOf(msg: Message): string {
  return encodeMessage(msg).subarray(MESSAGE_HEADER_SIZE).toString();
}

function throwsCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isBurrowError(err), `expected a BurrowError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

describe('type bytes', () => {
  test('match frp pkg/msg/msg.go', () => {
    const expected: Record<MessageName, string> = {
      Login: 'o',
      LoginResp: '1',
      NewProxy: 'p',
      NewProxyResp: '2',
      CloseProxy: 'c',
      NewWorkConn: 'w',
      ReqWorkConn: 'r',
      StartWorkConn: 's',
      NewVisitorConn: 'v',
      NewVisitorConnResp: '3',
      Ping: 'h',
      Pong: '4',
      UDPPacket: 'u',
      NatHoleVisitor: 'i',
      NatHoleClient: 'n',
      NatHoleResp: 'm',
      NatHoleSid: '5',
      NatHoleReport: '6',
    };
    for (const [name, ch] of Object.entries(expected) as [MessageName, string][]) {
      assert.equal(TYPE_BYTE[name], ch.charCodeAt(0), name);
      assert.equal(messageNameOf(ch.charCodeAt(0)), name);
    }
    assert.equal(messageNameOf('F'.charCodeAt(0)), undefined);
    assert.equal(messageNameOf(0), undefined);
    assert.equal(messageNameOf(300), undefined);
  });
});

describe('encodeMessage', () => {
  test('header is the type byte and the int64 big-endian JSON length', () => {
    const buf = encodeMessage({ type: 'Pong', body: { error: 'no' } });
    assert.equal(buf[0], 0x34);
    assert.equal(buf.readBigInt64BE(1), BigInt(buf.length - MESSAGE_HEADER_SIZE));
    assert.equal(buf.subarray(MESSAGE_HEADER_SIZE).toString(), '{"error":"no"}');
  });

  test('length counts UTF-8 bytes, not characters', () => {
    const buf = encodeMessage({ type: 'CloseProxy', body: { proxy_name: 'café☕' } });
    assert.equal(buf.readBigInt64BE(1), BigInt(Buffer.byteLength('{"proxy_name":"café☕"}')));
  });

  test('empty messages: ReqWorkConn and Ping are {}, Login keeps client_spec', () => {
    assert.equal(jsonOf({ type: 'ReqWorkConn', body: {} }), '{}');
    assert.equal(jsonOf({ type: 'Ping', body: {} }), '{}');
    assert.equal(jsonOf({ type: 'Login', body: {} }), '{"client_spec":{}}');
    assert.equal(
      jsonOf({ type: 'Login', body: { client_spec: { type: 'ssh-tunnel', always_auth_pass: true } } }),
      '{"client_spec":{"type":"ssh-tunnel","always_auth_pass":true}}',
    );
  });

  test('omitempty drops "", 0, false, undefined, [] and {}', () => {
    const json = jsonOf({
      type: 'NewProxy',
      body: {
        proxy_name: 'a',
        proxy_type: '',
        use_encryption: false,
        use_compression: true,
        remote_port: 0,
        custom_domains: [],
        metas: {},
        headers: undefined,
        sk: 's',
      },
    });
    assert.equal(json, '{"proxy_name":"a","use_compression":true,"sk":"s"}');
  });

  test('keys follow Go struct order whatever the object order', () => {
    const json = jsonOf({
      type: 'Login',
      body: { pool_count: 2, metas: { b: '2', a: '1' }, run_id: 'r', timestamp: 5, user: 'u', version: 'v' },
    });
    assert.equal(
      json,
      '{"version":"v","user":"u","timestamp":5,"run_id":"r","metas":{"a":"1","b":"2"},"client_spec":{},"pool_count":2}',
    );
    assert.equal(
      jsonOf({
        type: 'StartWorkConn',
        body: { error: 'e', dst_port: 2, src_port: 1, dst_addr: 'd', src_addr: 's', proxy_name: 'p' },
      }),
      '{"proxy_name":"p","src_addr":"s","dst_addr":"d","src_port":1,"dst_port":2,"error":"e"}',
    );
  });

  test('strings are escaped as Go does (HTML-safe <, >, &, U+2028/9)', () => {
    assert.equal(
      jsonOf({ type: 'Pong', body: { error: 'a<b>&"c"\\\n\u2028\u0001' } }),
      '{"error":"a\\u003cb\\u003e\\u0026\\"c\\"\\\\\\n\\u2028\\u0001"}',
    );
  });

  test('UDPPacket addresses always carry IP, Port and Zone', () => {
    assert.equal(
      jsonOf({ type: 'UDPPacket', body: { c: 'aGk=', r: { IP: '203.0.113.5', Port: 51234 } } }),
      '{"c":"aGk=","r":{"IP":"203.0.113.5","Port":51234,"Zone":""}}',
    );
  });

  test('NatHoleResp always writes detect_behavior, with omitempty inside', () => {
    assert.equal(jsonOf({ type: 'NatHoleResp', body: { sid: 'x' } }), '{"sid":"x","detect_behavior":{}}');
    assert.equal(
      jsonOf({ type: 'NatHoleResp', body: { detect_behavior: { role: 'sender', mode: 0, ttl: 3 }, error: 'e' } }),
      '{"detect_behavior":{"role":"sender","ttl":3},"error":"e"}',
    );
  });

  test('a non-integer number is refused', () => {
    throwsCode(() => encodeMessage({ type: 'Ping', body: { timestamp: 1.5 } }), ErrorCode.INTERNAL, /Ping.timestamp/);
  });
});

describe('decodeMessage', () => {
  const samples: [Message, ...Message[]] = [
    {
      type: 'Login',
      body: {
        version: '0.70.0',
        user: 'u',
        privilege_key: 'k',
        timestamp: 1,
        metas: { a: 'b' },
        client_spec: {},
        pool_count: 3,
      },
    },
    { type: 'LoginResp', body: { version: '1', run_id: 'r', error: 'e' } },
    {
      type: 'NewProxy',
      body: {
        proxy_name: 'p',
        proxy_type: 'http',
        custom_domains: ['a.com', 'b.com'],
        locations: ['/'],
        headers: { Host: 'x' },
        response_headers: { X: 'y' },
        allow_users: ['*'],
      },
    },
    { type: 'NewProxyResp', body: { proxy_name: 'p', remote_addr: ':6000' } },
    { type: 'CloseProxy', body: { proxy_name: 'p' } },
    { type: 'NewWorkConn', body: { run_id: 'r', privilege_key: 'k', timestamp: 9 } },
    { type: 'ReqWorkConn', body: {} },
    { type: 'StartWorkConn', body: { proxy_name: 'p', src_addr: '1.2.3.4', src_port: 65535 } },
    {
      type: 'NewVisitorConn',
      body: {
        run_id: 'r',
        proxy_name: 'u.p',
        sign_key: 's',
        timestamp: 2,
        use_encryption: true,
        use_compression: true,
      },
    },
    { type: 'NewVisitorConnResp', body: { proxy_name: 'p', error: 'x' } },
    { type: 'Ping', body: { privilege_key: 'k', timestamp: 3 } },
    { type: 'Pong', body: {} },
    {
      type: 'UDPPacket',
      body: { c: 'AAEC', l: { IP: '::1', Port: 1, Zone: 'lo' }, r: { IP: '203.0.113.5', Port: 51234, Zone: '' } },
    },
    { type: 'NatHoleSid', body: { sid: 's', response: true } },
  ];

  test('round-trips every message type', () => {
    for (const msg of samples) {
      const buf = encodeMessage(msg);
      const out = decodeMessage(buf);
      assert.ok(out, msg.type);
      assert.equal(out.bytesUsed, buf.length);
      assert.deepEqual(out.message, msg);
    }
  });

  test('decodes back to back messages one at a time, reporting bytes used', () => {
    const [, second, , fourth] = samples;
    assert.ok(second && fourth);
    const a = encodeMessage(second);
    const b = encodeMessage(fourth);
    const both = Buffer.concat([a, b]);
    const first = decodeMessage(both);
    assert.ok(first);
    assert.equal(first.bytesUsed, a.length);
    assert.deepEqual(decodeMessage(both.subarray(first.bytesUsed))?.message, fourth);
  });

  test('missing fields stay absent, unknown fields and nulls are ignored', () => {
    const out = decodeMessage(frame(0x73, '{"proxy_name":"p","future_field":{"x":1},"src_addr":null,"dst_port":0}'));
    assert.deepEqual(out?.message, { type: 'StartWorkConn', body: { proxy_name: 'p', dst_port: 0 } });
    assert.deepEqual(decodeMessage(frame(0x72, '{"anything":true}'))?.message, { type: 'ReqWorkConn', body: {} });
  });

  test('truncated input needs more bytes: every proper prefix gives undefined', () => {
    const buf = encodeMessage(samples[0]);
    for (let i = 0; i < buf.length; i++) assert.equal(decodeMessage(buf.subarray(0, i)), undefined, `prefix ${i}`);
  });

  test('unknown type byte is rejected from the first byte on', () => {
    throwsCode(() => decodeMessage(Buffer.from([0x46])), ErrorCode.PROTOCOL, /0x46/);
    throwsCode(() => decodeMessage(frame(0x00, '{}')), ErrorCode.PROTOCOL, /unknown message type/);
  });

  test('negative length is a protocol error', () => {
    throwsCode(() => decodeMessage(frame(0x6f, '', -1n)), ErrorCode.PROTOCOL, /negative/);
    throwsCode(() => decodeMessage(frame(0x6f, '', -(2n ** 63n))), ErrorCode.PROTOCOL, /negative/);
  });

  test('length above the maximum is rejected from the header alone', () => {
    throwsCode(
      () => decodeMessage(frame(0x6f, '', BigInt(MAX_MESSAGE_SIZE + 1))),
      ErrorCode.MESSAGE_TOO_LARGE,
      /10241.*10240/,
    );
    throwsCode(() => decodeMessage(frame(0x6f, '', 2n ** 62n)), ErrorCode.MESSAGE_TOO_LARGE);
    // Exactly the maximum is allowed (here: waiting for the body).
    assert.equal(decodeMessage(frame(0x6f, '', BigInt(MAX_MESSAGE_SIZE))), undefined);
    // A custom maximum.
    throwsCode(() => decodeMessage(encodeMessage(samples[0]), 10), ErrorCode.MESSAGE_TOO_LARGE);
  });

  test('bad JSON, a non-object body and mistyped fields are protocol errors', () => {
    throwsCode(() => decodeMessage(frame(0x6f, '{"version":')), ErrorCode.PROTOCOL, /not valid JSON/);
    throwsCode(() => decodeMessage(frame(0x6f, '{} x')), ErrorCode.PROTOCOL, /not valid JSON/);
    for (const body of ['[]', 'null', '42', '"s"', 'true']) {
      throwsCode(() => decodeMessage(frame(0x68, body)), ErrorCode.PROTOCOL, /JSON object/);
    }
    throwsCode(
      () => decodeMessage(frame(0x6f, '{"timestamp":"1"}')),
      ErrorCode.PROTOCOL,
      /Login.timestamp: expected an integer, got a string/,
    );
    throwsCode(() => decodeMessage(frame(0x6f, '{"pool_count":1.5}')), ErrorCode.PROTOCOL, /Login.pool_count/);
    throwsCode(() => decodeMessage(frame(0x70, '{"use_encryption":"true"}')), ErrorCode.PROTOCOL, /use_encryption/);
    throwsCode(
      () => decodeMessage(frame(0x70, '{"custom_domains":["a",1]}')),
      ErrorCode.PROTOCOL,
      /custom_domains\[1\]/,
    );
    throwsCode(() => decodeMessage(frame(0x70, '{"metas":{"a":1}}')), ErrorCode.PROTOCOL, /metas.a/);
    throwsCode(() => decodeMessage(frame(0x73, '{"src_port":65536}')), ErrorCode.PROTOCOL, /src_port/);
    throwsCode(
      () => decodeMessage(frame(0x75, '{"r":{"IP":"not-an-ip","Port":1}}')),
      ErrorCode.PROTOCOL,
      /UDPPacket.r.IP/,
    );
  });
});

describe('MessageDecoder', () => {
  test('one byte at a time gives every message, in order', () => {
    const msgs: Message[] = [
      { type: 'Login', body: { version: 'x', client_spec: {} } },
      { type: 'ReqWorkConn', body: {} },
      { type: 'Pong', body: { error: 'late' } },
    ];
    const bytes = Buffer.concat(msgs.map(encodeMessage));
    const decoder = new MessageDecoder();
    const out: Message[] = [];
    for (let i = 0; i < bytes.length; i++) {
      out.push(...decoder.push(bytes.subarray(i, i + 1)));
      assert.ok(decoder.buffered <= MESSAGE_HEADER_SIZE + MAX_MESSAGE_SIZE);
    }
    assert.deepEqual(out, msgs);
    assert.equal(decoder.buffered, 0);
  });

  test('keeps a partial tail and completes it with the next chunk', () => {
    const a = encodeMessage({ type: 'CloseProxy', body: { proxy_name: 'a' } });
    const b = encodeMessage({ type: 'CloseProxy', body: { proxy_name: 'b' } });
    const decoder = new MessageDecoder();
    const split = a.length + 4;
    const both = Buffer.concat([a, b]);
    assert.deepEqual(
      decoder.push(both.subarray(0, split)).map((m) => m.body),
      [{ proxy_name: 'a' }],
    );
    assert.equal(decoder.buffered, 4);
    assert.deepEqual(
      decoder.push(both.subarray(split)).map((m) => m.body),
      [{ proxy_name: 'b' }],
    );
    assert.equal(decoder.buffered, 0);
  });

  test('rejects an oversize header before its body arrives', () => {
    const decoder = new MessageDecoder(100);
    throwsCode(() => decoder.push(frame(0x70, '', 101n)), ErrorCode.MESSAGE_TOO_LARGE);
  });
});
