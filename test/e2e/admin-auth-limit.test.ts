// e2e attack: parallel Basic-auth guessing against the admin API from one address is cut off after
// ADMIN_AUTH_MAX_FAILURES with 429 + Retry-After, the right password included, until the back-off ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from '../../src/admin/index.js';
import { ClientAdminApi } from '../../src/client/admin-client.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { fakeServerView, request } from '../admin/fakes.js';
import { sleep } from './harness.js';

const GOOD = 'admin:right-password';
/** Failures before the back-off (the default's value, ADMIN_AUTH_MAX_FAILURES). */
const MAX_FAILURES = 5;
/** A test-short back-off, so the test can wait it out. */
const BACKOFF_MS = 1_200;
/** Parallel wrong guesses sent at once: well over the limit. */
const GUESSES = 40;

describe('admin Basic auth back-off per address', () => {
  let admin: AdminServer;

  before(async () => {
    admin = await startAdminServer({
      port: 0,
      user: 'admin',
      password: 'right-password',
      view: fakeServerView(),
      authLimits: { maxFailures: MAX_FAILURES, baseBackoffMs: BACKOFF_MS, maxBackoffMs: BACKOFF_MS * 4 },
    });
  });
  after(() => admin.close());

  it('requests without credentials (a browser asking) are not counted as guesses', async () => {
    for (let i = 0; i < MAX_FAILURES * 2; i++) assert.equal((await request(admin.url + '/api/serverinfo')).status, 401);
    assert.equal((await request(admin.url + '/api/serverinfo', { auth: GOOD })).status, 200);
  });

  it('parallel wrong guesses get 429 after the limit; the right password is refused too until the back-off ends', async () => {
    const answers = await Promise.all(
      Array.from({ length: GUESSES }, (_, i) => request(admin.url + '/api/serverinfo', { auth: `admin:guess-${i}` })),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 401).length, MAX_FAILURES, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, GUESSES - MAX_FAILURES);
    const limited = answers.find((a) => a.status === 429)!;
    assert.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${String(limited.headers['retry-after'])}`);
    assert.match(limited.body, /too many failed logins/);

    // During the back-off the right password gets no answer either: else guessing would go on unslowed.
    const during = await request(admin.url + '/api/serverinfo', { auth: GOOD });
    assert.equal(during.status, 429);
    // `burrow client status|reload` says what happened instead of a bare 429.
    const api = new ClientAdminApi({
      addr: '127.0.0.1',
      port: admin.address.port,
      user: 'admin',
      password: 'right-password',
      tls: { certFile: '', keyFile: '' },
      allowUnauthenticated: false,
    });
    await assert.rejects(
      api.status(),
      (err: unknown) => isBurrowError(err, ErrorCode.AUTH) && /too many failed logins \(429\)/.test(err.message),
    );
    // Public routes stay reachable.
    assert.equal((await request(admin.url + '/healthz')).status, 200);

    await sleep(Number(limited.headers['retry-after']) * 1000 + 100);
    assert.equal(
      (await request(admin.url + '/api/serverinfo', { auth: GOOD })).status,
      200,
      'after the back-off the right password works',
    );
    // A success starts the address afresh: the next wrong guess is an ordinary 401.
    assert.equal((await request(admin.url + '/api/serverinfo', { auth: 'admin:wrong' })).status, 401);
  });
});
