// e2e: the static_file client plugin through the real CLI, driven by curl: files through a tcp proxy and an http
// vhost proxy, stripPrefix, ranges, listings, Basic auth, traversal refused (.., %2e%2e, symlinks out), a missing folder.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, runCli, sleep, writeFile } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from '../proxy-helpers.js';
import { curl } from './curl.js';

const USER = 'carol';
const PASSWORD = 'files-secret';
const HELLO = 'hello, static world\n';
/** How long to wait for the status of the broken proxy to show its error. */
const STATUS_TIMEOUT_MS = 20_000;

describe('static_file plugin through the real CLI', () => {
  let dir = '';
  let client: BurrowProcess;
  let configFile = '';
  let missingPath = '';
  const ports = { files: 0, auth: 0, plain: 0, missing: 0, vhost: 0, admin: 0 };

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const www = join(dir, 'www');
    mkdirSync(join(www, 'sub'), { recursive: true });
    mkdirSync(join(www, 'site'));
    writeFileSync(join(www, 'hello.txt'), HELLO);
    writeFileSync(join(www, 'sub', 'data.json'), '{"a":1}');
    writeFileSync(join(www, 'site', 'index.html'), '<h1>index</h1>');
    writeFileSync(join(www, 'a&b <c>.txt'), 'odd name');
    writeFileSync(join(dir, 'secret.txt'), 'outside the folder');
    symlinkSync(join(dir, 'secret.txt'), join(www, 'leak.txt'));
    symlinkSync(dir, join(www, 'up'));
    symlinkSync(join(www, 'hello.txt'), join(www, 'alias.txt'));
    missingPath = join(dir, 'no-such-folder');
    await startServer(dir, serverToml(s.bindPort, dir, [`vhostHTTPPort = ${ports.vhost}`]));
    const plugin = (extra: string[]): string[] => ['[proxies.plugin]', 'type = "static_file"', ...extra, ''];
    const tcp = (name: string, port: number, extra: string[]): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `remotePort = ${port}`,
      ...plugin(extra),
    ];
    const toml = clientToml(
      s.bindPort,
      [
        ...tcp('sf', ports.files, [`localPath = "${www}"`, 'stripPrefix = "static"']),
        ...tcp('sf-auth', ports.auth, [`localPath = "${www}"`, `httpUser = "${USER}"`, `httpPassword = "${PASSWORD}"`]),
        ...tcp('sf-plain', ports.plain, [`localPath = "${www}"`]),
        ...tcp('sf-missing', ports.missing, [`localPath = "${missingPath}"`]),
        '[[proxies]]',
        'name = "sf-web"',
        'type = "http"',
        'customDomains = ["files.example.com"]',
        ...plugin([`localPath = "${www}"`, 'stripPrefix = "static"']),
      ],
      [`webServer.port = ${ports.admin}`],
    );
    configFile = writeFile(dir, 'frpc.toml', toml);
    client = await startClient(dir, toml, 4);
  });

  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it('serves a file under the prefix with its type, length and ranges; outside the prefix is 404', async () => {
    const base = `http://127.0.0.1:${ports.files}`;
    const file = await curl([`${base}/static/hello.txt`]);
    assert.equal(file.status, 200, file.stderr);
    assert.equal(file.body, HELLO);
    assert.equal(file.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(file.headers['content-length'], String(HELLO.length));
    assert.equal(file.headers['accept-ranges'], 'bytes');
    const json = await curl([`${base}/static/sub/data.json`]);
    assert.deepEqual([json.status, json.body, json.headers['content-type']], [200, '{"a":1}', 'application/json']);
    const range = await curl(['-r', '7-12', `${base}/static/hello.txt`]);
    assert.deepEqual([range.status, range.body], [206, 'static']);
    assert.equal(range.headers['content-range'], `bytes 7-12/${HELLO.length}`);
    const tail = await curl(['-r', '-6', `${base}/static/hello.txt`]);
    assert.deepEqual([tail.status, tail.body], [206, 'world\n']);
    const past = await curl(['-r', '500-', `${base}/static/hello.txt`]);
    assert.equal(past.status, 416);
    // -I prints the head on stdout: no body follows it.
    const head = await curl(['-I', `${base}/static/hello.txt`]);
    assert.deepEqual([head.status, head.headers['content-length']], [200, String(HELLO.length)]);
    assert.doesNotMatch(head.body, /static world/);
    const since = await curl([
      '-H',
      `If-Modified-Since: ${file.headers['last-modified'] ?? ''}`,
      `${base}/static/hello.txt`,
    ]);
    assert.equal(since.status, 304);
    for (const path of ['/hello.txt', '/static', '/other/hello.txt', '/static/nothing.txt']) {
      assert.equal((await curl([`${base}${path}`])).status, 404, path);
    }
    assert.equal((await curl(['-X', 'POST', `${base}/static/hello.txt`])).status, 405);
  });

  it('lists a folder, redirects a folder without its slash, serves index.html for a folder that has one', async () => {
    const base = `http://127.0.0.1:${ports.files}`;
    const listing = await curl([`${base}/static/`]);
    assert.equal(listing.status, 200);
    assert.equal(listing.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(listing.body, /<a href="\.\/hello\.txt">hello\.txt<\/a>/);
    assert.match(listing.body, /<a href="\.\/sub\/">sub\/<\/a>/);
    assert.match(listing.body, /<a href="\.\/a%26b%20%3Cc%3E\.txt">a&amp;b &lt;c&gt;\.txt<\/a>/, 'names are escaped');
    const bare = await curl([`${base}/static/sub?x=1`]);
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, 'sub/?x=1');
    const followed = await curl(['-L', `${base}/static/sub`]);
    assert.match(followed.body, /data\.json/);
    const site = await curl([`${base}/static/site/`]);
    assert.deepEqual([site.status, site.body], [200, '<h1>index</h1>']);
    const index = await curl([`${base}/static/site/index.html`]);
    assert.deepEqual([index.status, index.headers.location], [301, './']);
  });

  it('never serves what lies outside localPath: "..", %2e%2e and symlinks pointing out are refused', async () => {
    for (const base of [`http://127.0.0.1:${ports.files}/static`, `http://127.0.0.1:${ports.plain}`]) {
      for (const path of [
        '/../secret.txt',
        '/%2e%2e/secret.txt',
        '/sub/%2E%2E/%2e%2e/secret.txt',
        '/sub/..%2f..%2fsecret.txt',
      ]) {
        const r = await curl(['--path-as-is', `${base}${path}`]);
        assert.equal(r.status, 403, `${base}${path}`);
        assert.doesNotMatch(r.body, /outside the folder/);
      }
      for (const path of ['/leak.txt', '/up/secret.txt', '/up/']) {
        const r = await curl([`${base}${path}`]);
        assert.equal(r.status, 404, `${base}${path}: a symlink out of the folder is as missing`);
        assert.doesNotMatch(r.body, /outside the folder/);
      }
      const inside = await curl([`${base}/alias.txt`]);
      assert.deepEqual([inside.status, inside.body], [200, HELLO], 'a symlink inside the folder is served');
    }
  });

  it('with httpUser/httpPassword: the right -u passes; none or a wrong one gets 401 with the Basic challenge', async () => {
    const url = `http://127.0.0.1:${ports.auth}/hello.txt`;
    const ok = await curl(['-u', `${USER}:${PASSWORD}`, url]);
    assert.deepEqual([ok.status, ok.body], [200, HELLO]);
    for (const creds of [[], ['-u', `${USER}:wrong`], ['-u', `nobody:${PASSWORD}`]]) {
      const denied = await curl([...creds, url]);
      assert.equal(denied.status, 401, creds.join(' '));
      assert.equal(denied.headers['www-authenticate'], 'Basic realm="Restricted"');
      assert.doesNotMatch(denied.body, /static world/);
    }
  });

  it('serves through an http vhost proxy (customDomains) with the prefix stripped', async () => {
    const resolve = ['--resolve', `files.example.com:${ports.vhost}:127.0.0.1`];
    const r = await curl([...resolve, `http://files.example.com:${ports.vhost}/static/hello.txt`]);
    assert.deepEqual([r.status, r.body], [200, HELLO], r.stderr);
    const listing = await curl([...resolve, `http://files.example.com:${ports.vhost}/static/sub/`]);
    assert.match(listing.body, /data\.json/);
  });

  it('a missing localPath fails that proxy only: logged, shown by `burrow client status`, the others keep serving', async () => {
    await client.waitFor(/"proxy":"sf-missing".*proxy plugin failed to start/);
    const deadline = Date.now() + STATUS_TIMEOUT_MS;
    let output = '';
    while (Date.now() < deadline) {
      output = (await runCli(['client', 'status', '-c', configFile])).output;
      if (/^sf-missing\s+tcp\s+start error\s+/m.test(output)) break;
      await sleep(200);
    }
    const line = output.split('\n').find((l) => l.startsWith('sf-missing')) ?? '';
    assert.match(line, /^sf-missing\s+tcp\s+start error\s+/, output);
    assert.ok(line.includes(missingPath) && /no such file or directory/.test(line), line);
    assert.match(output, /^sf\s+tcp\s+running\b/m);
    const still = await curl([`http://127.0.0.1:${ports.files}/static/hello.txt`]);
    assert.equal(still.body, HELLO);
  });
});
