// e2e: log.format through the real CLI — JSON lines when output is piped ("auto"), readable lines with "text", JSON with "json".
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, scratchDir, startEchoServer, writeFile } from './harness.js';

/** `2026-12-03 19:17:25.123 [I] [client] [echo] start proxy success proxy=echo type=tcp …` */
const TEXT_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[[TDIWEF]\] \[(server|client)\] /;

/** The lines of an output that look like log lines (JSON or text), not the CLI's own banner lines. */
function logLines(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('{') || TEXT_LINE.test(line));
}

describe('log.format through the CLI', () => {
  const dir = scratchDir();
  let echo: { port: number; close: () => Promise<void> } | undefined;
  after(async () => {
    await killAll();
    await echo?.close();
    removeDir(dir);
  });

  it('text on the server, json and auto (a pipe: JSON) on two clients; secrets stay out either way', async () => {
    echo = await startEchoServer();
    const echoPort = echo.port;
    const bindPort = await freePort();
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "s3cret-tok"\nstateDir = "${dir}/state"\nlog.format = "text"\n`,
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    const clientToml = (format: string, name: string, port: number): string =>
      [
        'serverAddr = "127.0.0.1"',
        `serverPort = ${bindPort}`,
        'auth.token = "s3cret-tok"',
        'transport.tls.enable = true',
        format ? `log.format = "${format}"` : '',
        '[[proxies]]',
        `name = "${name}"`,
        'type = "tcp"',
        'localIP = "127.0.0.1"',
        `localPort = ${echoPort}`,
        `remotePort = ${port}`,
        '',
      ].join('\n');
    const json = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'json.toml', clientToml('json', 'as-json', await freePort())),
    ]);
    const auto = new BurrowProcess([
      'client',
      '-c',
      writeFile(dir, 'auto.toml', clientToml('', 'as-auto', await freePort())),
    ]);
    await json.waitFor(/start proxy success/);
    await auto.waitFor(/start proxy success/);
    await server.waitFor(/new proxy success.*as-auto|as-auto.*new proxy success/);

    for (const [name, proc] of [
      ['json', json],
      ['auto', auto],
    ] as const) {
      const lines = logLines(proc.output);
      assert.ok(lines.length > 0, `${name}: no log lines in:\n${proc.output}`);
      for (const line of lines) {
        const event = JSON.parse(line) as { msg?: string; role?: string };
        assert.equal(event.role, 'client', line);
      }
      assert.ok(
        lines.some((line) => (JSON.parse(line) as { msg?: string }).msg?.endsWith('start proxy success') === true),
        proc.output,
      );
    }

    const serverLines = logLines(server.output);
    assert.ok(serverLines.length > 0, server.output);
    for (const line of serverLines) assert.match(line, TEXT_LINE, `not a text line: ${line}`);
    assert.match(server.output, /\[I\] \[server\] new proxy success runId=\w+ proxy=as-json type=tcp /);
    for (const proc of [server, json, auto]) assert.doesNotMatch(proc.output, /s3cret-tok/);

    await Promise.all([json.kill(), auto.kill()]);
    await server.kill();
  });
});
