// e2e: webServer.assetsDir through the real CLI: the server's and the client's dashboards come from the folder (frp's /static/ layout), nothing outside it is served.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminGet, type AdminAnswer } from './admin-get.js';
import { BurrowProcess, freePort, killAll, removeDir, runCli, scratchDir, writeFile } from './harness.js';

const USER = 'admin';
const PASSWORD = 'assets-test';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const INDEX = '<!DOCTYPE html><title>custom dashboard</title><script src="app.js"></script>\n';

/** GET `path` from the admin API on 127.0.0.1:`port`, with credentials unless `auth` is false. */
function get(port: number, path: string, auth = true): Promise<AdminAnswer> {
  return adminGet(port, path, auth ? AUTH : undefined);
}

describe('webServer.assetsDir through the real CLI', () => {
  const dir = scratchDir();
  let serverAdmin = 0;
  let clientAdmin = 0;

  before(async () => {
    const assets = join(dir, 'assets');
    mkdirSync(join(assets, 'img'), { recursive: true });
    writeFileSync(join(assets, 'index.html'), INDEX);
    writeFileSync(join(assets, 'app.js'), 'console.log("custom");\n');
    writeFileSync(join(assets, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    writeFileSync(join(assets, 'img', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]));
    writeFileSync(join(dir, 'secret.txt'), 'outside the folder');
    symlinkSync(join(dir, 'secret.txt'), join(assets, 'link.txt'));
    const bindPort = await freePort();
    serverAdmin = await freePort();
    const web = (port: number): string =>
      `webServer.port = ${port}\nwebServer.user = "${USER}"\nwebServer.password = "${PASSWORD}"\nwebServer.assetsDir = ${JSON.stringify(assets)}\n`;
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n${web(serverAdmin)}`,
      ),
    ]);
    await server.waitFor(/burrow server admin API on/);
    clientAdmin = await freePort();
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc.toml',
        `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n${web(clientAdmin)}`,
      ),
    ]);
    await client.waitFor(/burrow client admin API on/);
  });

  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it("/ redirects to /static/, which is the folder's index.html; files keep their bytes and types", async () => {
    for (const port of [serverAdmin, clientAdmin]) {
      const root = await get(port, '/');
      assert.equal(root.status, 301);
      assert.equal(root.headers.location, '/static/');
      const index = await get(port, '/static/');
      assert.equal(index.status, 200);
      assert.equal(index.body, INDEX);
      assert.match(String(index.headers['content-type']), /^text\/html/);
      assert.match(String(index.headers['content-security-policy']), /script-src 'self'/);
      const js = await get(port, '/static/app.js');
      assert.equal(js.body, 'console.log("custom");\n');
      assert.match(String(js.headers['content-type']), /^text\/javascript/);
      const png = await get(port, '/static/img/logo.png');
      assert.equal(png.status, 200);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.equal(png.headers['content-length'], '6');
      assert.equal((await get(port, '/favicon.ico')).status, 200);
      // The API is still there, and the built-in page is not.
      assert.equal((await get(port, '/static/server.js')).status, 404);
      assert.equal((await get(port, '/healthz', false)).status, 200);
    }
  });

  it('credentials are required, and nothing outside the folder is served', async () => {
    assert.equal((await get(serverAdmin, '/static/app.js', false)).status, 401);
    for (const path of [
      '/static/..%2fsecret.txt',
      '/static/%2e%2e%2fsecret.txt',
      '/static/..%5csecret.txt',
      '/static/a%00b',
    ])
      assert.equal((await get(serverAdmin, path)).status, 400, path);
    for (const path of ['/static/../secret.txt', '/static/%2e%2e/secret.txt', '/static/link.txt', '/static/nope.js']) {
      const res = await get(serverAdmin, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /outside the folder/);
    }
  });

  it('a webServer.assetsDir that is not a folder stops the server with the key named', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const result = await runCli([
      'server',
      '-c',
      writeFile(
        bad,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${await freePort()}\nstateDir = "${bad}/state"\nwebServer.port = ${await freePort()}\nwebServer.assetsDir = "${bad}/missing"\n`,
      ),
    ]);
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /webServer\.assetsDir: ".*missing": ENOENT/);
  });
});
