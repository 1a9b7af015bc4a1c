// The schema helpers: frp's EmptyOr defaults (fields.ts) and the walk through wrappers (schema-walk.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { emptyOr, int, str, table } from '../../src/config/fields.js';
import { elementOf, shapeOf, unwrapSchema } from '../../src/config/schema-walk.js';

test('emptyOr: absent, 0 and "" take the fallback; other values stay', () => {
  const port = emptyOr(int(), 7000);
  assert.equal(port.parse(undefined), 7000);
  assert.equal(port.parse(0), 7000);
  assert.equal(port.parse(-1), -1);
  assert.equal(port.parse(8080), 8080);
  const addr = emptyOr(str(), '0.0.0.0');
  assert.equal(addr.parse(''), '0.0.0.0');
  assert.equal(addr.parse('::'), '::');
  // The inner schema's message is kept, as the config errors quote it.
  const r = port.safeParse('x');
  assert.equal(r.success, false);
  assert.equal(r.error?.issues[0]?.message, 'expected integer');
});

test('unwrapSchema sees through optional, default, prefault and transform wrappers', () => {
  const inner = table({ a: str().default('') });
  assert.equal(unwrapSchema(inner.prefault({})), inner);
  assert.equal(unwrapSchema(inner.transform((v) => v).optional()), inner);
  assert.equal(unwrapSchema(z.array(inner).default([])) instanceof z.ZodArray, true);
  assert.deepEqual(Object.keys(shapeOf(inner.prefault({})) ?? {}), ['a']);
  assert.equal(shapeOf(str()), undefined);
  assert.equal(elementOf(z.array(inner).default([])), inner);
  assert.equal(elementOf(inner), undefined);
  assert.equal(unwrapSchema(undefined), undefined);
});
