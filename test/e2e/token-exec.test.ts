// e2e: auth.tokenSource type "exec" through the real CLI: refused without --allow-unsafe=TokenSourceExec, a login with it, the token never printed.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, runCli, scratchDir, writeFile } from './harness.js';

/** The token the commands print; it must appear in no output. */
const TOKEN = 'exec-s3cret-7f1c';

/** An [auth.tokenSource] that runs node to print TOKEN (split in env and code, so the file alone does not hold it). */
function execSource(): string {
  return [
    '[auth.tokenSource]',
    'type = "exec"',
    `exec.command = ${JSON.stringify(process.execPath)}`,
    `exec.args = ["-e", "process.stdout.write(process.env.PART + '-7f1c\\\\n')"]`,
    'exec.env = [{ name = "PART", value = "exec-s3cret" }]',
    '',
  ].join('\n');
}

describe('auth.tokenSource exec through the real CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    await killAll();
    for (const dir of dirs) removeDir(dir);
  });

  it('without --allow-unsafe the server and the client refuse the file, naming the flag, exit 2', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const frps = writeFile(dir, 'frps.toml', `bindAddr = "127.0.0.1"\nbindPort = ${await freePort()}\n${execSource()}`);
    const server = await runCli(['server', '-c', frps]);
    assert.equal(server.code, 2, server.output);
    assert.match(server.output, /frps\.toml: auth\.tokenSource\.type: .*--allow-unsafe=TokenSourceExec/);
    const frpc = writeFile(dir, 'frpc.toml', `serverAddr = "127.0.0.1"\nserverPort = 1\n${execSource()}`);
    const verify = await runCli(['client', 'verify', '-c', frpc]);
    assert.equal(verify.code, 2, verify.output);
    assert.match(verify.output, /--allow-unsafe=TokenSourceExec/);
    const unknown = await runCli(['client', 'verify', '--allow-unsafe', 'Everything', '-c', frpc]);
    assert.equal(unknown.code, 2, unknown.output);
    assert.match(unknown.output, /unknown unsafe feature "Everything"; known: TokenSourceExec/);
  });

  it('with the flag both sides run the command and log in with its token, which no output shows', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const bindPort = await freePort();
    const frps = writeFile(
      dir,
      'frps.toml',
      `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nstateDir = "${dir}/state"\nlog.level = "debug"\n${execSource()}`,
    );
    const verify = await runCli(['server', 'verify', '--allow-unsafe=TokenSourceExec', '-c', frps]);
    assert.equal(verify.code, 0, verify.output);
    const server = new BurrowProcess(['server', '--allow-unsafe', 'TokenSourceExec', '-c', frps]);
    await server.waitFor(/burrow server listening/);
    const adminPort = await freePort();
    const frpc = writeFile(
      dir,
      'frpc.toml',
      `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nlog.level = "debug"\nwebServer.port = ${adminPort}\n${execSource()}`,
    );
    const client = new BurrowProcess(['client', '--allow-unsafe=TokenSourceExec', '-c', frpc]);
    await client.waitFor(/login to server success/);
    // `client reload` reads the file for the admin address, and the running client re-reads it: both run the command.
    const reloaded = await runCli(['client', 'reload', '--allow-unsafe', 'TokenSourceExec', '-c', frpc]);
    assert.equal(reloaded.code, 0, `${reloaded.output}\n${client.output}`);
    assert.match(reloaded.output, /reload success/);
    const refusedReload = await runCli(['client', 'reload', '-c', frpc]);
    assert.equal(refusedReload.code, 2, refusedReload.output);
    assert.match(refusedReload.output, /--allow-unsafe=TokenSourceExec/);
    // A client whose command prints another token is refused: the token really is the command's output.
    const other = writeFile(
      dir,
      'other.toml',
      `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\n${execSource().replace('exec-s3cret"', 'other"')}`,
    );
    const refused = await runCli(['client', '--allow-unsafe', 'TokenSourceExec', '-c', other]);
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /token in login doesn't match/);
    await client.kill();
    await server.kill();
    for (const output of [server.output, client.output, refused.output, verify.output, reloaded.output])
      assert.doesNotMatch(output, new RegExp(TOKEN));
  });
});
