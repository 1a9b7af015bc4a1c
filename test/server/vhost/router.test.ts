// vhost routing tests: frp's router_test.go cases (exact, wildcard walk, catch-all, HTTP user, locations) for matchDomain and VhostRouter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../../src/errors.js';
import { matchDomain, VhostRouter, type VhostRoute } from '../../../src/server/vhost/index.js';

const routes: VhostRoute<string>[] = [
  { domain: 'example.com', location: '/api', httpUser: 'alice', payload: 'exact-user' },
  { domain: 'example.com', location: '/api', payload: 'exact-all-users' },
  { domain: 'exact.example.com', location: '/api', payload: 'exact-subdomain' },
  { domain: '*.example.com', location: '/api', payload: 'wildcard-all-users' },
  { domain: '*.foo.example.com', location: '/api', payload: 'specific-wildcard' },
  { domain: '*.bar.com', location: '/api', payload: 'wildcard-parent-domain' },
  { domain: '*', location: '/admin', httpUser: 'root', payload: 'all-domains-user' },
  { domain: '*', location: '/', payload: 'all-domains' },
];

// [name, host, path, httpUser, expected payload or undefined]
const cases: [string, string, string, string, string | undefined][] = [
  ['exact domain and http user', 'example.com', '/api/users', 'alice', 'exact-user'],
  ['exact domain falls back to all users', 'example.com', '/api/users', 'bob', 'exact-all-users'],
  ['wildcard domain uses all users fallback', 'foo.example.com', '/api/users', 'bob', 'wildcard-all-users'],
  ['mixed-case domain is normalized', 'Foo.Example.Com', '/api/users', 'bob', 'wildcard-all-users'],
  ['exact domain wins over wildcard domain', 'exact.example.com', '/api/users', 'bob', 'exact-subdomain'],
  [
    'more specific wildcard wins over broader wildcard',
    'bar.foo.example.com',
    '/api/users',
    'bob',
    'specific-wildcard',
  ],
  ['wildcard walk checks parent domains', 'a.b.bar.com', '/api/users', 'bob', 'wildcard-parent-domain'],
  ['catch-all domain fallback', 'foo.test.com', '/other', 'bob', 'all-domains'],
  ['catch-all domain honors http user', 'foo.test.com', '/admin/panel', 'root', 'all-domains-user'],
  ['wrong path on a wildcard falls through to the catch-all', 'foo.example.com', '/other', '', 'all-domains'],
];

const noCatchAll: VhostRoute<string>[] = [
  { domain: '*.example.com', location: '/api', payload: 'wildcard-all-users' },
  { domain: '*.com', location: '/api', payload: 'top-level-wildcard' },
];
const noMatch: [string, string, string][] = [
  ['two-label domain does not enter the wildcard walk', 'example.com', '/api/users'],
  ['"*.com" is never reached from three labels', 'foo.test.com', '/api/users'],
  ['wrong path remains no match', 'foo.example.com', '/other'],
];

describe('matchDomain', () => {
  for (const [name, host, path, user, want] of cases) {
    test(name, () => assert.equal(matchDomain(host, routes, path, user)?.payload, want));
  }
  for (const [name, host, path] of noMatch) {
    test(`no match: ${name}`, () => assert.equal(matchDomain(host, noCatchAll, path, 'bob'), undefined));
  }

  test('longest location prefix wins, whatever the registration order; "" matches everything', () => {
    const locs: VhostRoute<string>[] = [
      { domain: 'a.com', location: '', payload: 'root' },
      { domain: 'a.com', location: '/api/v2', payload: 'v2' },
      { domain: 'a.com', location: '/api', payload: 'api' },
      { domain: 'a.com', location: '/apix', payload: 'apix' },
    ];
    assert.equal(matchDomain('a.com', locs, '/api/v2/users')?.payload, 'v2');
    assert.equal(matchDomain('a.com', locs, '/api/v1')?.payload, 'api');
    assert.equal(matchDomain('a.com', locs, '/apix/1')?.payload, 'apix');
    assert.equal(matchDomain('a.com', locs, '/')?.payload, 'root');
    assert.equal(matchDomain('a.com', [...locs].reverse(), '/api/v2/users')?.payload, 'v2');
    assert.equal(matchDomain('a.com', locs)?.payload, 'root', 'path defaults to "" (https: SNI only)');
  });

  test('an exact-domain route with a non-matching location does not block the wildcard', () => {
    const r: VhostRoute<string>[] = [
      { domain: 'x.example.com', location: '/only', payload: 'exact' },
      { domain: '*.example.com', location: '', payload: 'wild' },
    ];
    assert.equal(matchDomain('x.example.com', r, '/other')?.payload, 'wild');
  });
});

describe('VhostRouter', () => {
  const router = new VhostRouter<string>();
  for (const r of routes) router.add(r);

  for (const [name, host, path, user, want] of cases) {
    test(name, () => assert.equal(router.match(host, path, user)?.payload, want));
  }

  test('registration is case-insensitive on the domain; a duplicate is refused with the reason', () => {
    assert.equal(router.size, routes.length);
    assert.throws(
      () => router.add({ domain: 'EXAMPLE.com', location: '/api', payload: 'dup' }),
      (e: unknown) =>
        isBurrowError(e, ErrorCode.PROXY_REFUSED) &&
        /domain "example.com" location "\/api" is already in use/.test((e as Error).message),
    );
    // Same domain and location with another user is a different route (routeByHTTPUser).
    router.add({ domain: 'example.com', location: '/api', httpUser: 'carol', payload: 'carol' });
    assert.equal(router.match('example.com', '/api', 'carol')?.payload, 'carol');
  });

  test('remove takes one route away and the walk continues past it', () => {
    assert.equal(router.remove('Exact.Example.com', '/api'), true);
    assert.equal(router.remove('exact.example.com', '/api'), false);
    assert.equal(router.match('exact.example.com', '/api/users', 'bob')?.payload, 'wildcard-all-users');
  });
});
