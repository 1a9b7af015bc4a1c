// [proxies.healthCheck]: frp's keys and defaults load without warnings; bad values are refused naming file and key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientConfig } from '../../src/config/index.js';

/** A tcp proxy followed by `lines`. */
function load(lines: string[]) {
  return parseClientConfig(
    ['[[proxies]]', 'name = "p"', 'type = "tcp"', 'localPort = 8080', ...lines].join('\n'),
    'frpc.toml',
    { env: {} },
  );
}

/** The error message of loading `lines`. */
function refusal(lines: string[]): string {
  try {
    load(lines);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('the config loaded');
}

describe('healthCheck config', () => {
  it("is off by default, with frp's defaults: timeout 3 s, maxFailed 1, interval 10 s", () => {
    const { config, warnings } = load([]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.proxies[0]!.healthCheck, {
      type: '',
      timeoutSeconds: 3,
      maxFailed: 1,
      intervalSeconds: 10,
      path: '',
      httpHeaders: [],
    });
  });

  it('reads every key, 0 meaning the default as in frp', () => {
    const { config, warnings } = load([
      '[proxies.healthCheck]',
      'type = "http"',
      'timeoutSeconds = 0',
      'maxFailed = 3',
      'intervalSeconds = 1',
      'path = "/healthz"',
      'httpHeaders = [{ name = "X-Key", value = "k" }, { name = "Host", value = "svc" }]',
    ]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.proxies[0]!.healthCheck, {
      type: 'http',
      timeoutSeconds: 3,
      maxFailed: 3,
      intervalSeconds: 1,
      path: '/healthz',
      httpHeaders: [
        { name: 'X-Key', value: 'k' },
        { name: 'Host', value: 'svc' },
      ],
    });
  });

  it('refuses an unknown type', () => {
    assert.match(
      refusal(['healthCheck.type = "udp"']),
      /frpc\.toml: proxies\[0\]\.healthCheck\.type: expected one of "", "tcp", "http", got "udp"/,
    );
  });

  it('refuses an http check without a path', () => {
    assert.match(
      refusal(['healthCheck.type = "http"']),
      /frpc\.toml: proxies\[0\]\.healthCheck\.path: required \(expected a path such as "\/healthz" when type is "http"\)/,
    );
    assert.match(refusal(['healthCheck.type = "http"', 'healthCheck.path = ""']), /healthCheck\.path: .*got ""/);
  });

  it('refuses negative numbers, fractions and intervals past a day', () => {
    const message = refusal([
      'healthCheck.type = "tcp"',
      'healthCheck.maxFailed = -1',
      'healthCheck.intervalSeconds = -2',
      'healthCheck.timeoutSeconds = 1.5',
    ]);
    assert.match(message, /proxies\[0\]\.healthCheck\.maxFailed: expected integer 0-\d+, got -1/);
    assert.match(message, /proxies\[0\]\.healthCheck\.intervalSeconds: expected integer 0-86400, got -2/);
    assert.match(message, /proxies\[0\]\.healthCheck\.timeoutSeconds: expected integer/);
    assert.match(refusal(['healthCheck.intervalSeconds = 100000']), /intervalSeconds: expected integer 0-86400/);
  });

  it('refuses header names that are not HTTP tokens, values with CR/LF, entries without a name, unknown keys', () => {
    const message = refusal([
      'healthCheck.type = "http"',
      'healthCheck.path = "/"',
      'healthCheck.httpHeaders = [{ name = "Bad Name", value = "a\\r\\nb" }, { value = "v" }]',
      'healthCheck.timeout = 3',
    ]);
    assert.match(message, /healthCheck\.httpHeaders\[0\]\.name: expected an HTTP header name/);
    assert.match(message, /healthCheck\.httpHeaders\[0\]\.value: expected a header value without CR, LF or NUL/);
    assert.match(message, /healthCheck\.httpHeaders\[1\]\.name: required/);
    assert.match(message, /healthCheck\.timeout: unknown key/);
  });
});
