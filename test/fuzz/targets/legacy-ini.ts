// Fuzz target "legacy-ini": the INI parser and parseServerConfig / parseClientConfig on frp legacy INI-ish text.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { parseClientConfig } from '../../../src/config/client.js';
import { IniSyntaxError, parseIni } from '../../../src/config/legacy/ini.js';
import { parseServerConfig } from '../../../src/config/server.js';
import { check, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest INI text. */
const MAX_INPUT = 16 * 1024;
/** Mode bit of an input's first byte: read as frpc.ini (else frps.ini). */
const MODE_CLIENT = 1;
/** A directory that does not exist: includes resolve under it and find nothing. */
const CONFIG_DIR = join(tmpdir(), 'burrow-fuzz-no-such-dir');
const FUZZ_ENV: NodeJS.ProcessEnv = { TOKEN: 'secret', PORT: '7000' };

const KEYS = [
  'server_addr',
  'server_port',
  'bind_port',
  'token',
  'tls_enable',
  'allow_ports',
  'dashboard_port',
  'dashboard_tls_mode',
  'authenticate_heartbeats',
  'meta_x',
  'oidc_additional_y',
  'includes',
  'start',
  'type',
  'role',
  'local_port',
  'remote_port',
  'custom_domains',
  'header_X',
  'plugin',
  'plugin_local_addr',
  'plugin_header_Y',
  'sk',
  'server_name',
  'bind_addr',
  'constructor',
  '__proto__',
  'toString',
  'unknown_key',
];
const VALUES = [
  '',
  '0',
  '7000',
  '70000',
  '-1',
  '0x1F',
  '010',
  'true',
  'no',
  'maybe',
  'tcp',
  'http',
  'stcp',
  'visitor',
  'server',
  'http2https',
  '1000-1002,1005',
  '3-1',
  '2000-,3',
  'a,b, c',
  '"quoted"',
  "'single'",
  '`tick`',
  '"""multi',
  'line"""',
  '{{ .Envs.TOKEN }}',
  '{{ bad }}',
  'x \\',
];
const line: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...KEYS), fc.constantFrom(' = ', '=', ': ', ' '), fc.constantFrom(...VALUES))
      .map(([k, d, v]) => `${k}${d}${v}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '[common]',
      '[ssh]',
      '[web]',
      '[range:r]',
      '[plugin.p]',
      '[constructor]',
      '[__proto__]',
      '[ common ]',
      '[',
      '[]',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('# c', '; c', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const arbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.array(line, { maxLength: 16 }))
  .map(([mode, lines]) => Buffer.concat([Buffer.from([mode]), Buffer.from(['[common]', ...lines].join('\n'), 'utf8')]));

function seeds(): Buffer[] {
  return [
    Buffer.from(
      '\x00[common]\nbind_port = 7000\ntoken = {{ .Envs.TOKEN }}\nallow_ports = 2000-3000,3001\n[plugin.p]\naddr = 127.0.0.1:9000\nops = Login\n',
    ),
    Buffer.from(
      '\x01[common]\nserver_port = 7000\nmeta_a = b\n[ssh]\nlocal_port = 22\nremote_port = 6000\n[range:r]\nlocal_port = 1000-1001\nremote_port = 2000-2001\n[v]\nrole = visitor\ntype = stcp\nserver_name = ssh\nbind_port = 9000\n',
    ),
  ];
}

function run(input: Buffer): void {
  if (input.length < 1) return;
  const mode = input[0]!;
  const text = input.subarray(1).toString('utf8');
  try {
    parseIni(text, { allowBooleanKeys: (mode & 2) !== 0 });
  } catch (err) {
    if (!(err instanceof IniSyntaxError)) throw untyped(err, 'parse INI');
  }
  const client = (mode & MODE_CLIENT) !== 0;
  const file = join(CONFIG_DIR, client ? 'frpc.ini' : 'frps.ini');
  try {
    const loaded = client
      ? parseClientConfig(text, file, { env: FUZZ_ENV })
      : parseServerConfig(text, file, { env: FUZZ_ENV });
    check(typeof loaded.config === 'object' && loaded.config !== null, 'a parsed config is not an object');
    check(loaded.warnings[0]?.includes("frp's legacy INI format") === true, 'an INI config loaded without its notice');
  } catch (err) {
    if (err instanceof BurrowError) {
      check(err.message.length > 0, 'a config error has an empty message');
      return;
    }
    throw untyped(err, 'parse legacy INI config');
  }
}

export const legacyIniTarget: FuzzTarget = {
  name: 'legacy-ini',
  about:
    'frp legacy INI text → parseIni and parseServerConfig/parseClientConfig: only ConfigErrors, every load has its notice',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 300,
  seeds,
  run,
};
