// The zod schema (what burrow reads) and frp's key catalogue agree: every supported key is an frp key or a known burrow addition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import {
  FRP_CLIENT_KEYS,
  FRP_PROXY_KEYS,
  FRP_SERVER_KEYS,
  FRP_VISITOR_KEYS,
  type FrpKeys,
  isTableKey,
} from '../../src/config/frp-keys.js';
import { clientSchema, proxySchema, serverSchema, visitorSchema } from '../../src/config/schema.js';
import { parseServerConfig } from '../../src/config/index.js';
import { shapeOf } from '../../src/config/schema-walk.js';

/** burrow's own keys, which frp does not have. */
const BURROW_KEYS = new Set([
  'stateDir',
  'auth.clients',
  'transport.tls.trustedCaData',
  'transport.tls.crlFile',
  'transport.tls.serverFingerprint',
  'transport.tls.verify',
  'auth.loginProof',
  'transport.tls.caDir',
  'transport.connectionRateLimit',
  'transport.connectionBurst',
  'userConnIdleTimeout',
  'maxProxiesPerClient',
  'webServer.allowUnauthenticated',
  'log.format',
]);

/** Key paths of an object schema that frp's catalogue does not list. */
function notInFrp(schema: z.ZodType, frp: FrpKeys, prefix = ''): string[] {
  const shape = shapeOf(schema);
  if (shape === undefined) return [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(shape)) {
    const at = prefix + key;
    const fk = frp[key];
    if (fk === undefined) {
      if (!BURROW_KEYS.has(at)) out.push(at);
      continue;
    }
    if (isTableKey(fk)) out.push(...notInFrp(sub, fk, `${at}.`));
  }
  return out;
}

const union = (byType: Readonly<Record<string, FrpKeys>>): FrpKeys => Object.assign({}, ...Object.values(byType));

test("every key burrow reads is an frp key (or one of burrow's own)", () => {
  // The walk must see through the schema's default and transform wrappers, or this test would pass on nothing.
  assert.deepEqual(notInFrp(serverSchema, {}).sort().slice(0, 2), ['allowPorts', 'auth']);
  assert.ok(notInFrp(serverSchema, { transport: {} }).includes('transport.tls'));
  assert.deepEqual(notInFrp(serverSchema, FRP_SERVER_KEYS), []);
  assert.deepEqual(notInFrp(clientSchema.omit({ proxies: true, visitors: true }), FRP_CLIENT_KEYS), []);
  assert.deepEqual(notInFrp(proxySchema, union(FRP_PROXY_KEYS)), []);
  assert.deepEqual(notInFrp(visitorSchema, union(FRP_VISITOR_KEYS)), []);
});

test('a legacy INI file named .toml is read as INI (frp detects the format by content); a TOML [common] gets a hint', () => {
  const loaded = parseServerConfig('[common]\nbind_port = 7000\n', 'frps.toml', { env: {} });
  assert.equal(loaded.config.bindPort, 7000);
  assert.match(
    loaded.warnings[0] ?? '',
    /^frps\.toml: frp's legacy INI format; `burrow config convert frps\.toml` prints the TOML$/,
  );
  // Text that is no INI (a TOML array over lines) stays TOML, where [common] is a table nobody knows.
  assert.throws(() => parseServerConfig('[common]\nports = [\n  7000,\n]\n', 'frps.toml', { env: {} }), {
    message:
      "frps.toml: common: unknown key ([common] starts frp's legacy INI format, but this file does not parse as INI: fix its INI syntax, or write it with frp's TOML key names)",
  });
});
