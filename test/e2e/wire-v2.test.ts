// e2e: wire v1 and v2 clients through one server at the same time, TLS and tcpMux on and off, with per-proxy encryption.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  scratchDir,
  sha256,
  startFileServer,
  writeFile,
} from './harness.js';

const FILE_SIZE = 16 * 1024 * 1024;
const TOKEN = 'v2-token';

const MODES = [
  { tls: true, tcpMux: true },
  { tls: true, tcpMux: false },
  { tls: false, tcpMux: true },
  { tls: false, tcpMux: false },
];

/** The per-proxy transport options each mode also runs with. */
const PROXY_OPTIONS = ['transport.useEncryption = true', 'transport.useCompression = true'];

describe('wire v1 and v2 side by side through the real CLI', () => {
  const payload = randomPayload(FILE_SIZE);
  let files: Awaited<ReturnType<typeof startFileServer>>;
  const dirs: string[] = [];

  before(async () => {
    files = await startFileServer(payload);
  });
  after(async () => {
    await killAll();
    await files.close();
    for (const dir of dirs) removeDir(dir);
  });

  for (const mode of MODES) {
    it(`moves 16 MiB through a v1 and a v2 client at once (tls=${mode.tls}, tcpMux=${mode.tcpMux})`, async () => {
      const dir = scratchDir();
      dirs.push(dir);
      const bindPort = await freePort();
      const server = new BurrowProcess([
        'server',
        '-c',
        writeFile(
          dir,
          'frps.toml',
          `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "${TOKEN}"\ntransport.tcpMux = ${mode.tcpMux}\nstateDir = "${dir}/state"\n`,
        ),
      ]);
      await server.waitFor(/burrow server listening/);

      const clients: { wire: string; port: number; proc: BurrowProcess }[] = [];
      for (const wire of ['v1', 'v2']) {
        const port = await freePort();
        const text = [
          'serverAddr = "127.0.0.1"',
          `serverPort = ${bindPort}`,
          `auth.token = "${TOKEN}"`,
          `transport.wireProtocol = "${wire}"`,
          `transport.tcpMux = ${mode.tcpMux}`,
          `transport.tls.enable = ${mode.tls}`,
          '',
          '[[proxies]]',
          `name = "files-${wire}"`,
          'type = "tcp"',
          `localPort = ${files.port}`,
          `remotePort = ${port}`,
          ...PROXY_OPTIONS,
          '',
        ].join('\n');
        const proc = new BurrowProcess(['client', '-c', writeFile(dir, `frpc-${wire}.toml`, text)]);
        clients.push({ wire, port, proc });
      }
      for (const c of clients) await c.proc.waitFor(/start proxy success/);
      const v2Login = await clients[1]!.proc.waitFor(/login to server success/);
      assert.match(v2Login, /"wire":"v2"/);
      assert.match(v2Login, /"controlCipher":"(aes-256-gcm|xchacha20-poly1305)"/);
      assert.match(
        await clients[0]!.proc.waitFor(/login to server success/),
        /"wire":"v1","controlCipher":"aes-128-cfb"/,
      );
      await server.waitForCount(/client login/, 2);
      assert.match(server.output, /"wire":"v2"/);

      const got = await Promise.all(clients.map((c) => download(c.port)));
      for (const data of got) {
        assert.equal(data.length, FILE_SIZE);
        assert.equal(sha256(data), sha256(payload));
      }
      if (!mode.tls && !mode.tcpMux) {
        // Bad v2 input on a raw connection: each is closed with a logged reason; the tunnels go on.
        const magic = Buffer.from('4652500002' + '0d0a', 'hex');
        const hello = (json: object): Buffer => {
          const payload = Buffer.from(JSON.stringify(json));
          const header = Buffer.alloc(8);
          header.writeUInt16BE(1, 0);
          header.writeUInt32BE(payload.length, 4);
          return Buffer.concat([header, payload]);
        };
        const noAlgorithm = hello({
          bootstrap: {},
          capabilities: {
            message: { codecs: ['json'] },
            crypto: { algorithms: [], clientRandom: Buffer.alloc(32).toString('base64') },
          },
        });
        const shortRandom = hello({
          bootstrap: {},
          capabilities: {
            message: { codecs: ['json'] },
            crypto: { algorithms: ['aes-256-gcm'], clientRandom: Buffer.alloc(16).toString('base64') },
          },
        });
        const badFlags = Buffer.from('0010000100000002' + '0001', 'hex');
        for (const bad of [
          Buffer.concat([magic, noAlgorithm]),
          Buffer.concat([magic, shortRandom]),
          Buffer.concat([magic, badFlags]),
        ]) {
          const answer = await sendRaw(bindPort, bad);
          assert.ok(answer.length >= 0);
        }
        await server.waitForCount(/bad first message/, 3);
        assert.match(server.output, /no supported crypto algorithm/);
        assert.match(server.output, /client random length 16, want 32/);
        assert.match(server.output, /unsupported frame flags 1, expected 0/);
        assert.equal(sha256(await download(clients[1]!.port)), sha256(payload));
      }
      for (const c of clients) await c.proc.kill();
      await server.kill();
    });
  }
});

/** Writes `bytes` on a fresh connection and collects the answer until the server closes it. */
function sendRaw(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('server did not close the bad connection'));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
