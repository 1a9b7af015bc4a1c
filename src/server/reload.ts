// What a server config reload can apply live (identity policy, TLS material) and which changed keys need a restart.
import type { ServerConfig } from '../config/index.js';

/** Key paths a reload applies to the running server; every other change waits for a restart. */
const RELOADABLE_KEYS = ['auth.clients', 'transport.tls', 'stateDir'] as const;

/** What `BurrowServer.reload` did. */
export interface ServerReloadResult {
  /** Changed keys that were not applied (a restart applies them), e.g. ["bindPort", "auth.token"]. */
  restartNeeded: string[];
  /** Run ids of the client sessions closed because the new CRL revokes their certificate. */
  revoked: string[];
}

/** True for a plain object (a TOML table), as opposed to an array or a value. */
function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf of a config as "a.b.c" → JSON text (arrays are leaves). */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (!isTable(value)) {
    out.set(prefix, JSON.stringify(value));
    return out;
  }
  for (const [key, child] of Object.entries(value)) leaves(child, prefix === '' ? key : `${prefix}.${key}`, out);
  return out;
}

/** True when `path` is one of RELOADABLE_KEYS or lies under one. */
function reloadable(path: string): boolean {
  return RELOADABLE_KEYS.some((key) => path === key || path.startsWith(`${key}.`));
}

/** The keys that differ between `current` and `next` and that a reload cannot apply, sorted. */
export function keysNeedingRestart(current: ServerConfig, next: ServerConfig): string[] {
  const a = leaves(current, '', new Map());
  const b = leaves(next, '', new Map());
  const changed = new Set<string>();
  for (const [path, value] of a) if (b.get(path) !== value) changed.add(path);
  for (const path of b.keys()) if (!a.has(path)) changed.add(path);
  return [...changed].filter((path) => !reloadable(path)).sort();
}

/** `current` with the reloadable parts of `next`: [[auth.clients]], transport.tls and stateDir. */
export function applyReloadable(current: ServerConfig, next: ServerConfig): ServerConfig {
  return {
    ...current,
    auth: { ...current.auth, clients: next.auth.clients },
    transport: { ...current.transport, tls: next.transport.tls },
    stateDir: next.stateDir,
  };
}
