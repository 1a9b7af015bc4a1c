// e2e: a wrong token is refused and the client exits 1; a bad config is refused by `verify` naming the key.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  removeDir,
  runCli,
  scratchDir,
  startFileServer,
  writeFile,
} from './harness.js';

describe('login, config and bad input through the real CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    await killAll();
    for (const dir of dirs) removeDir(dir);
  });

  it('refuses a wrong token: the client prints the reason and exits 1', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const bindPort = await freePort();
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "right"\nstateDir = "${dir}/state"\n`,
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    const result = await runCli([
      'client',
      '-c',
      writeFile(dir, 'frpc.toml', `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "wrong"\n`),
    ]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /login refused: token in login doesn't match token from configuration/);
    await server.kill();
  });

  it('server verify names the file, the key and the problem, and exits 2', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const bad = writeFile(dir, 'frps.toml', 'bindPort = "seven"\n');
    const result = await runCli(['server', 'verify', '-c', bad]);
    assert.equal(result.code, 2, result.output);
    assert.match(result.output, /frps\.toml: bindPort: expected integer, got "seven"/);

    const typo = writeFile(dir, 'frpc.toml', 'serverAddr = "127.0.0.1"\nserverPrt = 7000\n');
    const typoResult = await runCli(['client', 'verify', '-c', typo]);
    assert.equal(typoResult.code, 2, typoResult.output);
    assert.match(typoResult.output, /serverPrt: unknown key \(did you mean "serverPort"\?\)/);

    const good = writeFile(dir, 'ok.toml', 'bindPort = 7000\n');
    const goodResult = await runCli(['server', 'verify', '-c', good]);
    assert.equal(goodResult.code, 0, goodResult.output);
    assert.match(goodResult.output, /syntax is ok/);
  });

  it('prints the version and help, and refuses an unknown option with exit 2', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.output, /^\d+\.\d+\.\d+$/m);
    for (const args of [['--help'], ['server', '--help'], ['client', '--help'], ['server', 'verify', '--help']]) {
      const help = await runCli(args);
      assert.equal(help.code, 0, `${args.join(' ')}: ${help.output}`);
      assert.match(help.output, /Usage: burrow/);
    }
    const bad = await runCli(['server', '--no-such-flag']);
    assert.equal(bad.code, 2, bad.output);
    assert.match(bad.output, /unknown option '--no-such-flag'/);
  });

  it('closes a connection that sends garbage and keeps serving the tunnel', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const payload = Buffer.from('still here\n'.repeat(1000));
    const files = await startFileServer(payload);
    const [bindPort, remotePort] = [await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n`,
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc.toml',
        `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n[[proxies]]\nname = "f"\ntype = "tcp"\nlocalPort = ${files.port}\nremotePort = ${remotePort}\n`,
      ),
    ]);
    await client.waitFor(/start proxy success/);

    // Garbage: a plain connection whose "yamux header" has version 0x42, and an oversized v1 message.
    for (const garbage of [
      Buffer.from('42424242424242424242424242', 'hex'),
      Buffer.from('6f00000000000fffff7b7d7b7d', 'hex'),
    ]) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: bindPort }, () => socket.write(garbage));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    assert.deepEqual(await download(remotePort), payload);
    assert.equal(client.lines.filter((l) => /session to server lost/.test(l)).length, 0);
    await files.close();
    // SIGTERM is a graceful stop: both exit 0.
    assert.equal(await client.kill('SIGTERM'), 0, client.output);
    assert.equal(await server.kill('SIGTERM'), 0, server.output);
  });
});
