// e2e: the server keys custom404Page and vhostHTTPTimeout through the real CLI: the file's page for an unknown Host, 504 for a slow service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, writeFile } from './harness.js';
import { clientToml, httpGet, serverToml, setup, startClient, startHttpOrigin, startServer } from './proxy-helpers.js';

/** The server's vhostHTTPTimeout in this test, in seconds (frp's default is 60). */
const VHOST_HTTP_TIMEOUT_S = 1;
/** The slow service answers after this: well past the vhost's timeout. */
const SLOW_ANSWER_MS = 4_000;
/** The custom page: text no built-in page has. */
const CUSTOM_PAGE = '<!DOCTYPE html>\n<html><body><h1>Nothing here (custom)</h1></body></html>\n';

describe('custom404Page and vhostHTTPTimeout through the real CLI', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let vhostPort = 0;
  let missingPagePort = 0;
  let serverOutput = (): string => '';

  before(async () => {
    const timers = new Set<NodeJS.Timeout>();
    const origin = await startHttpOrigin((req, res) => {
      if (req.url === '/slow') {
        const t = setTimeout(() => res.end('late'), SLOW_ANSWER_MS);
        timers.add(t);
        res.once('close', () => clearTimeout(t));
        return;
      }
      res.end('fast');
    });
    closers.push(async () => {
      for (const t of timers) clearTimeout(t);
      await origin.close();
    });
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const page = writeFile(dir, '404.html', CUSTOM_PAGE);
    vhostPort = await freePort();
    const server = await startServer(
      dir,
      serverToml(bindPort, dir, [
        `vhostHTTPPort = ${vhostPort}`,
        `vhostHTTPTimeout = ${VHOST_HTTP_TIMEOUT_S}`,
        `custom404Page = ${JSON.stringify(page)}`,
      ]),
    );
    serverOutput = () => server.output;
    const body = [
      '[[proxies]]',
      'name = "web"',
      'type = "http"',
      `localPort = ${origin.port}`,
      'customDomains = ["web.test"]',
    ];
    await startClient(dir, clientToml(bindPort, body), 1);

    // A second server whose custom404Page names no file: a warning, and the built-in page (as frp).
    const other = await setup();
    dirs.push(other.dir);
    missingPagePort = await freePort();
    const missing = await startServer(
      other.dir,
      serverToml(other.bindPort, other.dir, [
        `vhostHTTPPort = ${missingPagePort}`,
        `custom404Page = ${JSON.stringify(`${other.dir}/no-such-page.html`)}`,
      ]),
    );
    await missing.waitFor(/custom404Page: cannot read the file; the built-in 404 page is used/);
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('an unknown Host gets the custom404Page file as its 404 page', async () => {
    const res = await httpGet(vhostPort, 'nobody.test');
    assert.equal(res.status, 404);
    assert.equal(res.body.toString('utf8'), CUSTOM_PAGE);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    // A known host is still served.
    const ok = await httpGet(vhostPort, 'web.test', '/fast');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString('utf8'), 'fast');
  });

  it('a service slower than vhostHTTPTimeout gets 504 after about that long', async () => {
    const started = Date.now();
    const res = await httpGet(vhostPort, 'web.test', '/slow');
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504, serverOutput());
    assert.ok(elapsed >= VHOST_HTTP_TIMEOUT_S * 1000 - 100, `504 after ${elapsed} ms, before the timeout`);
    assert.ok(elapsed < SLOW_ANSWER_MS - 500, `504 after ${elapsed} ms: the timeout did not apply`);
  });

  it('an unreadable custom404Page leaves the built-in 404 page', async () => {
    const res = await httpGet(missingPagePort, 'nobody.test');
    assert.equal(res.status, 404);
    assert.match(res.body.toString('utf8'), /no tunnel serves this host/);
  });
});
