// e2e: transport.proxyURL through the real CLI and real proxies: squid and tinyproxy (HTTP CONNECT with basic auth), dante and microsocks (SOCKS5); tcp, websocket and wss with TLS; 1 MiB intact; refusals named.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  BurrowProcess,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  startEchoServer,
  writeFile,
} from './harness.js';
import { clientToml, serverToml, setup, startServer } from './proxy-helpers.js';
import { missing, startDante, startMicrosocks, startSquid, startTinyproxy, type ProxyServer } from './proxy-servers.js';

/** Bytes sent through each tunnel and echoed back. */
const PAYLOAD_BYTES = 1024 * 1024;
const USER = 'alice';
const PASSWORD = 'proxy-pw-not-in-logs';

describe('client dials the server through a proxy (transport.proxyURL)', () => {
  const dirs: string[] = [];
  const proxies: ProxyServer[] = [];
  let echo: Awaited<ReturnType<typeof startEchoServer>> | undefined;

  after(async () => {
    await killAll();
    for (const p of proxies) await p.close();
    await echo?.close();
    for (const d of dirs) removeDir(d);
  });

  /** A server, and a client with `extra` lines; resolves with the client once its tcp proxy runs, and the proxy's remote port. */
  async function tunnel(
    extra: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ client: BurrowProcess; remotePort: number; bindPort: number }> {
    echo ??= await startEchoServer();
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    await startServer(dir, serverToml(bindPort, dir));
    const remotePort = await freePort();
    const body = [
      '[[proxies]]',
      'name = "echo"',
      'type = "tcp"',
      `localPort = ${echo.port}`,
      `remotePort = ${remotePort}`,
    ];
    const client = new BurrowProcess(
      ['client', '-c', writeFile(dir, 'frpc.toml', clientToml(bindPort, body, extra))],
      env,
    );
    return { client, remotePort, bindPort };
  }

  /** Waits for the proxy to run, then sends 1 MiB through it and checks every byte came back. */
  async function carries(client: BurrowProcess, remotePort: number): Promise<void> {
    await client.waitFor(/start proxy success"/);
    const payload = randomPayload(PAYLOAD_BYTES);
    const back = await roundTrip(remotePort, payload);
    assert.equal(back.length, payload.length);
    assert.ok(back.equals(payload), '1 MiB came back intact');
  }

  /** Waits for a client whose first login fails to exit, and returns its output. */
  async function refused(client: BurrowProcess): Promise<string> {
    const code = await client.exited;
    assert.notEqual(code, 0, `the client exits on the failed first login:\n${client.output}`);
    assert.doesNotMatch(client.output, new RegExp(PASSWORD), 'the proxy password is never printed');
    return client.output;
  }

  async function proxyDir(): Promise<string> {
    const { dir } = await setup();
    dirs.push(dir);
    return dir;
  }

  it(
    'squid (CONNECT, basic auth): tcp transport with TLS, 1 MiB intact; squid logged the CONNECT',
    { skip: missing('squid', 'htpasswd') },
    async () => {
      const squid = await startSquid(await proxyDir(), USER, PASSWORD);
      proxies.push(squid);
      const { client, remotePort, bindPort } = await tunnel([
        `transport.proxyURL = "http://${USER}:${PASSWORD}@127.0.0.1:${squid.port}"`,
        'transport.tls.enable = true',
      ]);
      await carries(client, remotePort);
      await client.kill();
      // squid writes a tunnel's access line when it closes.
      const deadline = Date.now() + 10_000;
      while (!squid.log().includes(`CONNECT 127.0.0.1:${bindPort}`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(squid.log(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${bindPort}`));
    },
  );

  it(
    'squid refuses a wrong password: the client says 407 and names the proxy without the password',
    { skip: missing('squid', 'htpasswd') },
    async () => {
      const squid = await startSquid(await proxyDir(), USER, 'the-right-one');
      proxies.push(squid);
      const { client } = await tunnel([`transport.proxyURL = "http://${USER}:${PASSWORD}@127.0.0.1:${squid.port}"`]);
      const output = await refused(client);
      assert.match(output, new RegExp(`proxy http://127\\.0\\.0\\.1:${squid.port} refused CONNECT: 407`));
      assert.match(output, /credentials in the proxy URL were refused/);
    },
  );

  it(
    'tinyproxy (CONNECT, basic auth): websocket transport with TLS inside, 1 MiB intact; a wrong password is refused',
    { skip: missing('tinyproxy') },
    async () => {
      const tiny = await startTinyproxy(await proxyDir(), USER, PASSWORD);
      proxies.push(tiny);
      const { client, remotePort, bindPort } = await tunnel([
        `transport.proxyURL = "http://${USER}:${PASSWORD}@127.0.0.1:${tiny.port}"`,
        'transport.protocol = "websocket"',
        'transport.tls.enable = true',
      ]);
      await carries(client, remotePort);
      assert.match(tiny.log(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${bindPort}`));
      await client.kill();
      const wrong = await tunnel([`transport.proxyURL = "http://${USER}:wrong-${PASSWORD}@127.0.0.1:${tiny.port}"`]);
      // tinyproxy answers a bad CONNECT login with 401 rather than 407; both read as refused credentials.
      assert.match(await refused(wrong.client), /refused CONNECT: 40[17] .*credentials in the proxy URL were refused/);
    },
  );

  it(
    'dante (SOCKS5): wss transport, 1 MiB intact; dante logged the connection',
    { skip: missing('danted') },
    async () => {
      const dante = await startDante(await proxyDir());
      proxies.push(dante);
      const { client, remotePort, bindPort } = await tunnel([
        `transport.proxyURL = "socks5://127.0.0.1:${dante.port}"`,
        'transport.protocol = "wss"',
      ]);
      await carries(client, remotePort);
      assert.match(dante.log(), new RegExp(`127\\.0\\.0\\.1\\.${bindPort}`));
    },
  );

  it(
    'microsocks (SOCKS5 username/password): tcp transport with TLS, 1 MiB intact; a wrong password is "SOCKS auth failed"',
    { skip: missing('microsocks') },
    async () => {
      const socks = await startMicrosocks(USER, PASSWORD);
      proxies.push(socks);
      const { client, remotePort } = await tunnel([
        `transport.proxyURL = "socks5://${USER}:${PASSWORD}@127.0.0.1:${socks.port}"`,
        'transport.tls.enable = true',
      ]);
      await carries(client, remotePort);
      await client.kill();
      const wrong = await tunnel([`transport.proxyURL = "socks5://${USER}:wrong-${PASSWORD}@127.0.0.1:${socks.port}"`]);
      const output = await refused(wrong.client);
      assert.match(
        output,
        new RegExp(
          `proxy socks5://127\\.0\\.0\\.1:${socks.port} refused the SOCKS5 username/password \\(SOCKS auth failed`,
        ),
      );
      const none = await tunnel([`transport.proxyURL = "socks5://127.0.0.1:${socks.port}"`]);
      assert.match(await refused(none.client), /accepts none of the offered SOCKS5 methods/);
    },
  );

  it("without transport.proxyURL, $http_proxy is the proxy (frp's default)", { skip: missing('danted') }, async () => {
    const dante = await startDante(await proxyDir());
    proxies.push(dante);
    const { client, remotePort, bindPort } = await tunnel([], { http_proxy: `socks5://127.0.0.1:${dante.port}` });
    await carries(client, remotePort);
    assert.match(dante.log(), new RegExp(`127\\.0\\.0\\.1\\.${bindPort}`));
  });

  it('an unreachable proxy is named as such', async () => {
    const closed = await freePort();
    const { client } = await tunnel([`transport.proxyURL = "http://${USER}:${PASSWORD}@127.0.0.1:${closed}"`]);
    assert.match(
      await refused(client),
      new RegExp(`proxy http://127\\.0\\.0\\.1:${closed} unreachable: .*ECONNREFUSED`),
    );
  });
});
