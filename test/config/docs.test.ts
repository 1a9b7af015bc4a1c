// docs/config.md documents every key burrow adds to frp's config, and lists exactly the frp keys burrow ignores.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  FRP_CLIENT_KEYS,
  FRP_PROXY_KEYS,
  FRP_SERVER_KEYS,
  FRP_VISITOR_KEYS,
  type FrpKey,
  type FrpKeys,
  isTableKey,
} from '../../src/config/frp-keys.js';
import { clientSchema, proxySchema, serverSchema, visitorSchema } from '../../src/config/schema.js';
import { unwrapSchema } from '../../src/config/schema-walk.js';

const DOC_PATH = new URL('../../docs/config.md', import.meta.url);

/** The heading of the section that lists the frp keys burrow warns about and ignores. */
const IGNORED_SECTION = '## frp keys burrow ignores';

/** The schema without optional, default and transform wrappers. */
function unwrap(schema: z.ZodType): z.ZodType | undefined {
  return unwrapSchema(schema);
}

/** The keys of an object schema, or of the tables of an array-of-tables schema; undefined for a leaf. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s = unwrap(schema);
  if (s instanceof z.ZodArray) s = unwrap(s.element as z.ZodType);
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

/** True for an array-of-tables schema (`[[name]]`), whose entries' keys are written relative to the entry. */
function isTableList(schema: z.ZodType): boolean {
  const s = unwrap(schema);
  return s instanceof z.ZodArray && shapeOf(s) !== undefined;
}

/** Every key inside a burrow-only subtree, written as in a `[[…]]` entry (relative to its nearest array of tables). */
function innerKeys(schema: z.ZodType, prefix: string): string[] {
  const shape = shapeOf(schema);
  if (shape === undefined) return [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(shape)) {
    out.push(prefix + key);
    out.push(...innerKeys(sub, isTableList(sub) ? '' : `${prefix}${key}.`));
  }
  return out;
}

/** The entry keys of an frp array of tables (`allowPorts`, `httpPlugins`), or undefined. */
function listOf(k: FrpKey): FrpKeys | undefined {
  return typeof k === 'object' && 'list' in k && typeof k.list === 'object' ? (k.list as FrpKeys) : undefined;
}

/**
 * The keys burrow adds: schema paths frp's catalogue does not list (catalogue.test.ts's derivation),
 * plus the keys inside them, so a new key in `[[auth.clients]]` needs documenting too.
 */
function burrowKeys(schema: z.ZodType, frp: FrpKeys, prefix = ''): string[] {
  const shape = shapeOf(schema);
  if (shape === undefined) return [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(shape)) {
    const path = prefix + key;
    const fk: FrpKey | undefined = Object.hasOwn(frp, key) ? frp[key] : undefined;
    const list = fk === undefined ? undefined : listOf(fk);
    if (fk === undefined) {
      out.push(path, ...innerKeys(sub, isTableList(sub) ? '' : `${path}.`));
    } else if (list !== undefined) {
      out.push(...burrowKeys(sub, list, '')); // keys of [[allowPorts]] entries are written relative to the entry
    } else if (isTableKey(fk)) {
      out.push(...burrowKeys(sub, fk, `${path}.`));
    }
  }
  return out;
}

/** The highest frp key paths under which burrow's schema reads nothing (a whole unsupported table counts once). */
function ignoredFrpKeys(frp: FrpKeys, schema: z.ZodType, prefix = ''): string[] {
  const shape = shapeOf(schema) ?? {};
  const out: string[] = [];
  for (const [key, fk] of Object.entries(frp)) {
    const sub = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const list = listOf(fk);
    if (sub === undefined) out.push(prefix + key);
    else if (list !== undefined)
      out.push(...ignoredFrpKeys(list, sub, '')); // entry keys are written relative to the entry
    else if (isTableKey(fk)) out.push(...ignoredFrpKeys(fk, sub, `${prefix}${key}.`));
  }
  return out;
}

/** The keys of every proxy (or visitor) type together. */
const union = (byType: Readonly<Record<string, FrpKeys>>): FrpKeys =>
  Object.assign({}, ...(Object.values(byType) as FrpKeys[]));

const clientTop = clientSchema.omit({ proxies: true, visitors: true });
const { proxies: _proxies, visitors: _visitors, ...clientTopFrp } = FRP_CLIENT_KEYS;

/** A code span as a key path: `[[auth.clients]]` → auth.clients, `transport.tls.verify = "none"` → transport.tls.verify. */
function spanKey(span: string): string {
  return span
    .replace(/\s*=.*$/, '')
    .replace(/^\[+/, '')
    .replace(/\]+$/, '')
    .trim();
}

/** Every code span of a Markdown text, as key paths. */
function codeKeys(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => spanKey(m[1]!)));
}

/** The text of the `##` section whose heading starts with `heading`, up to the next `##` heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `docs/config.md has no section "${heading}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

const doc = readFileSync(DOC_PATH, 'utf8');

describe('docs/config.md', () => {
  it("documents every key burrow adds to frp's config, in backticks", () => {
    const added = new Set([
      ...burrowKeys(serverSchema, FRP_SERVER_KEYS),
      ...burrowKeys(clientTop, clientTopFrp),
      ...burrowKeys(proxySchema, union(FRP_PROXY_KEYS)),
      ...burrowKeys(visitorSchema, union(FRP_VISITOR_KEYS)),
    ]);
    // The derivation must find burrow's keys, or this test would pass on an empty list.
    for (const known of ['stateDir', 'auth.clients', 'auth.loginProof', 'transport.tls.verify'])
      assert.ok(added.has(known), known);
    const documented = codeKeys(doc);
    const missing = [...added].filter((key) => !documented.has(key)).sort();
    assert.deepEqual(missing, [], `burrow keys missing from docs/config.md: ${missing.join(', ')}`);
  });

  it('lists exactly the frp keys burrow warns about and ignores', () => {
    const ignored = new Set([
      ...ignoredFrpKeys(FRP_SERVER_KEYS, serverSchema),
      ...ignoredFrpKeys(clientTopFrp, clientTop),
      ...ignoredFrpKeys(union(FRP_PROXY_KEYS), proxySchema),
      ...ignoredFrpKeys(union(FRP_VISITOR_KEYS), visitorSchema),
    ]);
    assert.ok(ignored.has('auth.oidc'), 'the derivation finds frp keys burrow lacks');
    const listed = codeKeys(section(doc, IGNORED_SECTION));
    assert.deepEqual([...listed].sort(), [...ignored].sort());
  });
});
