// What a config reload changes: proxies and visitors added, removed or changed (by name), and the server-level keys that need a restart.
import { isDeepStrictEqual } from 'node:util';
import type { ClientConfig } from '../config/index.js';

/** Names of entries a reload adds, removes and changes (closed and registered again); the rest stay untouched. */
export interface NamedDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/**
 * Compares two lists of named entries as frpc does (reflect.DeepEqual per name): an entry counts
 * as changed when any of its keys differs, nested ones included; order in the file does not matter.
 */
export function diffByName<T extends { name: string }>(current: readonly T[], next: readonly T[]): NamedDiff {
  const before = new Map(current.map((entry) => [entry.name, entry]));
  const after = new Map(next.map((entry) => [entry.name, entry]));
  const diff: NamedDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const [name, entry] of before) {
    const replacement = after.get(name);
    if (replacement === undefined) diff.removed.push(name);
    else if (isDeepStrictEqual(entry, replacement)) diff.unchanged.push(name);
    else diff.changed.push(name);
  }
  for (const name of after.keys()) {
    if (!before.has(name)) diff.added.push(name);
  }
  return diff;
}

/**
 * The key paths outside [[proxies]] and [[visitors]] whose values differ (e.g. "serverAddr",
 * "auth.token", "transport.tls.enable"): a reload does not apply them, a restart does. Only paths
 * are returned, never values, so the list can be logged even when a secret changed.
 */
export function restartRequired(current: ClientConfig, next: ClientConfig): string[] {
  const { proxies: _p1, visitors: _v1, ...before } = current;
  const { proxies: _p2, visitors: _v2, ...after } = next;
  const paths: string[] = [];
  collectChangedPaths(before, after, '', paths);
  return paths;
}

/** Appends the paths where two values differ, descending into plain objects (arrays compare whole). */
function collectChangedPaths(a: unknown, b: unknown, prefix: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      collectChangedPaths(a[key], b[key], prefix === '' ? key : `${prefix}.${key}`, out);
    }
    return;
  }
  if (!isDeepStrictEqual(a, b)) out.push(prefix);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
