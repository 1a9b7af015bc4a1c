// Reload applied to a live client in-process: a changed proxy is closed and registered again, unchanged ones stay, restart-only keys are reported, forwarded proxies are left alone, a config without a file reloads from memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BurrowClient, type ProxyStatus } from '../../src/client/index.js';
import { defaultServerConfig, parseClientConfig } from '../../src/config/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { BurrowServer } from '../../src/server/index.js';
import { freePort } from '../e2e/harness.js';

const TOKEN = 'reload-apply-token';
/** Longest wait for a proxy to reach a phase. */
const PHASE_TIMEOUT_MS = 10_000;

/** A TCP service on loopback that answers every connection with `reply` and closes. */
async function replyServer(reply: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.end(reply));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Everything 127.0.0.1:port sends before closing. */
function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Resolves when `name` has reached `phase` (checked now, then on each 'proxy' event). */
function phase(client: BurrowClient, name: string, wanted: ProxyStatus['phase']): Promise<void> {
  const now = client.proxyStatuses().find((s) => s.name === name);
  if (now?.phase === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ${wanted} within ${PHASE_TIMEOUT_MS} ms`)),
      PHASE_TIMEOUT_MS,
    );
    const onProxy = (s: ProxyStatus): void => {
      if (s.name !== name || s.phase !== wanted) return;
      clearTimeout(timer);
      client.off('proxy', onProxy);
      resolve();
    };
    client.on('proxy', onProxy);
  });
}

describe('reload on a live client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-reload-'));
  const cleanups: (() => Promise<void>)[] = [];
  let server: BurrowServer;
  let one: Awaited<ReturnType<typeof replyServer>>;
  let two: Awaited<ReturnType<typeof replyServer>>;

  before(async () => {
    one = await replyServer('one');
    two = await replyServer('two');
    const config = defaultServerConfig();
    config.bindAddr = '127.0.0.1';
    config.bindPort = await freePort();
    config.auth.token = TOKEN;
    config.transport.tls.force = false;
    config.stateDir = join(dir, 'state');
    server = new BurrowServer(config);
    await server.start();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await server.close();
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function clientText(proxies: [string, number, number][], extra = ''): string {
    const head = `serverAddr = "127.0.0.1"\nserverPort = ${server.address.port}\nauth.token = "${TOKEN}"\ntransport.tls.enable = false\n${extra}\n`;
    return (
      head +
      proxies
        .map(
          ([name, local, remote]) =>
            `[[proxies]]\nname = "${name}"\ntype = "tcp"\nlocalPort = ${local}\nremotePort = ${remote}\n`,
        )
        .join('\n')
    );
  }

  it('a changed proxy is closed and registered again with its new settings; an unchanged one is not touched', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const file = join(dir, 'frpc.toml');
    writeFileSync(
      file,
      clientText([
        ['a', one.port, portA],
        ['b', one.port, portB],
      ]),
    );
    const client = new BurrowClient(
      parseClientConfig(
        clientText([
          ['a', one.port, portA],
          ['b', one.port, portB],
        ]),
        file,
      ).config,
      { configFile: file },
    );
    cleanups.push(() => client.close());
    await client.start();
    await Promise.all([phase(client, 'a', 'running'), phase(client, 'b', 'running')]);
    assert.equal(await fetchText(portB), 'one');

    const events: ProxyStatus[] = [];
    client.on('proxy', (s: ProxyStatus) => events.push(s));
    // b's local service changes; so does the server-level user (only a restart applies it).
    writeFileSync(
      file,
      clientText(
        [
          ['a', one.port, portA],
          ['b', two.port, portB],
        ],
        'user = "someone"',
      ),
    );
    const result = await client.reload();
    assert.deepEqual([result.added, result.removed, result.changed], [[], [], ['b']]);
    assert.deepEqual(result.restartRequired, ['user']);
    await phase(client, 'b', 'running');
    assert.equal(await fetchText(portB), 'two', 'b re-registered on the same remote port with its new local service');
    assert.equal(await fetchText(portA), 'one');
    assert.deepEqual(
      events.filter((e) => e.name === 'a'),
      [],
      'a saw no state change',
    );
    assert.deepEqual(
      events
        .filter((e) => e.name === 'b')
        .map((e) => e.phase)
        .slice(0, 1),
      ['closed'],
    );
    assert.equal(client.config.proxies.find((p) => p.name === 'b')?.localPort, two.port);

    // An invalid file is refused and changes nothing.
    writeFileSync(file, 'serverPort = "not a number"\n');
    await assert.rejects(client.reload(), (err: unknown) => isBurrowError(err, ErrorCode.CONFIG));
    assert.equal(await fetchText(portB), 'two');
  });

  it('a forwarded proxy survives reloads, and a config proxy of the same name is refused', async () => {
    const text = clientText([]);
    const client = new BurrowClient(parseClientConfig(text, 'mem.toml').config, { configText: text });
    cleanups.push(() => client.close());
    await client.start();
    const remotePort = await freePort();
    const forward = await client.forward({ type: 'tcp', localPort: one.port, remotePort, name: 'fwd' });
    assert.equal(forward.url, `tcp://127.0.0.1:${remotePort}`);

    const empty = await client.reload();
    assert.deepEqual([empty.added, empty.removed, empty.changed], [[], [], []]);
    assert.equal(await fetchText(remotePort), 'one', 'the forwarded proxy was left alone');

    await client.view.putConfigText(clientText([['fwd', two.port, await freePort()]]));
    await assert.rejects(
      client.reload(),
      (err: unknown) => isBurrowError(err, ErrorCode.CONFIG) && /already forwarded/.test(err.message),
    );
    assert.equal(await fetchText(remotePort), 'one');
    await forward.close();
  });

  it('without a file, the config text is kept in memory: GET serves it, PUT replaces it (when valid), reload applies it', async () => {
    const text = clientText([]);
    const client = new BurrowClient(parseClientConfig(text, 'mem.toml').config, { configText: text });
    cleanups.push(() => client.close());
    await client.start();
    assert.equal(await client.view.configText(), text);
    await assert.rejects(client.view.putConfigText('[[proxies]]\nname = "x"\ntype = "nope"\n'), (err: unknown) =>
      isBurrowError(err, ErrorCode.CONFIG),
    );
    assert.equal(await client.view.configText(), text);

    const remotePort = await freePort();
    const next = clientText([['mem', two.port, remotePort]]);
    await client.view.putConfigText(next);
    assert.equal(await client.view.configText(), next);
    const result = await client.reload();
    assert.deepEqual(result.added, ['mem']);
    await phase(client, 'mem', 'running');
    assert.equal(await fetchText(remotePort), 'two');
    assert.deepEqual(
      client.view.status().map((s) => [s.name, s.status, s.plugin]),
      [['mem', 'running', '']],
    );
  });
});
