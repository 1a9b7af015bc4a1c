// e2e: the real CLI runs a server and a client from frp's legacy INI files and from YAML files, moving bytes through
// a tcp proxy; `burrow config convert` prints TOML that loads back to the same config; bad INI files are refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseClientConfig, parseServerConfig } from '../../src/config/index.js';
import {
  BurrowProcess,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  runCli,
  scratchDir,
  sha256,
  startEchoServer,
  writeFile,
} from './harness.js';

/** Bytes sent through each tunnel and back. */
const ECHO_SIZE = 1024 * 1024;
const TOKEN = 'legacy-e2e-token';

function frpsIni(port: number, dir: string): string {
  return [
    '# legacy frps.ini',
    '[common]',
    'bind_addr = 127.0.0.1',
    `bind_port = ${port}`,
    'token = {{ .Envs.E2E_TOKEN }}',
    'allow_ports = 1024-65535',
    '',
    // stateDir has no legacy key: the server takes --state-dir.
    `; state in ${dir}`,
    '',
  ].join('\n');
}

function frpcIni(serverPort: number, localPort: number, remotePorts: [number, number]): string {
  return [
    '[common]',
    'server_addr = 127.0.0.1',
    `server_port = ${serverPort}`,
    'token = {{ .Envs.E2E_TOKEN }}',
    'tls_enable = true',
    '',
    '[echo]',
    'type = tcp',
    'local_ip = 127.0.0.1',
    `local_port = ${localPort}`,
    `remote_port = ${remotePorts[0]}`,
    'use_encryption = false',
    '',
    '[range:more]',
    'local_ip = 127.0.0.1',
    `local_port = ${localPort}`,
    `remote_port = ${remotePorts[1]}`,
    '',
  ].join('\n');
}

describe('legacy INI and YAML configs through the real CLI', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const dirs: string[] = [];
  const env = { E2E_TOKEN: TOKEN };

  before(async () => {
    echo = await startEchoServer();
  });

  after(async () => {
    await killAll();
    await echo.close();
    for (const dir of dirs) removeDir(dir);
  });

  async function echoThrough(port: number): Promise<void> {
    const upload = randomPayload(ECHO_SIZE);
    const back = await roundTrip(port, upload);
    assert.equal(back.length, ECHO_SIZE);
    assert.equal(sha256(back), sha256(upload));
  }

  it('a server from frps.ini and a client from frpc.ini move bytes through tcp proxies (range ones too)', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const [bindPort, remoteA, remoteB] = [await freePort(), await freePort(), await freePort()];
    const frps = writeFile(dir, 'frps.ini', frpsIni(bindPort, dir));
    const frpc = writeFile(dir, 'frpc.ini', frpcIni(bindPort, echo.port, [remoteA, remoteB]));
    for (const [side, file] of [
      ['server', frps],
      ['client', frpc],
    ] as const) {
      const verify = await runCli([side, 'verify', '-c', file], env);
      assert.equal(verify.code, 0, verify.output);
      assert.match(verify.output, /syntax is ok/);
      assert.match(verify.output, /frp's legacy INI format; `burrow config convert .*` prints the TOML/);
    }
    const server = new BurrowProcess(['server', '-c', frps, '--state-dir', path.join(dir, 'state')], env);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess(['client', '-c', frpc], env);
    await client.waitForCount(/start proxy success/, 2);
    assert.match(client.output, /"tls":true/);
    await echoThrough(remoteA);
    await echoThrough(remoteB);
    await client.kill();
    await server.kill();
  });

  it('`burrow config convert` prints TOML that verifies and loads back to the same config', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const frps = writeFile(dir, 'frps.ini', frpsIni(7123, dir));
    const frpc = writeFile(dir, 'frpc.ini', frpcIni(7123, 9000, [6000, 6001]));
    for (const [file, name, parse] of [
      [frps, 'frps.toml', parseServerConfig],
      [frpc, 'frpc.toml', parseClientConfig],
    ] as const) {
      const converted = new BurrowProcess(['config', 'convert', file], env);
      const chunks: Buffer[] = [];
      converted.child.stdout!.on('data', (c: Buffer) => chunks.push(c));
      assert.equal(await converted.exited, 0, converted.output);
      const toml = Buffer.concat(chunks).toString('utf8');
      assert.doesNotMatch(toml, /legacy INI/, 'warnings go to stderr, not into the TOML');
      assert.ok(!toml.includes(TOKEN), 'the token from the environment stays a template');
      assert.match(toml, /token = "\{\{ \.Envs\.E2E_TOKEN \}\}"/);
      const out = path.join(dir, name);
      writeFileSync(out, toml);
      const verify = await runCli([name.startsWith('frps') ? 'server' : 'client', 'verify', '-c', out], env);
      assert.equal(verify.code, 0, verify.output);
      assert.doesNotMatch(verify.output, /warning/, verify.output);
      const { readFileSync } = await import('node:fs');
      const fromIni = (parse as typeof parseClientConfig)(readFileSync(file, 'utf8'), file, { env });
      const fromToml = (parse as typeof parseClientConfig)(toml, out, { env });
      assert.deepEqual(fromToml.config, fromIni.config);
    }
  });

  it('a server and a client from YAML files move bytes', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const [bindPort, remote] = [await freePort(), await freePort()];
    const frps = writeFile(
      dir,
      'frps.yaml',
      [
        'bindAddr: 127.0.0.1',
        `bindPort: ${bindPort}`,
        'auth:',
        '  token: "{{ .Envs.E2E_TOKEN }}"',
        `stateDir: ${dir}/state`,
        '',
      ].join('\n'),
    );
    const frpc = writeFile(
      dir,
      'frpc.yml',
      [
        'serverAddr: 127.0.0.1',
        `serverPort: ${bindPort}`,
        'auth: { token: "{{ .Envs.E2E_TOKEN }}" }',
        'proxies:',
        '  - name: echo',
        '    type: tcp',
        `    localPort: ${echo.port}`,
        `    remotePort: ${remote}`,
        '',
      ].join('\n'),
    );
    const server = new BurrowProcess(['server', '-c', frps], env);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess(['client', '-c', frpc], env);
    await client.waitFor(/start proxy success/);
    await echoThrough(remote);
    await client.kill();
    await server.kill();
  });

  it('a bad INI file is refused with exit 2: unknown key with a did-you-mean, bad value with file and key', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const typo = writeFile(dir, 'frpc.ini', '[common]\nserver_prot = 7000\n[ssh]\nlocal_port = 22\n');
    const r1 = await runCli(['client', 'verify', '-c', typo]);
    assert.equal(r1.code, 2, r1.output);
    assert.match(
      r1.output,
      /frpc\.ini: \[common\] server_prot: unknown key of frpc \[common\] \(did you mean "server_port"\?\)/,
    );
    const bad = writeFile(dir, 'frps.ini', '[common]\nbind_port = 99999\nmax_pool_count = lots\n');
    const r2 = await runCli(['server', 'verify', '-c', bad]);
    assert.equal(r2.code, 2, r2.output);
    assert.match(r2.output, /frps\.ini: \[common\] max_pool_count: line 3: expected integer, got "lots"/);
    const range = writeFile(dir, 'range.ini', '[common]\nbind_port = 99999\n');
    const r3 = await runCli(['server', 'verify', '-c', range]);
    assert.equal(r3.code, 2, r3.output);
    assert.match(r3.output, /range\.ini: \[common\] bind_port \(v1 bindPort\): expected integer 0-65535, got 99999/);
    const r4 = await runCli(['config', 'convert', typo]);
    assert.equal(r4.code, 2, r4.output);
  });
});
