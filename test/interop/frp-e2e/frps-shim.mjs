// frps's command line run as burrow: `frps -c FILE`, `frps verify -c FILE`, and flag mode (`frps -p PORT -t TOKEN …`) become `burrow server …` in this process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagsToToml, parseFlags } from './flags.mjs';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** frps flag → [burrow TOML key (null: accepted, no effect), value kind]. */
const TABLE = {
  'bind-addr': ['bindAddr', 'str'],
  p: ['bindPort', 'int'],
  'bind-port': ['bindPort', 'int'],
  t: ['auth.token', 'str'],
  token: ['auth.token', 'str'],
  'proxy-bind-addr': ['proxyBindAddr', 'str'],
  'vhost-http-port': ['vhostHTTPPort', 'int'],
  'vhost-https-port': ['vhostHTTPSPort', 'int'],
  'subdomain-host': ['subDomainHost', 'str'],
  'dashboard-addr': ['webServer.addr', 'str'],
  'dashboard-port': ['webServer.port', 'int'],
  'dashboard-user': ['webServer.user', 'str'],
  'dashboard-pwd': ['webServer.password', 'str'],
  'enable-prometheus': ['enablePrometheus', 'bool'],
  'tls-only': ['transport.tls.force', 'bool'],
  'max-ports-per-client': ['maxPortsPerClient', 'int'],
  'log-level': ['log.level', 'str'],
  'kcp-bind-port': ['kcpBindPort', 'int'],
  'quic-bind-port': ['quicBindPort', 'int'],
  'vhost-http-timeout': ['vhostHTTPTimeout', 'int'],
  'disable-log-color': [null, 'bool'],
  'strict-config': [null, 'bool'],
  'log-file': [null, 'str'],
  'log-max-days': [null, 'int'],
  'allow-ports': [null, 'str'],
};
const BOOLEANS = new Set(['enable-prometheus', 'tls-only', 'disable-log-color', 'strict-config', 'dashboard-tls-mode']);

/** `--allow-ports 1000-2000,3000` as [[allowPorts]] tables. */
function allowPorts(spec) {
  const lines = [];
  for (const part of spec.split(',').filter(Boolean)) {
    const [start, end] = part.split('-').map((n) => Number.parseInt(n, 10));
    lines.push(
      '[[allowPorts]]',
      end === undefined ? `single = ${start}` : `start = ${start}`,
      ...(end === undefined ? [] : [`end = ${end}`]),
    );
  }
  return lines;
}

const [stateDir, ...argv] = process.argv.slice(2);

/** A state dir of this process's own under the run's: concurrent servers sharing one raced on generating server.crt/key. */
let own;
function ownStateDir() {
  own ??= mkdtempSync(path.join(stateDir, 'frps-'));
  return own;
}
const { flags, positional } = parseFlags(argv, BOOLEANS);
let burrowArgs;
if (positional[0] === 'verify') {
  burrowArgs = ['server', 'verify', '-c', flags.get('c') ?? flags.get('config') ?? ''];
} else if (flags.has('c') || flags.has('config')) {
  burrowArgs = ['server', '-c', flags.get('c') ?? flags.get('config'), '--state-dir', ownStateDir()];
} else {
  const { lines, unknown } = flagsToToml(flags, TABLE);
  for (const name of unknown) process.stderr.write(`frps-shim: flag --${name} has no burrow equivalent; ignored\n`);
  const body = [...lines, ...(flags.has('allow-ports') ? allowPorts(flags.get('allow-ports')) : []), ''].join('\n');
  const file = path.join(ownStateDir(), 'frps.toml'); // under the run's folder, which the runner removes
  writeFileSync(file, body);
  burrowArgs = ['server', '-c', file, '--state-dir', ownStateDir()];
}
if (burrowArgs[1] === 'verify') {
  // frp's scripts (and its suite) look for frps's own success line; burrow's verify prints its own words, so add frp's.
  const result = spawnSync(process.execPath, [CLI, ...burrowArgs], { encoding: 'utf8' });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.status === 0) process.stdout.write(`frps: the configuration file ${burrowArgs[3]} syntax is ok\n`);
  process.exit(result.status ?? 1);
}
process.argv = [process.argv[0], CLI, ...burrowArgs];
await import(CLI);
