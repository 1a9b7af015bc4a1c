// e2e: the socks5 client plugin through the real CLI, driven by curl (--socks5-hostname, --socks5, IPv4, IPv6 and
// domain targets, --proxy-user right and wrong) and by raw RFC 1928 bytes for the reply codes curl never asks for.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir } from '../harness.js';
import { clientToml, serverToml, setup, startClient, startHttpOrigin, startServer } from '../proxy-helpers.js';
import { curl } from './curl.js';

const USER = 'bob';
const PASSWORD = 'socks-secret';
/** How long a raw exchange waits for its answer. */
const RAW_TIMEOUT_MS = 10_000;

/** Sends each message in turn, each after the previous answer's `sizes[i]` bytes came; resolves with all answers. */
function socksExchange(port: number, messages: Buffer[], sizes: number[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const answers: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const timer = setTimeout(
      () => socket.destroy(new Error(`answers so far ${answers.map((a) => a.toString('hex')).join(' ')}`)),
      RAW_TIMEOUT_MS,
    );
    const next = (): void => {
      const message = messages[answers.length];
      if (message === undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answers);
        return;
      }
      socket.write(message);
    };
    socket.on('connect', next);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const size = sizes[answers.length] ?? 0;
      if (pending.length >= size) {
        answers.push(pending.subarray(0, size));
        pending = pending.subarray(size);
        next();
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answers);
    });
    socket.on('error', reject);
  });
}

/** A request: VER CMD RSV ATYP=IPv4 127.0.0.1 port. */
function request(command: number, port: number, addressType = 0x01): Buffer {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([0x05, command, 0x00, addressType, 127, 0, 0, 1]), portBytes]);
}

describe('socks5 plugin through the real CLI', () => {
  let dir = '';
  let origin: Awaited<ReturnType<typeof startHttpOrigin>>;
  let origin6: http.Server;
  let origin6Port = 0;
  const ports = { open: 0, auth: 0, dead: 0 };
  const handler: http.RequestListener = (req, res) => res.end(`origin saw ${req.url ?? ''}`);

  before(async () => {
    const s = await setup();
    dir = s.dir;
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    origin = await startHttpOrigin(handler);
    origin6 = http.createServer(handler);
    await new Promise<void>((resolve) => origin6.listen(0, '::1', resolve));
    origin6Port = (origin6.address() as net.AddressInfo).port;
    await startServer(dir, serverToml(s.bindPort, dir));
    const proxy = (name: string, port: number, extra: string[] = []): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `remotePort = ${port}`,
      '[proxies.plugin]',
      'type = "socks5"',
      ...extra,
      '',
    ];
    await startClient(
      dir,
      clientToml(s.bindPort, [
        ...proxy('s-open', ports.open),
        ...proxy('s-auth', ports.auth, [`username = "${USER}"`, `password = "${PASSWORD}"`]),
      ]),
      2,
    );
  });

  after(async () => {
    await killAll();
    await origin.close();
    origin6.closeAllConnections();
    await new Promise<void>((resolve) => origin6.close(() => resolve()));
    removeDir(dir);
  });

  it('carries curl --socks5-hostname (domain), --socks5 (IPv4) and an IPv6 target to the origin', async () => {
    const socks = `127.0.0.1:${ports.open}`;
    const byName = await curl(['--socks5-hostname', socks, `http://localhost:${origin.port}/by-name`]);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.body, 'origin saw /by-name');
    const byV4 = await curl(['--socks5', socks, `http://127.0.0.1:${origin.port}/by-v4`]);
    assert.equal(byV4.body, 'origin saw /by-v4', byV4.stderr);
    const byV6 = await curl(['--socks5', socks, `http://[::1]:${origin6Port}/by-v6`]);
    assert.equal(byV6.body, 'origin saw /by-v6', byV6.stderr);
  });

  it('with username/password: the right --proxy-user passes; a wrong one or none is refused', async () => {
    const socks = `127.0.0.1:${ports.auth}`;
    const target = `http://127.0.0.1:${origin.port}/authed`;
    const ok = await curl(['--socks5-hostname', socks, '--proxy-user', `${USER}:${PASSWORD}`, target]);
    assert.equal(ok.body, 'origin saw /authed', ok.stderr);
    const wrong = await curl(['--socks5', socks, '--proxy-user', `${USER}:nope`, target]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /User was rejected by the SOCKS5 server/);
    // Without credentials curl offers only "no auth", which a password-protected proxy does not accept (0xFF).
    const none = await curl(['--socks5', socks, target]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /No authentication method was acceptable/);
    const [method, status] = await socksExchange(
      ports.auth,
      [Buffer.from([0x05, 0x01, 0x02]), Buffer.from([0x01, 3, ...Buffer.from(USER), 4, ...Buffer.from('nope')])],
      [2, 2],
    );
    assert.deepEqual([...method!], [0x05, 0x02]);
    assert.deepEqual([...status!], [0x01, 0x01], 'RFC 1929 failure status');
  });

  it('answers BIND and UDP ASSOCIATE with "command not supported", an unknown address type and a refused target with their codes', async () => {
    const greet = Buffer.from([0x05, 0x01, 0x00]);
    for (const command of [0x02, 0x03]) {
      const [method, reply] = await socksExchange(ports.open, [greet, request(command, origin.port)], [2, 10]);
      assert.deepEqual([...method!], [0x05, 0x00]);
      assert.equal(reply![1], 0x07, `command ${command}`);
    }
    const [, badType] = await socksExchange(ports.open, [greet, Buffer.from([0x05, 0x01, 0x00, 0x09])], [2, 10]);
    assert.equal(badType![1], 0x08, 'address type not supported');
    const [, refused] = await socksExchange(ports.open, [greet, request(0x01, ports.dead)], [2, 10]);
    assert.equal(refused![1], 0x05, 'connection refused');
    const [, succeeded] = await socksExchange(ports.open, [greet, request(0x01, origin.port)], [2, 10]);
    assert.deepEqual([...succeeded!.subarray(0, 4)], [0x05, 0x00, 0x00, 0x01], 'success with an IPv4 bound address');
  });
});
