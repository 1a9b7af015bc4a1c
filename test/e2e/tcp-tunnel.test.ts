// e2e: the real CLI carries tcp proxies intact over TLS and plain, tcpMux on and off, and survives a server restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  scratchDir,
  sha256,
  startEchoServer,
  startFileServer,
  writeFile,
} from './harness.js';

/** The file every download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;
/** Parallel downloads per mode. */
const CONCURRENT_DOWNLOADS = 50;
/** Size of the echo round trip (upload and back). */
const ECHO_SIZE = 4 * 1024 * 1024;

const TOKEN = 'e2e-token';

interface Mode {
  tls: boolean;
  tcpMux: boolean;
}

const MODES: Mode[] = [
  { tls: true, tcpMux: true },
  { tls: true, tcpMux: false },
  { tls: false, tcpMux: true },
  { tls: false, tcpMux: false },
];

function serverToml(port: number, dir: string, mode: Mode): string {
  return [
    'bindAddr = "127.0.0.1"',
    `bindPort = ${port}`,
    `auth.token = "${TOKEN}"`,
    `transport.tcpMux = ${mode.tcpMux}`,
    `stateDir = "${dir}/state"`,
    '',
  ].join('\n');
}

function clientToml(
  serverPort: number,
  mode: Mode,
  proxies: { name: string; localPort: number; remotePort: number }[],
  token = TOKEN,
): string {
  const lines = [
    'serverAddr = "127.0.0.1"',
    `serverPort = ${serverPort}`,
    `auth.token = "${token}"`,
    `transport.tcpMux = ${mode.tcpMux}`,
    `transport.tls.enable = ${mode.tls}`,
    'transport.poolCount = 2',
    '',
  ];
  for (const proxy of proxies) {
    lines.push(
      '[[proxies]]',
      `name = "${proxy.name}"`,
      'type = "tcp"',
      'localIP = "127.0.0.1"',
      `localPort = ${proxy.localPort}`,
      `remotePort = ${proxy.remotePort}`,
      '',
    );
  }
  return lines.join('\n');
}

describe('tcp tunnel through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const dirs: string[] = [];

  before(async () => {
    files = await startFileServer(payload);
    echo = await startEchoServer();
  });

  after(async () => {
    await killAll();
    await files.close();
    await echo.close();
    for (const dir of dirs) removeDir(dir);
  });

  for (const mode of MODES) {
    it(`carries a 16 MiB file, ${CONCURRENT_DOWNLOADS} concurrent downloads and an echo (tls=${mode.tls}, tcpMux=${mode.tcpMux})`, async () => {
      const dir = scratchDir();
      dirs.push(dir);
      const [bindPort, filesPort, echoPort] = [await freePort(), await freePort(), await freePort()];
      const server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps.toml', serverToml(bindPort, dir, mode))]);
      await server.waitFor(/burrow server listening/);
      const client = new BurrowProcess([
        'client',
        '-c',
        writeFile(
          dir,
          'frpc.toml',
          clientToml(bindPort, mode, [
            { name: 'files', localPort: files.port, remotePort: filesPort },
            { name: 'echo', localPort: echo.port, remotePort: echoPort },
          ]),
        ),
      ]);
      await client.waitForCount(/start proxy success/, 2);
      if (mode.tls) assert.match(client.output, /"tls":true/, 'client reports a TLS session');
      else assert.match(client.output, /"tls":false/, 'client reports a plain session');

      const single = await download(filesPort);
      assert.equal(single.length, FILE_SIZE);
      assert.equal(sha256(single), payloadHash);

      const many = await Promise.all(Array.from({ length: CONCURRENT_DOWNLOADS }, () => download(filesPort)));
      for (const got of many) {
        assert.equal(got.length, FILE_SIZE);
        assert.equal(sha256(got), payloadHash);
      }

      const upload = randomPayload(ECHO_SIZE);
      const back = await roundTrip(echoPort, upload);
      assert.equal(back.length, ECHO_SIZE);
      assert.equal(sha256(back), sha256(upload));

      await client.kill();
      await server.kill();
    });
  }

  it('re-registers its proxies after the server is killed and started again', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const mode = { tls: true, tcpMux: true };
    const [bindPort, filesPort] = [await freePort(), await freePort()];
    const serverConfig = writeFile(dir, 'frps.toml', serverToml(bindPort, dir, mode));
    const first = new BurrowProcess(['server', '-c', serverConfig]);
    await first.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc.toml',
        clientToml(bindPort, mode, [{ name: 'files', localPort: files.port, remotePort: filesPort }]),
      ),
    ]);
    await client.waitForCount(/start proxy success/, 1);
    assert.equal(sha256(await download(filesPort)), payloadHash);

    await first.kill('SIGKILL');
    await client.waitFor(/session to server lost/);
    const second = new BurrowProcess(['server', '-c', serverConfig]);
    await second.waitFor(/burrow server listening/);
    await client.waitForCount(/start proxy success/, 2);
    assert.equal(sha256(await download(filesPort)), payloadHash);
    // The restarted server kept its generated certificate: same fingerprint both times.
    const fingerprint = (p: BurrowProcess) => /fingerprint (sha256:[0-9a-f]+)/.exec(p.output)?.[1];
    assert.ok(fingerprint(first));
    assert.equal(fingerprint(second), fingerprint(first));
    await client.kill();
    await second.kill();
  });
});
