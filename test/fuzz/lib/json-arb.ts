// fast-check generators shared by the wire targets: JSON values of each frp field kind, usually right, sometimes wrong.
import fc from 'fast-check';
import type { FieldKind, FieldSpec } from '../../../src/wire/schema.js';

/** Any JSON value, small. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** Strings that stress encoders: empty, ASCII, unicode, HTML characters, lone surrogates. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', '<>&', '\u2028\u2029', '\ud800', 'a\udc00b', '127.0.0.1', '::1', 'fe80::1%eth0', 'x'.repeat(300)),
);

/** A value of the right JSON type for `kind`, with edge values. */
function rightValue(kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'string':
      return nastyString;
    case 'bool':
      return fc.boolean();
    case 'int':
      return fc.oneof(
        fc.integer(),
        fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, 1e21, 0.5),
      );
    case 'uint16':
      return fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(-1, 65536, 1.5));
    case 'stringMap':
      return fc.dictionary(nastyString, fc.oneof(nastyString, fc.constant(null)), { maxKeys: 3 });
    case 'stringList':
      return fc.array(fc.oneof(nastyString, fc.constant(null)), { maxLength: 3 });
    case 'udpAddr':
      return fc.record(
        {
          IP: fc.oneof(fc.constantFrom('', '127.0.0.1', '::1', '1.2.3', 'zz'), nastyString),
          Port: fc.oneof(fc.integer(), fc.double()),
          Zone: nastyString,
        },
        { requiredKeys: [] },
      );
    case 'clientSpec':
      return fc.record(
        { type: fc.oneof(nastyString, anyJson), always_auth_pass: fc.oneof(fc.boolean(), anyJson) },
        { requiredKeys: [] },
      );
    default:
      return anyJson;
  }
}

/** A JSON object for a message with these fields: a random subset, each value usually the right type. */
export function bodyFor(fields: readonly FieldSpec[]): fc.Arbitrary<Record<string, unknown>> {
  const entries = fields.map(([name, kind]) =>
    fc.tuple(
      fc.constant(name),
      fc.oneof({ weight: 6, arbitrary: rightValue(kind) }, { weight: 1, arbitrary: anyJson }),
    ),
  );
  return fc
    .tuple(
      fc.subarray(entries.length === 0 ? [] : entries.map((_, i) => i)),
      fc.tuple(...(entries as fc.Arbitrary<[string, unknown]>[])),
      fc.dictionary(fc.string({ maxLength: 4 }), anyJson, { maxKeys: 2 }),
    )
    .map(([chosen, values, extra]) => {
      const out: Record<string, unknown> = { ...extra };
      for (const i of chosen) out[values[i]![0]] = values[i]![1];
      return out;
    });
}

/** JSON text of a body, or (sometimes) text that is not valid JSON, or not an object. */
export function bodyText(fields: readonly FieldSpec[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: bodyFor(fields).map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: bodyFor(fields).map((o) => JSON.stringify(o).slice(0, -1)) },
  );
}
