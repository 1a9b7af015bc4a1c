// e2e: webServer.pprofEnable through the real CLI: /debug/pprof/ profiles behind the admin credentials on server and client, absent without the key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminGet, type AdminAnswer } from './admin-get.js';
import { BurrowProcess, freePort, killAll, removeDir, scratchDir, writeFile } from './harness.js';

const AUTH = `Basic ${Buffer.from('admin:pprof-test').toString('base64')}`;

/** GET `path` from the admin API on 127.0.0.1:`port`, with credentials unless `auth` is false. */
function get(port: number, path: string, auth = true): Promise<AdminAnswer> {
  return adminGet(port, path, auth ? AUTH : undefined);
}

describe('webServer.pprofEnable through the real CLI', () => {
  const dir = scratchDir();
  let serverAdmin = 0;
  let clientAdmin = 0;
  let plainAdmin = 0;

  before(async () => {
    const bindPort = await freePort();
    serverAdmin = await freePort();
    clientAdmin = await freePort();
    plainAdmin = await freePort();
    const web = (port: number, pprof: boolean): string =>
      `webServer.port = ${port}\nwebServer.user = "admin"\nwebServer.password = "pprof-test"\n${pprof ? 'webServer.pprofEnable = true\n' : ''}`;
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n${web(serverAdmin, true)}`,
      ),
    ]);
    await server.waitFor(/burrow server admin API on/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc.toml',
        `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n${web(clientAdmin, true)}`,
      ),
    ]);
    await client.waitFor(/burrow client admin API on/);
    const plain = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'plain.toml',
        `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n${web(plainAdmin, false)}`,
      ),
    ]);
    await plain.waitFor(/burrow client admin API on/);
  });

  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it('the index, a one-second CPU profile and the heap profile, on server and client', async () => {
    for (const port of [serverAdmin, clientAdmin]) {
      const index = await get(port, '/debug/pprof/');
      assert.equal(index.status, 200);
      assert.match(index.body, /\/debug\/pprof\/profile\?seconds=N/);
      const cpu = await get(port, '/debug/pprof/profile?seconds=1');
      assert.equal(cpu.status, 200, cpu.body);
      assert.match(String(cpu.headers['content-disposition']), /burrow\.cpuprofile/);
      const profile = JSON.parse(cpu.body) as { nodes: unknown[]; startTime: number; endTime: number };
      assert.ok(profile.nodes.length > 0 && profile.endTime > profile.startTime);
      const heap = await get(port, '/debug/pprof/heap');
      assert.equal(heap.status, 200);
      assert.ok(Array.isArray((JSON.parse(heap.body) as { head: { children: unknown[] } }).head.children));
      assert.equal((await get(port, '/debug/pprof/profile?seconds=600')).status, 400);
      assert.equal((await get(port, '/debug/pprof/goroutine')).status, 404);
    }
  });

  it('credentials are required, and without the key there is no /debug/pprof/', async () => {
    assert.equal((await get(serverAdmin, '/debug/pprof/heap', false)).status, 401);
    assert.equal((await get(plainAdmin, '/debug/pprof/')).status, 404);
    assert.equal((await get(plainAdmin, '/debug/pprof/heap')).status, 404);
  });
});
