// Interop: the real frpc from a legacy INI file (and from YAML) against a burrow server from the same format, and
// burrow's client from INI against the real frps from INI: the two read the formats alike, bytes arrive intact.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { download, freePort, randomPayload, sha256, startFileServer } from '../e2e/harness.js';
import {
  BURROW_CLI,
  FRP_DIR,
  FRP_SKIP,
  Peer,
  TOKEN,
  removeScratch,
  scratchDir,
  stopAll,
  withLogs,
  writeConfig,
} from './harness.js';

/** The blob each download fetches. */
const BLOB_SIZE = 4 * 1024 * 1024;

function frpsIni(bindPort: number): string {
  return [
    '[common]',
    'bind_addr = 127.0.0.1',
    `bind_port = ${bindPort}`,
    `token = ${TOKEN}`,
    'disable_log_color = true',
    '',
  ].join('\n');
}

/** One tcp proxy `files` and a range section `more` of one port (→ proxy more_0), as frp's INI writes them. */
function frpcIni(serverPort: number, localPort: number, remote: [number, number]): string {
  return [
    '[common]',
    'server_addr = 127.0.0.1',
    `server_port = ${serverPort}`,
    `token = ${TOKEN}`,
    'login_fail_exit = false',
    'disable_log_color = true',
    '',
    '[files]',
    'type = tcp',
    'local_ip = 127.0.0.1',
    `local_port = ${localPort}`,
    `remote_port = ${remote[0]}`,
    'use_compression = true',
    '',
    '[range:more]',
    'type = tcp',
    'local_ip = 127.0.0.1',
    `local_port = ${localPort}`,
    `remote_port = ${remote[1]}`,
    '',
  ].join('\n');
}

function burrowServer(dir: string, file: string): Peer {
  const args = [BURROW_CLI, 'server', '-c', file, '--state-dir', path.join(dir, 'state')];
  return new Peer(`burrow server ${path.basename(file)}`, process.execPath, args);
}

describe('interop: legacy INI and YAML config files', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const blobHash = sha256(blob);
  let origin: Awaited<ReturnType<typeof startFileServer>>;

  before(async () => {
    origin = await startFileServer(blob);
  });

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  async function fetchIntact(port: number): Promise<void> {
    const got = await download(port);
    assert.equal(got.length, BLOB_SIZE, `port ${port}`);
    assert.equal(sha256(got), blobHash, `port ${port}`);
  }

  it('the real frpc from frpc.ini against a burrow server from frps.ini', () =>
    withLogs(async () => {
      const dir = scratchDir();
      const [bindPort, a, b] = [await freePort(), await freePort(), await freePort()];
      const server = burrowServer(dir, writeConfig(dir, 'frps.ini', frpsIni(bindPort)));
      await server.waitFor(/burrow server listening/);
      const frpc = new Peer('frpc frpc.ini', path.join(FRP_DIR, 'frpc'), [
        '-c',
        writeConfig(dir, 'frpc.ini', frpcIni(bindPort, origin.port, [a, b])),
      ]);
      await Promise.all([
        frpc.waitFor(/\[files\] start proxy success/),
        frpc.waitFor(/\[more_0\] start proxy success/),
      ]);
      await fetchIntact(a);
      await fetchIntact(b);
    }));

  it('a burrow client from frpc.ini against the real frps from frps.ini', () =>
    withLogs(async () => {
      const dir = scratchDir();
      const [bindPort, a, b] = [await freePort(), await freePort(), await freePort()];
      const frps = new Peer('frps frps.ini', path.join(FRP_DIR, 'frps'), [
        '-c',
        writeConfig(dir, 'frps.ini', frpsIni(bindPort)),
      ]);
      await frps.waitFor(/frps started successfully/);
      const args = [BURROW_CLI, 'client', '-c', writeConfig(dir, 'frpc.ini', frpcIni(bindPort, origin.port, [a, b]))];
      const client = new Peer('burrow client frpc.ini', process.execPath, args);
      await Promise.all([
        client.waitFor(/"msg":"\[files\] start proxy success"/),
        client.waitFor(/"msg":"\[more_0\] start proxy success"/),
      ]);
      await fetchIntact(a);
      await fetchIntact(b);
    }));

  it('the real frpc from frpc.yaml against a burrow server from frps.yaml', () =>
    withLogs(async () => {
      const dir = scratchDir();
      const [bindPort, a] = [await freePort(), await freePort()];
      const serverYaml = ['bindAddr: 127.0.0.1', `bindPort: ${bindPort}`, 'auth:', `  token: ${TOKEN}`, ''].join('\n');
      const server = burrowServer(dir, writeConfig(dir, 'frps.yaml', serverYaml));
      await server.waitFor(/burrow server listening/);
      const clientYaml = [
        'serverAddr: 127.0.0.1',
        `serverPort: ${bindPort}`,
        `auth: { token: ${TOKEN} }`,
        'log: { disablePrintColor: true }',
        '.shared: &shared',
        '  type: tcp',
        '  localIP: 127.0.0.1',
        'proxies:',
        '  - <<: *shared',
        '    name: files',
        `    localPort: ${origin.port}`,
        `    remotePort: ${a}`,
        '',
      ].join('\n');
      const frpc = new Peer('frpc frpc.yaml', path.join(FRP_DIR, 'frpc'), [
        '-c',
        writeConfig(dir, 'frpc.yaml', clientYaml),
      ]);
      await frpc.waitFor(/\[files\] start proxy success/);
      await fetchIntact(a);
    }));
});
