// frpc's command line run as burrow: `frpc -c FILE`, `frpc verify|reload|status -c FILE`, and flag mode (`frpc tcp -s … -P … -l … -r …`) become `burrow client …` in this process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagsToToml, parseFlags } from './flags.mjs';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** Common frpc flags → [burrow TOML key (null: accepted, no effect), value kind]. */
const COMMON = {
  s: ['serverAddr', 'str'],
  'server-addr': ['serverAddr', 'str'],
  P: ['serverPort', 'int'],
  'server-port': ['serverPort', 'int'],
  t: ['auth.token', 'str'],
  token: ['auth.token', 'str'],
  u: ['user', 'str'],
  user: ['user', 'str'],
  p: ['transport.protocol', 'str'],
  protocol: ['transport.protocol', 'str'],
  'tls-enable': ['transport.tls.enable', 'bool'],
  'tls-server-name': ['transport.tls.serverName', 'str'],
  'log-level': ['log.level', 'str'],
  'disable-log-color': [null, 'bool'],
  'strict-config': [null, 'bool'],
  'log-file': [null, 'str'],
  'log-max-days': [null, 'int'],
};
/** Proxy flags of `frpc TYPE` → [key inside [[proxies]], kind]. */
const PROXY = {
  n: ['name', 'str'],
  'proxy-name': ['name', 'str'],
  i: ['localIP', 'str'],
  'local-ip': ['localIP', 'str'],
  l: ['localPort', 'int'],
  'local-port': ['localPort', 'int'],
  r: ['remotePort', 'int'],
  'remote-port': ['remotePort', 'int'],
  d: ['customDomains', 'list'],
  'custom-domain': ['customDomains', 'list'],
  sd: ['subdomain', 'str'],
  ue: ['transport.useEncryption', 'bool'],
  uc: ['transport.useCompression', 'bool'],
  'bandwidth-limit': ['transport.bandwidthLimit', 'str'],
  'bandwidth-limit-mode': ['transport.bandwidthLimitMode', 'str'],
  sk: ['secretKey', 'str'],
  'secret-key': ['secretKey', 'str'],
};
const BOOLEANS = new Set(['tls-enable', 'disable-log-color', 'strict-config', 'ue', 'uc']);
const PROXY_TYPES = new Set(['tcp', 'udp', 'http', 'https', 'stcp', 'xtcp', 'sudp', 'tcpmux']);

/** The run's scratch folder (first argument, from the runner's wrapper): flag-mode configs go there. */
const [scratch, ...argv] = process.argv.slice(2);
const { flags, positional } = parseFlags(argv, BOOLEANS);
const config = flags.get('c') ?? flags.get('config') ?? './frpc.toml';
let burrowArgs;
if (['verify', 'reload', 'status'].includes(positional[0] ?? '')) {
  burrowArgs = ['client', positional[0], '-c', config];
} else if (PROXY_TYPES.has(positional[0] ?? '')) {
  const common = new Map([...flags].filter(([name]) => name in COMMON));
  const proxy = new Map([...flags].filter(([name]) => name in PROXY));
  const top = flagsToToml(common, COMMON).lines;
  if (flags.has('s') || flags.has('server-addr')) {
    // frpc accepts "host:port" in --server-addr too.
    const [host, port] = String(flags.get('s') ?? flags.get('server-addr')).split(':');
    top.splice(
      0,
      top.length,
      ...top.filter((l) => !l.startsWith('serverAddr')),
      `serverAddr = ${JSON.stringify(host)}`,
    );
    if (port && !flags.has('P') && !flags.has('server-port')) top.push(`serverPort = ${Number.parseInt(port, 10)}`);
  }
  const rows = [...proxy].map(([name, raw]) => {
    const [key, kind] = PROXY[name];
    return kind === 'list'
      ? `${key} = ${JSON.stringify(raw.split(','))}`
      : flagsToToml(new Map([[name, raw]]), { [name]: [key, kind] }).lines[0];
  });
  if (!rows.some((r) => r.startsWith('name'))) rows.push(`name = ${JSON.stringify(positional[0])}`);
  const body = [...top, '', '[[proxies]]', `type = ${JSON.stringify(positional[0])}`, ...rows, ''].join('\n');
  const file = path.join(mkdtempSync(path.join(scratch, 'frpc-')), 'frpc.toml');
  writeFileSync(file, body);
  burrowArgs = ['client', '-c', file];
} else {
  burrowArgs = ['client', '-c', config];
}
if (burrowArgs[1] === 'verify') {
  // frp's scripts (and its suite) look for frpc's own success line; burrow's verify prints its own words, so add frp's.
  const result = spawnSync(process.execPath, [CLI, ...burrowArgs], { encoding: 'utf8' });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.status === 0) process.stdout.write(`frpc: the configuration file ${burrowArgs[3]} syntax is ok\n`);
  process.exit(result.status ?? 1);
}
process.argv = [process.argv[0], CLI, ...burrowArgs];
await import(CLI);
