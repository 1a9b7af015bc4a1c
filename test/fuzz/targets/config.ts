// Fuzz target "config": parseServerConfig / parseClientConfig on TOML-ish text and on random objects shaped by the zod schemas.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { z } from 'zod';
import { BurrowError } from '../../../src/errors.js';
import { parseClientConfig } from '../../../src/config/client.js';
import { clientSchema, serverSchema } from '../../../src/config/schema.js';
import { parseServerConfig } from '../../../src/config/server.js';
import { isLegacyIni } from '../../../src/config/legacy/ini.js';
import { renderTemplate } from '../../../src/config/template.js';
import { check, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest config text. */
const MAX_INPUT = 16 * 1024;
/** Mode bits of an input's first byte. */
const MODE_CLIENT = 1;
const MODE_JSON = 2;
/** A directory that does not exist: includes and relative paths resolve under it and find nothing. */
const CONFIG_DIR = join(tmpdir(), 'burrow-fuzz-no-such-dir');
/** The environment templates see. */
const FUZZ_ENV: NodeJS.ProcessEnv = { HOME: '/home/fuzz', TOKEN: 'secret', EMPTY: '', PORT: '7000' };

/** Most schema keys set in one generated table. */
const MAX_KEYS_PER_TABLE = 6;
/** Keys that are not in any schema but probe lookups: prototype names, frp's INI section, frp-only keys, typos. */
const ODD_KEYS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'common',
  'plugin',
  'natHoleStunServer',
  'bindPrt',
  'tls',
  'type',
  '',
];

/** Strings config values meet: paths, fingerprints, CA data, bandwidths, ports as text. */
const configString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '0.0.0.0',
      '127.0.0.1',
      '::',
      'example.com',
      '*.example.com',
      'tcp',
      'http',
      'stcp',
      'v2',
      'token',
      'oidc',
      'file',
      'exec',
      'auto',
      'none',
      '1MB',
      '512KB',
      '1.5MB',
      'MB',
      'sha256:' + 'ab'.repeat(32),
      'AB:'.repeat(31) + 'AB',
      'hex:3082',
      'base64:MIIB',
      'hex:zz',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      'token.txt',
      '../x',
      '/nonexistent/file',
      '*.toml',
      'a?c',
      'HeartBeats',
      'NewWorkConns',
    ),
  },
);

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 2 }),
);

const cache = new Map<z.ZodType, fc.Arbitrary<unknown>>();

/** A value shaped by `schema`: usually valid, sometimes of the wrong type or out of range. */
function shaped(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const hit = cache.get(schema);
  if (hit !== undefined) return hit;
  const right = rightFor(schema, depth);
  const arb = fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: wrongValue });
  cache.set(schema, arb);
  return arb;
}

function rightFor(schema: z.ZodType, depth: number): fc.Arbitrary<unknown> {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)
    return shaped(schema.unwrap() as z.ZodType, depth);
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodType>;
    const entries = Object.entries(shape).map(([k, v]) => [k, shaped(v, depth + 1)] as const);
    return fc
      .tuple(
        fc.subarray(
          entries.map((_, i) => i),
          { maxLength: Math.min(MAX_KEYS_PER_TABLE, entries.length) },
        ),
        fc.tuple(...entries.map(([, a]) => a)),
        fc.option(fc.tuple(fc.constantFrom(...ODD_KEYS), wrongValue), { freq: 8 }),
      )
      .map(([chosen, values, odd]) => {
        const out: Record<string, unknown> = {};
        for (const i of chosen) out[entries[i]![0]] = values[i];
        if (odd !== null)
          Object.defineProperty(out, odd[0], { value: odd[1], enumerable: true, writable: true, configurable: true });
        return out;
      });
  }
  if (schema instanceof z.ZodArray) return fc.array(shaped(schema.element as z.ZodType, depth + 1), { maxLength: 3 });
  if (schema instanceof z.ZodRecord)
    return fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...ODD_KEYS)), configString, {
      maxKeys: 3,
    });
  if (schema instanceof z.ZodEnum) return fc.oneof(fc.constantFrom(...(schema.options as string[])), configString);
  if (schema instanceof z.ZodString) return configString;
  if (schema instanceof z.ZodNumber)
    return fc.oneof(
      fc.integer({ min: -2, max: 70000 }),
      fc.constantFrom(0, -1, 65535, 65536, Number.MAX_SAFE_INTEGER, 1.5),
    );
  if (schema instanceof z.ZodBoolean) return fc.boolean();
  return wrongValue;
}

/** A config object rendered as TOML (or JSON when TOML cannot hold it, or when asked). */
function render(obj: unknown, json: boolean): string {
  if (!json) {
    try {
      return stringifyToml(obj as Record<string, unknown>);
    } catch {
      // smol-toml refuses some shapes (mixed arrays of tables, empty keys): fall back to JSON
    }
  }
  return JSON.stringify(obj);
}

