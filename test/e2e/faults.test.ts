// e2e faults: a client killed with SIGKILL frees its ports at once for the next client.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { BurrowProcess, download, freePort, killAll, randomPayload, removeDir, scratchDir, sha256, startFileServer, writeFile } from './harness.js';

const dirs: string[] = [];
after(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

it('kill -9 the client: its remote port is free for a new client at once', async () => {
  const dir = scratchDir();
  dirs.push(dir);
  const payload = randomPayload(1024 * 1024);
  const files = await startFileServer(payload);
  const [bindPort, remotePort] = [await freePort(), await freePort()];
  const server = new BurrowProcess(['server', '-c', writeFile(dir, 'frps.toml', `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n`)]);
  await server.waitFor(/burrow server listening/);
  const clientConfig = writeFile(dir, 'frpc.toml', `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n[[proxies]]\nname = "files"\ntype = "tcp"\nlocalPort = ${files.port}\nremotePort = ${remotePort}\n`);

  const first = new BurrowProcess(['client', '-c', clientConfig]);
  await first.waitFor(/proxy started/);
  assert.equal(sha256(await download(remotePort)), sha256(payload));
  await first.kill('SIGKILL');
  await server.waitFor(/client session closed/);

  // A new client (new run_id) registers the same proxy name and port straight away.
  const second = new BurrowProcess(['client', '-c', clientConfig]);
  await second.waitFor(/proxy started/);
  assert.doesNotMatch(second.output, /proxy refused/);
  assert.equal(sha256(await download(remotePort)), sha256(payload));
  await second.kill();
  await server.kill();
  await files.close();
});
