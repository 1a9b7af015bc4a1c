// proxyDomains / canonicalAddr: frps's domain rules and remote_addr format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { canonicalAddr, proxyDomains } from '../../src/server/proxies/domains.js';

const refused = (text: string) => (err: unknown) => isBurrowError(err, ErrorCode.PROXY_REFUSED) && err.message === text;

describe('proxyDomains', () => {
  it('joins custom domains and subdomain.subDomainHost, lower-cased', () => {
    assert.deepEqual(proxyDomains({ custom_domains: ['A.Example.com', ''], subdomain: 'app' }, 'tunnel.test'), [
      'a.example.com',
      'app.tunnel.test',
    ]);
  });

  it('refuses what frps refuses, in its words', () => {
    assert.throws(
      () => proxyDomains({ subdomain: 'app' }, ''),
      refused('subdomain is not supported because this feature is not enabled in server'),
    );
    assert.throws(
      () => proxyDomains({ subdomain: 'a.b' }, 'tunnel.test'),
      refused("'.' and '*' are not supported in subdomain"),
    );
    assert.throws(
      () => proxyDomains({ custom_domains: ['x.tunnel.test'] }, 'tunnel.test'),
      refused('custom domain [x.tunnel.test] should not belong to subdomain host [tunnel.test]'),
    );
    assert.throws(
      () => proxyDomains({}, 'tunnel.test'),
      refused('subdomain and custom domains should not be both empty'),
    );
  });

  it('writes remote_addr entries without the default port', () => {
    assert.equal(canonicalAddr('a.test', 80, 80), 'a.test');
    assert.equal(canonicalAddr('a.test', 8080, 80), 'a.test:8080');
  });
});
