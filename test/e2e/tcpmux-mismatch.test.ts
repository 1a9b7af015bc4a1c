// e2e: client and server with different transport.tcpMux each log one line naming the key and the side to change.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, runCli, scratchDir, writeFile } from './harness.js';

/** Lines of `output` that name the key to change. */
function hintLines(output: string): string[] {
  return output.split('\n').filter((line) => line.includes('transport.tcpMux'));
}

describe('transport.tcpMux mismatch through the real CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    await killAll();
    for (const dir of dirs) removeDir(dir);
  });

  for (const serverMux of [true, false]) {
    it(`server tcpMux = ${serverMux}, client tcpMux = ${!serverMux}: one hint line on each side, client exits 1`, async () => {
      const dir = scratchDir();
      dirs.push(dir);
      const bindPort = await freePort();
      const server = new BurrowProcess([
        'server',
        '-c',
        writeFile(
          dir,
          'frps.toml',
          `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\ntransport.tcpMux = ${serverMux}\nstateDir = "${dir}/state"\n`,
        ),
      ]);
      await server.waitFor(/burrow server listening/);
      if (serverMux) {
        // Garbage that is no frp message is closed without advice (it stays at debug): the one hint below is the client's.
        const junk = net.connect(bindPort, '127.0.0.1');
        junk.on('error', () => {});
        junk.resume(); // read the Go Away so the end (and close) arrives
        junk.write(Buffer.alloc(12, 0xff));
        await once(junk, 'close');
      }
      const client = await runCli([
        'client',
        '-c',
        writeFile(
          dir,
          'frpc.toml',
          `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\ntransport.tcpMux = ${!serverMux}\nloginFailExit = true\n`,
        ),
      ]);
      assert.equal(client.code, 1, client.output);
      const clientHints = hintLines(client.output);
      assert.equal(clientHints.length, 1, client.output);
      const clientAdvice = serverMux
        ? /server multiplexes with yamux.*set transport\.tcpMux = true here or false on the server/
        : /server does not multiplex.*set transport\.tcpMux = false here or true on the server/;
      assert.match(clientHints[0]!, clientAdvice);
      assert.doesNotMatch(client.output, /unknown message type byte/);

      const serverAdvice = serverMux
        ? /client does not multiplex.*this server has transport\.tcpMux = true/
        : /client multiplexes with yamux.*this server has transport\.tcpMux = false/;
      await server.waitFor(serverAdvice);
      await server.kill();
      const serverHints = hintLines(server.output);
      assert.equal(serverHints.length, 1, server.output);
      assert.match(serverHints[0]!, /127\.0\.0\.1:\d+/); // names the client's address
    });
  }

  it('a server that closes without answering (as frps does on a mismatch) gets the softer hint, once', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    // Reads the login, then closes without a word.
    const silent = net.createServer((sock) => sock.once('data', () => sock.destroy()));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const client = await runCli([
        'client',
        '-c',
        writeFile(
          dir,
          'frpc.toml',
          `serverAddr = "127.0.0.1"\nserverPort = ${port}\nauth.token = "t"\ntransport.tcpMux = false\ntransport.tls.enable = false\nloginFailExit = true\n`,
        ),
      ]);
      assert.equal(client.code, 1, client.output);
      const hints = hintLines(client.output);
      assert.equal(hints.length, 1, client.output);
      assert.match(
        hints[0]!,
        /if the server has transport\.tcpMux = true, set transport\.tcpMux the same on both sides \(it is false here\)/,
      );
    } finally {
      silent.close();
    }
  });
});
