// e2e: stcp proxies and visitors through the real CLI: right key moves 16 MiB intact (wrapping off and on, users and
// allowUsers), wrong key refused with frp's reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  sha256,
  startFileServer,
  type BurrowProcess,
} from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** The payload every download fetches. */
const FILE_SIZE = 16 * 1024 * 1024;

function visitor(
  name: string,
  serverName: string,
  secretKey: string,
  bindPort: number,
  extra: string[] = [],
): string[] {
  return [
    '[[visitors]]',
    `name = "${name}"`,
    'type = "stcp"',
    `serverName = "${serverName}"`,
    `secretKey = "${secretKey}"`,
    'bindAddr = "127.0.0.1"',
    `bindPort = ${bindPort}`,
    ...extra,
    '',
  ];
}

describe('stcp proxies and visitors through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);
  const dirs: string[] = [];
  let files: Awaited<ReturnType<typeof startFileServer>>;
  const ports = { plain: 0, wrapped: 0, user: 0, wrong: 0 };
  let wrongClient: BurrowProcess;

  before(async () => {
    files = await startFileServer(payload);
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    await startServer(dir, serverToml(bindPort, dir));
    const stcp = (name: string, key: string, extra: string[] = []): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "stcp"',
      `secretKey = "${key}"`,
      `localPort = ${files.port}`,
      ...extra,
      '',
    ];
    await startClient(
      dir,
      clientToml(bindPort, [
        ...stcp('vault', 'right-key'),
        ...stcp('vault-wrapped', 'other-key', ['transport.useEncryption = true', 'transport.useCompression = true']),
      ]),
      2,
      'owner.toml',
    );
    await startClient(
      dir,
      clientToml(bindPort, [...stcp('db', 'alice-key', ['allowUsers = ["bob"]'])], ['user = "alice"']),
      1,
      'alice.toml',
    );
    await startClient(
      dir,
      clientToml(bindPort, [
        ...visitor('to-vault', 'vault', 'right-key', ports.plain),
        ...visitor('to-vault-wrapped', 'vault-wrapped', 'other-key', ports.wrapped, [
          'transport.useEncryption = true',
          'transport.useCompression = true',
        ]),
      ]),
      0,
      'visitor.toml',
    );
    await startClient(
      dir,
      clientToml(
        bindPort,
        [...visitor('to-db', 'db', 'alice-key', ports.user, ['serverUser = "alice"'])],
        ['user = "bob"'],
      ),
      0,
      'bob.toml',
    );
    wrongClient = await startClient(
      dir,
      clientToml(bindPort, [...visitor('to-vault-bad', 'vault', 'wrong-key', ports.wrong)]),
      0,
      'wrong.toml',
    );
    await wrongClient.waitFor(/visitor listening/);
  });

  after(async () => {
    await killAll();
    await files.close();
    for (const dir of dirs) removeDir(dir);
  });

  it('a visitor with the right key downloads 16 MiB intact, encryption+compression off and on', async () => {
    for (const port of [ports.plain, ports.wrapped]) {
      const got = await download(port);
      assert.equal(got.length, FILE_SIZE);
      assert.equal(sha256(got), payloadHash);
    }
  });

  it('serverUser and allowUsers let user bob reach alice.db', async () => {
    const got = await download(ports.user);
    assert.equal(sha256(got), payloadHash);
  });

  it('a visitor with the wrong key is refused: its connection closes and the reason is logged', async () => {
    const got = await download(ports.wrong);
    assert.equal(got.length, 0);
    const line = await wrongClient.waitFor(/visitor connection failed/);
    assert.match(line, /visitor connection of \[vault\] auth failed/);
  });
});
