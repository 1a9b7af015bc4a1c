// Applies a re-read config to a running client: proxies and visitors added, removed or replaced on the live session; the rest untouched.
import type { ReloadResult } from '../observe/index.js';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProxySet } from './proxy-set.js';
import { diffByName, restartRequired } from './reload-diff.js';
import type { VisitorSet } from './visitor-set.js';

/** What a reload did (served by GET /api/reload): proxies by name, visitors likewise, and what it left for a restart. */
export interface ClientReloadResult extends ReloadResult {
  visitors: ReloadResult;
  /** Key paths outside proxies and visitors that changed; applied only by a restart. */
  restartRequired: string[];
  /** Visitors that were added but could not start (e.g. their port is taken), one line each. */
  errors: string[];
}

/**
 * Brings the client's proxies and visitors in line with `next` (already validated). Unchanged
 * proxies keep their registration and live connections; removed ones are closed (CloseProxy);
 * changed ones are closed and registered again; added ones are registered. Throws BurrowError
 * CONFIG, changing nothing, when `next` names a proxy that forward() added.
 */
export async function applyReload(
  current: ClientConfig,
  next: ClientConfig,
  proxies: ProxySet,
  visitors: VisitorSet,
  logger: Logger,
  source: string,
): Promise<ClientReloadResult> {
  const clash = next.proxies.find((p) => proxies.isForwarded(p.name));
  if (clash) {
    throw new BurrowError(
      ErrorCode.CONFIG,
      `${source}: proxy "${clash.name}" is already forwarded through the library API (forward()); give the config's proxy another name`,
    );
  }
  const proxyDiff = diffByName(proxies.configured(), next.proxies);
  const nextProxies = new Map(next.proxies.map((p) => [p.name, p]));
  for (const name of [...proxyDiff.removed, ...proxyDiff.changed]) {
    const worker = proxies.get(name);
    if (worker) proxies.remove(worker);
  }
  for (const name of [...proxyDiff.changed, ...proxyDiff.added]) {
    proxies.add(nextProxies.get(name)!);
  }

  const visitorDiff = diffByName(visitors.configs(), next.visitors);
  const nextVisitors = new Map(next.visitors.map((v) => [v.name, v]));
  for (const name of [...visitorDiff.removed, ...visitorDiff.changed]) visitors.remove(name);
  const errors: string[] = [];
  for (const name of [...visitorDiff.changed, ...visitorDiff.added]) {
    try {
      await visitors.add(nextVisitors.get(name)!);
    } catch (err) {
      errors.push(errorMessage(err));
      logger.error({ visitor: name, err: errorMessage(err) }, 'visitor not started after reload');
    }
  }

  const restart = restartRequired(current, next);
  if (restart.length > 0) {
    logger.warn(
      { keys: restart },
      `config keys changed that a reload does not apply; restart the client to apply them: ${restart.join(', ')}`,
    );
  }
  const result: ClientReloadResult = {
    added: proxyDiff.added,
    removed: proxyDiff.removed,
    changed: proxyDiff.changed,
    visitors: { added: visitorDiff.added, removed: visitorDiff.removed, changed: visitorDiff.changed },
    restartRequired: restart,
    errors,
  };
  logger.info(
    {
      added: result.added,
      removed: result.removed,
      changed: result.changed,
      unchanged: proxyDiff.unchanged.length,
      visitors: result.visitors,
    },
    'config reloaded',
  );
  return result;
}