/** Flattened dotted keys a text line may use. */
const TEXT_KEYS = [
  'bindPort',
  'bindAddr',
  'serverAddr',
  'serverPort',
  'auth.token',
  'auth.method',
  'auth.tokenSource.type',
  'auth.tokenSource.file.path',
  'transport.tls.enable',
  'transport.tls.force',
  'transport.tls.trustedCaData',
  'transport.tls.serverFingerprint',
  'transport.tls.verify',
  'transport.heartbeatInterval',
  'transport.heartbeatTimeout',
  'transport.wireProtocol',
  'allowPorts',
  'includes',
  'start',
  'name',
  'type',
  'localPort',
  'remotePort',
  'customDomains',
  'subdomain',
  'metadatas.a',
  'plugin',
  'webServer.port',
  'log.level',
  'a."b.c"',
  '"quoted key"',
];
const tomlValue: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 70000 }).map(String),
  configString.map((s) => JSON.stringify(s)),
  fc.constantFrom(
    'true',
    'false',
    '[]',
    '[1, "a"]',
    '[{ start = 1, end = 2 }]',
    '{ single = 80 }',
    '1979-05-27T07:32:00Z',
    '07:32:00',
    'inf',
    'nan',
    '0x10',
    '1_000',
    "'''lit'''",
    '"""ml\nx"""',
  ),
  fc.constantFrom(
    '"{{ .Envs.TOKEN }}"',
    '"{{ .Envs.NOPE }}"',
    '{{ .Envs.PORT }}',
    '"{{- .Envs.HOME -}}"',
    '"{{/* c */}}"',
    '"{{ bad }}"',
    '"{{ unclosed"',
  ),
);
const tomlLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...TEXT_KEYS), tomlValue).map(([k, v]) => `${k} = ${v}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '[auth]',
      '[transport]',
      '[transport.tls]',
      '[[proxies]]',
      '[[visitors]]',
      '[[allowPorts]]',
      '[[auth.clients]]',
      '[common]',
      '[webServer]',
      '[[proxies.x]]',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const tomlText: fc.Arbitrary<string> = fc.array(tomlLine, { maxLength: 14 }).map((lines) => lines.join('\n'));

/** [mode][text]. */
const arbitrary: fc.Arbitrary<Buffer> = fc
  .integer({ min: 0, max: 255 })
  .chain((mode) => {
    const client = (mode & MODE_CLIENT) !== 0;
    const text = fc.oneof(
      { weight: 2, arbitrary: tomlText },
      {
        weight: 2,
        arbitrary: shaped(client ? clientSchema : serverSchema).map((o) => render(o, (mode & MODE_JSON) !== 0)),
      },
    );
    return fc.tuple(fc.constant(mode), text);
  })
  .map(([mode, text]) => Buffer.concat([Buffer.from([mode]), Buffer.from(text, 'utf8')]));

function seeds(): Buffer[] {
  const server =
    'bindPort = 7000\n[auth]\ntoken = "{{ .Envs.TOKEN }}"\n[transport.tls]\nforce = true\n[[allowPorts]]\nstart = 6000\nend = 6010\n';
  const client =
    'serverAddr = "127.0.0.1"\nserverPort = 7000\n[auth]\ntoken = "t"\n[transport.tls]\nserverFingerprint = "sha256:' +
    'ab'.repeat(32) +
    '"\n' +
    '[[proxies]]\nname = "ssh"\ntype = "tcp"\nlocalPort = 22\nremotePort = 6000\n[[visitors]]\nname = "v"\ntype = "stcp"\nserverName = "ssh"\nbindPort = 9000\n';
  return [
    Buffer.from('\x00' + server),
    Buffer.from('\x01' + client),
    Buffer.from(
      '\x03{"serverPort": 7000, "proxies": [{"name": "a", "type": "http", "localPort": 80, "customDomains": ["a.b"]}]}',
    ),
  ];
}

/** Keys that name Object.prototype members: never config keys, so a config holding one must be refused. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
]);
/** Tables whose keys are free-form (string maps), where any key is data. */
const FREE_FORM_TABLES: ReadonlySet<string> = new Set(['metadatas', 'annotations']);

/** The first own key named like an Object.prototype member outside free-form tables, or undefined. */
function prototypeKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = prototypeKey(v, `${path}[${i}]`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || value instanceof Date) return undefined;
  for (const key of Object.getOwnPropertyNames(value)) {
    if (PROTOTYPE_KEYS.has(key)) return `${path}${key}`;
    if (FREE_FORM_TABLES.has(key)) continue;
    const hit = prototypeKey((value as Record<string, unknown>)[key], `${path}${key}.`);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The text as the loader sees it (templates rendered), parsed; undefined when it does not parse. */
function rawTable(text: string, json: boolean): unknown {
  // Text with an INI [common] section loads as frp's legacy INI (its own target, legacy-ini), not as TOML.
  if (isLegacyIni(text)) return undefined;
  try {
    const rendered = renderTemplate(text, FUZZ_ENV);
    return json ? JSON.parse(rendered) : parseToml(rendered);
  } catch {
    return undefined;
  }
}

function run(input: Buffer): void {
  if (input.length < 1) return;
  const mode = input[0]!;
  const text = input.subarray(1).toString('utf8');
  const file =
    join(CONFIG_DIR, (mode & MODE_CLIENT) !== 0 ? 'frpc' : 'frps') + ((mode & MODE_JSON) !== 0 ? '.json' : '.toml');
  try {
    const loaded =
      (mode & MODE_CLIENT) !== 0
        ? parseClientConfig(text, file, { env: FUZZ_ENV })
        : parseServerConfig(text, file, { env: FUZZ_ENV });
    check(typeof loaded.config === 'object' && loaded.config !== null, 'a parsed config is not an object');
    check(
      loaded.warnings.every((w) => typeof w === 'string'),
      'a warning is not a string',
    );
    const odd = prototypeKey(rawTable(text, (mode & MODE_JSON) !== 0), '');
    check(odd === undefined, `a config with the unknown key "${odd}" was accepted without a problem`);
  } catch (err) {
    if (err instanceof BurrowError) {
      check(err.message.length > 0, 'a config error has an empty message');
      return;
    }
    throw untyped(err, 'parse config');
  }
}

/** The config loader. */
export const configTarget: FuzzTarget = {
  name: 'config',
  about:
    'parseServerConfig / parseClientConfig on TOML-ish text, templates, and schema-shaped objects as TOML or JSON; ConfigError only',
  arbitrary,
  maxInputBytes: MAX_INPUT,
  ciRuns: 400,
  seeds,
  run,
};
