// Checks a parsed config's keys: unknown keys are problems (with a did-you-mean hint), keys frp knows
// but burrow does not implement are warned about once each and dropped; returns what zod should see.
import type { z } from 'zod';
import { type Problem, formatPath } from './config-error.js';
import { type FrpKey, type FrpKeys, isTableKey } from './frp-keys.js';
import { elementOf, shapeOf } from './schema-walk.js';
import { type Table, isTable } from './source.js';
import { suggestKey } from './suggest.js';

/** The warning for a key frp has and burrow does not. */
export const UNSUPPORTED_WARNING = 'frp feature not supported by burrow yet; ignored';

type Path = (string | number)[];

/** frp's legacy INI files start with a [common] section; in TOML that is a table nobody knows. */
const LEGACY_INI_SECTION = 'common';
const LEGACY_INI_HINT =
  "[common] starts frp's legacy INI format, but this file does not parse as INI: fix its INI syntax, or write it with frp's TOML key names";

/** What the key check found. */
export interface KeyCheck {
  /** The input without unknown and unsupported keys. */
  readonly clean: Table;
  readonly problems: Problem[];
  readonly warnings: string[];
}

/** The typed-list variant of a catalogue entry, if it is one. */
function typedOf(k: FrpKey | undefined): Readonly<Record<string, FrpKeys>> | undefined {
  return typeof k === 'object' && 'typed' in k && typeof k.typed === 'object'
    ? (k.typed as Record<string, FrpKeys>)
    : undefined;
}

/** The list variant of a catalogue entry, if it is one. */
function listOf(k: FrpKey | undefined): FrpKeys | undefined {
  return typeof k === 'object' && 'list' in k && typeof k.list === 'object' ? (k.list as FrpKeys) : undefined;
}

/** `obj[key]` when `key` is obj's own property, else undefined (never an inherited Object.prototype member). */
function ownValue<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * The known key `written` stands for: itself when known, else the known key equal to it ignoring
 * case (as Go's encoding/json matches struct fields), else itself (then reported as unknown).
 */
function canonicalKey(
  written: string,
  shape: Readonly<Record<string, unknown>> | undefined,
  frp: FrpKeys | undefined,
  typed: TypedContext | undefined,
): string {
  const tables = [shape, frp, ...Object.values(typed?.byType ?? {})];
  if (tables.some((t) => ownValue(t, written) !== undefined)) return written;
  const folded = written.toLowerCase();
  for (const table of tables) {
    for (const known of Object.keys(table ?? {})) if (known.toLowerCase() === folded) return known;
  }
  return written;
}

/** For `[[proxies]]` / `[[visitors]]`: which type this entry has and the keys of every type. */
interface TypedContext {
  readonly type: string | undefined;
  readonly noun: string;
  readonly byType: Readonly<Record<string, FrpKeys>>;
}

/** The walk over one file. */
class Walker {
  readonly problems: Problem[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly file: string) {}

  problem(path: Path, message: string): void {
    this.problems.push({ file: this.file, path: formatPath(path), message });
  }

  warn(path: Path, message = UNSUPPORTED_WARNING): void {
    this.warnings.push(`${this.file}: ${formatPath(path)}: ${message}`);
  }

  /** Walks one table; `schema` undefined = burrow does not implement this subtree; `frp` undefined = frp does not know it. */
  table(
    value: Table,
    schema: z.ZodType | undefined,
    frp: FrpKeys | undefined,
    path: Path,
    typed?: TypedContext,
  ): Table {
    const shape = shapeOf(schema);
    const out: Table = {};
    /** Canonical key → the spelling whose value it holds, for keys written twice in different cases. */
    const spelled = new Map<string, string>();
    for (const [written, v] of Object.entries(value)) {
      const p = [...path, written];
      // frp decodes its config with Go's encoding/json, which matches keys case-insensitively
      // ("subdomainHost" is subDomainHost): such a spelling loads here under its canonical name.
      const key = canonicalKey(written, shape, frp, typed);
      const earlier = spelled.get(key);
      if (earlier !== undefined) {
        // Go marshals the TOML table with sorted keys, so the spelling that sorts last wins in frp.
        const [lost, won] = earlier < written ? [earlier, written] : [written, earlier];
        this.warn(
          p,
          `the same key as ${JSON.stringify(earlier)} (keys match regardless of case); ${JSON.stringify(won)} is used, as frp does, ${JSON.stringify(lost)} ignored`,
        );
        if (won === earlier) continue;
      }
      spelled.set(key, written);
      // Own keys only: "__proto__", "constructor" or "toString" must not find Object.prototype's members.
      const sub = ownValue(shape, key);
      const fk = ownValue(frp, key);
      if (fk === undefined && typed !== undefined && typed.type !== undefined) {
        const owners = Object.keys(typed.byType).filter((t) => ownValue(typed.byType[t], key) !== undefined);
        if (owners.length > 0) {
          const list = owners.map((t) => JSON.stringify(t)).join(', ');
          this.problem(p, `not a key of ${JSON.stringify(typed.type)} ${typed.noun} (only of ${list})`);
          continue;
        }
      }
      if (sub === undefined) {
        if (fk === undefined) {
          const known = new Set([...Object.keys(shape ?? {}), ...Object.keys(frp ?? {})]);
          const hint = suggestKey(key, known);
          if (path.length === 0 && key === LEGACY_INI_SECTION) this.problem(p, `unknown key (${LEGACY_INI_HINT})`);
          else
            this.problem(p, hint === undefined ? 'unknown key' : `unknown key (did you mean ${JSON.stringify(hint)}?)`);
        } else if (isTableKey(fk) && isTable(v)) {
          this.table(v, undefined, fk, p); // warns once per leaf, and still catches typos inside
        } else {
          this.warn(p);
        }
        continue;
      }
      out[key] = this.value(v, sub, fk, p);
    }
    return out;
  }

  /** Walks into a supported value when it is a table or an array of tables. */
  private value(v: unknown, schema: z.ZodType, fk: FrpKey | undefined, path: Path): unknown {
    if (isTable(v) && shapeOf(schema) !== undefined)
      return this.table(v, schema, isTableKey(fk) ? fk : undefined, path);
    const element = elementOf(schema);
    if (Array.isArray(v) && shapeOf(element) !== undefined) {
      const byType = typedOf(fk);
      return v.map((item, i) => {
        if (!isTable(item)) return item;
        if (byType === undefined) return this.table(item, element, listOf(fk), [...path, i]);
        const type = typeof item.type === 'string' && ownValue(byType, item.type) !== undefined ? item.type : undefined;
        // An entry without a valid type is checked against every type's keys; zod reports the type itself.
        const keys = type !== undefined ? byType[type] : Object.assign({}, ...Object.values(byType));
        const noun = String(path[path.length - 1]);
        return this.table(item, element, keys, [...path, i], { type, noun, byType });
      });
    }
    return v;
  }
}

/** Checks every key of `value` against burrow's schema and frp's catalogue. */
export function checkKeys(value: Table, schema: z.ZodType, frp: FrpKeys, file: string, path: Path = []): KeyCheck {
  const w = new Walker(file);
  const clean = w.table(value, schema, frp, path);
  return { clean, problems: w.problems, warnings: w.warnings };
}
