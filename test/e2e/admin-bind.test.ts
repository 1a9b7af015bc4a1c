// e2e: an admin API on 0.0.0.0 without credentials is refused at start (CONFIG naming the keys) unless
// webServer.allowUnauthenticated = true; then only Host headers that are IP addresses are answered (DNS rebinding).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAdminServer } from '../../src/admin/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { fakeClientView, fakeServerView, request } from '../admin/fakes.js';
import { BurrowProcess, freePort, killAll, removeDir, runCli, scratchDir, writeFile } from './harness.js';

describe('admin API beyond loopback without credentials', () => {
  let dir: string;
  before(() => {
    dir = scratchDir();
  });
  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it('startAdminServer on 0.0.0.0 without user/password rejects with CONFIG naming webServer.allowUnauthenticated', async () => {
    for (const view of [fakeServerView(), fakeClientView()]) {
      await assert.rejects(
        startAdminServer({ addr: '0.0.0.0', port: 0, view }),
        (err: unknown) =>
          isBurrowError(err, ErrorCode.CONFIG) &&
          /webServer\.addr = "0\.0\.0\.0".*webServer\.allowUnauthenticated = true/.test(err.message),
      );
    }
  });

  it('`burrow server` with webServer.addr = "0.0.0.0" and no credentials refuses to start, saying which key to set', async () => {
    const [bindPort, webPort] = [await freePort(), await freePort()];
    const result = await runCli([
      'server',
      '-c',
      writeFile(
        dir,
        'open.toml',
        [
          'bindAddr = "127.0.0.1"',
          `bindPort = ${bindPort}`,
          'auth.token = "bind-test"',
          `stateDir = "${dir}/state"`,
          'webServer.addr = "0.0.0.0"',
          `webServer.port = ${webPort}`,
          '',
        ].join('\n'),
      ),
    ]);
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /webServer\.allowUnauthenticated = true/);
  });

  it('with allowUnauthenticated it starts; a Host that is an IP is answered, a domain name (rebinding) is refused', async () => {
    const admin = await startAdminServer({
      addr: '0.0.0.0',
      port: 0,
      allowUnauthenticated: true,
      view: fakeServerView(),
    });
    try {
      const url = `http://127.0.0.1:${admin.address.port}/api/serverinfo`;
      assert.equal((await request(url)).status, 200, 'Host 127.0.0.1');
      assert.equal(
        (await request(url, { headers: { Host: `10.1.2.3:${admin.address.port}` } })).status,
        200,
        'Host of a LAN address',
      );
      assert.equal(
        (await request(url, { headers: { Host: `[fd00::1]:${admin.address.port}` } })).status,
        200,
        'Host of an IPv6 address',
      );
      const rebound = await request(url, { headers: { Host: `attacker.example:${admin.address.port}` } });
      assert.equal(rebound.status, 403, 'a page of attacker.example rebound to this host is refused');
      assert.match(rebound.body, /not an IP address/);
    } finally {
      await admin.close();
    }
  });

  it('`burrow server` with allowUnauthenticated = true starts on 0.0.0.0 and applies the Host check', async () => {
    const [bindPort, webPort] = [await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'allowed.toml',
        [
          'bindAddr = "127.0.0.1"',
          `bindPort = ${bindPort}`,
          'auth.token = "bind-test"',
          `stateDir = "${dir}/state2"`,
          'webServer.addr = "0.0.0.0"',
          `webServer.port = ${webPort}`,
          'webServer.allowUnauthenticated = true',
          '',
        ].join('\n'),
      ),
    ]);
    await server.waitFor(/burrow server admin API on /);
    const url = `http://127.0.0.1:${webPort}/api/serverinfo`;
    assert.equal((await request(url)).status, 200);
    assert.equal((await request(url, { headers: { Host: 'attacker.example' } })).status, 403);
  });
});
