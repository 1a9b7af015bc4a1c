// e2e: `burrow quickstart` brings up a mutual-TLS tunnel whose hello page reports the tunnel's TLS state.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { BurrowProcess, killAll, removeDir, runCli, scratchDir } from './harness.js';

/** GET a URL; resolves with the status and body. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const dir = scratchDir();
after(async () => {
  await killAll();
  removeDir(dir);
});

it('quickstart: the printed URL answers through the tunnel with its TLS state; Ctrl-C stops it cleanly', async () => {
  const qs = new BurrowProcess(['quickstart', '--dir', join(dir, 'qs')]);
  const line = await qs.waitFor(/open: +http:\/\/127\.0\.0\.1:\d+\//);
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)![0];
  const page = await get(url);
  assert.equal(page.status, 200);
  assert.match(page.body, /came to you through a mutual-TLS tunnel/);
  assert.match(page.body, /tunnel TLS version: +TLSv1\.[23]/);
  assert.match(page.body, /server certificate: +CN=127\.0\.0\.1/);
  assert.match(page.body, /client certificate: +CN=quickstart-client/);
  assert.match(qs.output, /burrow server -c .*frps\.toml/);
  assert.equal(statSync(join(dir, 'qs', 'client.key')).mode & 0o777, 0o600);
  assert.equal(await qs.kill('SIGINT'), 0, qs.output);
  assertReadable(qs.output);

  // The config files it printed are valid burrow (and frp) configs.
  for (const [side, file] of [
    ['server', 'frps.toml'],
    ['client', 'frpc.toml'],
  ] as const) {
    const check = await runCli([side, 'verify', '-c', join(dir, 'qs', file)]);
    assert.equal(check.code, 0, check.output);
  }
});

/**
 * What a person reads (stdout and stderr are pipes here, where burrow's logs default to JSON):
 * no JSON line, and no warning about the CRL of the quickstart's own CA (it used to print one).
 */
function assertReadable(output: string): void {
  for (const line of output.split('\n'))
    assert.ok(!line.trimStart().startsWith('{'), `a JSON line in the quickstart output:\n${output}`);
  assert.doesNotMatch(output, /crl/i, output);
}

it('quickstart again in the same directory: reuses the CA, writes a fresh CRL the server checks, and stays quiet', async () => {
  const qs = new BurrowProcess(['quickstart', '--dir', join(dir, 'qs'), '--log-level', 'info']);
  const line = await qs.waitFor(/open: +http:\/\/127\.0\.0\.1:\d+\//);
  const page = await get(/http:\/\/127\.0\.0\.1:\d+\//.exec(line)![0]);
  assert.equal(page.status, 200);
  assert.match(readFileSync(join(dir, 'qs', 'frps.toml'), 'utf8'), /^transport\.tls\.crlFile = ".*crl\.pem"$/m);
  assert.equal(await qs.kill('SIGINT'), 0, qs.output);
  // At info level the logs show, as readable lines: `YYYY-MM-DD HH:MM:SS.mmm [I] [server] …`.
  assert.match(qs.output, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[I\] \[(server|client)\] /m, qs.output);
  for (const l of qs.output.split('\n')) assert.ok(!l.trimStart().startsWith('{'), qs.output);
});
