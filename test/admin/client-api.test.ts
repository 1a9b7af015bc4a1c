// The client admin API: status, config read and write, reload, body limit, cross-site guard, HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from '../../src/admin/index.js';
import { MAX_BODY_BYTES } from '../../src/admin/constants.js';
import { generateSelfSignedServerCert } from '../../src/pki/self-signed.js';
import { fakeClientView, request } from './fakes.js';

const AUTH = 'ops:pw';

describe('client admin API', () => {
  let admin: AdminServer;
  let view: ReturnType<typeof fakeClientView>;

  before(async () => {
    view = fakeClientView();
    admin = await startAdminServer({ port: 0, user: 'ops', password: 'pw', view });
  });
  after(() => admin.close());

  it('GET /api/status groups proxies by type, sorted by name, with frp snake_case fields', async () => {
    const res = await request(admin.url + '/api/status', { auth: AUTH });
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body);
    assert.deepEqual(Object.keys(body).sort(), ['http', 'tcp']);
    assert.deepEqual(
      body.tcp.map((p: { name: string }) => p.name),
      ['api', 'ssh'],
    );
    assert.deepEqual(body.tcp[1], {
      name: 'ssh',
      type: 'tcp',
      status: 'running',
      err: '',
      local_addr: '127.0.0.1:22',
      plugin: '',
      remote_addr: 'example.com:6001',
    });
    assert.equal(body.http[0].err, 'router config conflict');
  });

  it('GET /api/config returns the text as is', async () => {
    const res = await request(admin.url + '/api/config', { auth: AUTH });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.body, 'serverAddr = "example.com"\n');
  });

  it('PUT /api/config stores the text', async () => {
    const text = 'serverAddr = "tunnel.example.com"\nserverPort = 7000\n';
    const res = await request(admin.url + '/api/config', { method: 'PUT', auth: AUTH, body: text });
    assert.equal(res.status, 200, res.body);
    assert.equal(view.text, text);
  });

  it("PUT /api/config refuses an empty body with frp's message", async () => {
    const res = await request(admin.url + '/api/config', { method: 'PUT', auth: AUTH, body: '' });
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { error: "body can't be empty" });
  });

  it("PUT /api/config answers 400 with the view's message for an invalid config", async () => {
    const before = view.text;
    const res = await request(admin.url + '/api/config', { method: 'PUT', auth: AUTH, body: 'invalid = [' });
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { error: 'frpc.toml: line 1: expected a key' });
    assert.equal(view.text, before);
  });

  it('PUT /api/config answers 413 for a body over the limit (declared or streamed)', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x61);
    const declared = await request(admin.url + '/api/config', { method: 'PUT', auth: AUTH, body: big });
    assert.equal(declared.status, 413);
    assert.match(JSON.parse(declared.body).error, /over the limit of 1048576 bytes/);
    assert.equal(declared.headers.connection, 'close');
    const chunked = await request(admin.url + '/api/config', {
      method: 'PUT',
      auth: AUTH,
      body: big,
      headers: { 'Transfer-Encoding': 'chunked' },
    });
    assert.equal(chunked.status, 413);
    assert.notEqual(view.text, big.toString());
  });

  it('PUT /api/config accepts a body exactly at the limit', async () => {
    const text = '#'.repeat(MAX_BODY_BYTES);
    const res = await request(admin.url + '/api/config', { method: 'PUT', auth: AUTH, body: text });
    assert.equal(res.status, 200);
    assert.equal(view.text.length, MAX_BODY_BYTES);
  });

  it('GET /api/reload applies and reports what changed', async () => {
    const reloads = view.reloads;
    const res = await request(admin.url + '/api/reload', { auth: AUTH });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { added: ['new'], removed: [], changed: ['ssh'] });
    assert.equal(view.reloads, reloads + 1);
  });

  it('refuses a cross-site reload or config write a browser labels with Sec-Fetch-Site', async () => {
    const reloads = view.reloads;
    const res = await request(admin.url + '/api/reload', { auth: AUTH, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(res.status, 403);
    assert.equal(view.reloads, reloads);
    const put = await request(admin.url + '/api/config', {
      method: 'PUT',
      auth: AUTH,
      body: 'x = 1',
      headers: { 'Sec-Fetch-Site': 'same-site' },
    });
    assert.equal(put.status, 403);
    const same = await request(admin.url + '/api/reload', { auth: AUTH, headers: { 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(same.status, 200);
  });

  it('every endpoint answers 401 without credentials and changes nothing', async () => {
    const reloads = view.reloads;
    const text = view.text;
    for (const [method, path] of [
      ['GET', '/api/status'],
      ['GET', '/api/config'],
      ['PUT', '/api/config'],
      ['GET', '/api/reload'],
      ['GET', '/'],
    ]) {
      const res = await request(admin.url + path, { method, body: method === 'PUT' ? 'a = 1' : undefined });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="burrow"');
    }
    assert.equal(view.reloads, reloads);
    assert.equal(view.text, text);
  });

  it('answers 405 for DELETE /api/config with both allowed methods', async () => {
    const res = await request(admin.url + '/api/config', { method: 'DELETE', auth: AUTH });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD, PUT');
  });

  it('serves the client page, not the server one, and no server API', async () => {
    const page = await request(admin.url + '/', { auth: AUTH });
    assert.match(page.body, /burrow · client dashboard/);
    assert.equal((await request(admin.url + '/static/client.js', { auth: AUTH })).status, 200);
    assert.equal((await request(admin.url + '/api/serverinfo', { auth: AUTH })).status, 404);
    assert.equal((await request(admin.url + '/static/server.js', { auth: AUTH })).status, 404);
  });
});

describe('client admin API errors', () => {
  it('answers 500 JSON when reload fails for a reason other than config', async () => {
    const view = fakeClientView();
    view.reload = async () => {
      throw new Error('control connection lost');
    };
    const admin = await startAdminServer({ port: 0, view });
    try {
      const res = await request(admin.url + '/api/reload');
      assert.equal(res.status, 500);
      assert.deepEqual(JSON.parse(res.body), { error: 'control connection lost' });
    } finally {
      await admin.close();
    }
  });
});

describe('admin API over HTTPS', () => {
  let dir: string;
  let admin: AdminServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'burrow-admin-tls-'));
    const pair = await generateSelfSignedServerCert({ commonName: 'admin test' });
    writeFileSync(join(dir, 'cert.pem'), pair.certPem);
    writeFileSync(join(dir, 'key.pem'), pair.keyPem, { mode: 0o600 });
    admin = await startAdminServer({
      port: 0,
      user: 'ops',
      password: 'pw',
      tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
      view: fakeClientView(),
    });
  });
  after(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over TLS with the same auth rules', async () => {
    assert.match(admin.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await request(admin.url + '/api/status')).status, 401);
    const res = await request(admin.url + '/api/status', { auth: AUTH });
    assert.equal(res.status, 200);
    assert.ok(JSON.parse(res.body).tcp);
  });
});
