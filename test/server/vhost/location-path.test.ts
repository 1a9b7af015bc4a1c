// Attack (issue 21 weak spot): path tricks must not reach a public `/` route in front of a protected `/admin`; locationPath's rules.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { BurrowError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { HttpVhost } from '../../../src/server/vhost/index.js';
import { locationPath } from '../../../src/server/vhost/location-path.js';
import { closeServer, directBackend, namedOrigin, RawClient } from './raw-http.js';

/** Request-targets a lenient local service reads as /admin/... */
const ADMIN_VARIANTS = [
  '/admin',
  '//admin',
  '///admin/x',
  '/;/admin',
  '/;x=1/admin',
  '/admin;jsessionid=1',
  '/%2fadmin',
  '/%2Fadmin',
  '/%61dmin',
  '/./admin',
  '/%2e/admin',
  '/a/../admin',
  '/a/%2e%2e/admin',
  '/a/..%2fadmin',
  '/../../admin',
  '/%252fadmin',
  '/admin%2f..%2fadmin',
  '/public/../admin?x=/',
  'http://a.test//admin',
];

describe('locationPath', () => {
  it('normalises every variant to a path under /admin', () => {
    for (const target of ADMIN_VARIANTS)
      assert.ok(locationPath(target).startsWith('/admin'), `${target} → ${locationPath(target)}`);
  });

  it('keeps ordinary paths, trailing slashes, case, and * as they are', () => {
    assert.equal(locationPath('/'), '/');
    assert.equal(locationPath('/a/b?c=/d'), '/a/b');
    assert.equal(locationPath('/admin/'), '/admin/');
    assert.equal(locationPath('/admin/x/..'), '/admin/');
    assert.equal(locationPath('/ADMIN'), '/ADMIN');
    assert.equal(locationPath('/caf%C3%A9'), '/café');
    assert.equal(locationPath('/100%25'), '/100%');
    assert.equal(locationPath('*'), '*');
    assert.equal(locationPath('/a\\b'), '/a/b');
  });

  it('refuses invalid percent-encoding', () => {
    assert.throws(() => locationPath('/%zzadmin'), BurrowError);
    assert.throws(() => locationPath('/admin%2'), BurrowError);
  });
});

describe('http vhost: locations match the normalised path', () => {
  const vhost = new HttpVhost(silentLogger());
  const servers: http.Server[] = [];
  let port = 0;
  let seenAdmin: string[] = [];

  before(async () => {
    const pub = await namedOrigin('PUBLIC');
    const admin = await namedOrigin('ADMIN');
    servers.push(pub.server, admin.server);
    seenAdmin = admin.seen;
    vhost.router.add({ domain: 'a.test', location: '/', payload: directBackend(pub.port) });
    vhost.router.add({
      domain: 'a.test',
      location: '/admin',
      payload: directBackend(admin.port, { httpUser: 'u', httpPassword: 'p' }),
    });
    port = (await vhost.listen('127.0.0.1', 0)).port;
  });

  after(async () => {
    vhost.close();
    await Promise.all(servers.map(closeServer));
  });

  async function ask(target: string, auth = ''): Promise<{ status: number; origin: string }> {
    const client = new RawClient(port);
    await client.ready();
    client.write(`GET ${target} HTTP/1.1\r\nHost: a.test\r\n${auth}Connection: close\r\n\r\n`);
    const res = await client.next();
    client.destroy();
    const origin = res.status === 200 ? (JSON.parse(res.body) as { origin: string }).origin : '';
    return { status: res.status, origin };
  }

  it('every path trick for /admin is asked for credentials, never served by the public route', async () => {
    for (const target of ADMIN_VARIANTS) {
      const res = await ask(target);
      assert.equal(res.status, 401, `${target} must be checked as /admin`);
    }
    assert.deepEqual(seenAdmin, []);
  });

  it('with credentials the trick reaches the protected service with its request-target unchanged', async () => {
    const res = await ask('//admin', `Authorization: Basic ${Buffer.from('u:p').toString('base64')}\r\n`);
    assert.deepEqual(res, { status: 200, origin: 'ADMIN' });
    assert.deepEqual(seenAdmin, ['GET //admin']);
  });

  it('ordinary paths stay on the public route; /ADMIN too (paths compare case-sensitively, as in frp)', async () => {
    assert.deepEqual(await ask('/index.html'), { status: 200, origin: 'PUBLIC' });
    assert.deepEqual(await ask('/administrat/../x'), { status: 200, origin: 'PUBLIC' });
    assert.deepEqual(await ask('/ADMIN'), { status: 200, origin: 'PUBLIC' });
  });

  it('invalid percent-encoding is a 400, not a route', async () => {
    assert.equal((await ask('/%zzadmin')).status, 400);
  });
});
