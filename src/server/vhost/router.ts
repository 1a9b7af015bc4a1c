// vhost routing as frp's pkg/util/vhost/router.go: exact domain, then wildcards walking up, then "*"; longest location prefix.
import { BurrowError, ErrorCode } from '../../errors.js';

/** One registered route: a domain ("a.example.com", "*.example.com" or "*"), a location prefix and an optional HTTP user. */
export interface VhostRoute<T> {
  domain: string;
  /** Path prefix; "" (frp's default when a proxy has no locations) matches every path. */
  location: string;
  /** routeByHTTPUser: "" matches any user. */
  httpUser?: string;
  payload: T;
}

/** The catch-all domain. */
const CATCH_ALL = '*';
/** Hosts with fewer labels than this never enter the wildcard walk, so "example.com" does not match "*.com". */
const MIN_LABELS_FOR_WILDCARD = 3;

function bestLocation<T>(
  routes: readonly VhostRoute<T>[],
  domain: string,
  path: string,
  httpUser: string,
): VhostRoute<T> | undefined {
  let best: VhostRoute<T> | undefined;
  for (const r of routes) {
    if (r.domain.toLowerCase() !== domain || (r.httpUser ?? '') !== httpUser || !path.startsWith(r.location)) continue;
    // All matches are prefixes of path, so the longest is the most specific (frp sorts descending and takes the first).
    if (best === undefined || r.location.length > best.location.length) best = r;
  }
  return best;
}

function exactOrAllUsers<T>(
  routes: readonly VhostRoute<T>[],
  domain: string,
  path: string,
  httpUser: string,
): VhostRoute<T> | undefined {
  return (
    bestLocation(routes, domain, path, httpUser) ??
    (httpUser === '' ? undefined : bestLocation(routes, domain, path, ''))
  );
}

/** frp's domain walk: the host, then "*." + parents while 3+ labels remain, then "*"; first hit wins. */
function walkDomains<T>(
  host: string,
  lookup: (domain: string) => VhostRoute<T> | undefined,
): VhostRoute<T> | undefined {
  const lower = host.toLowerCase();
  const exact = lookup(lower);
  if (exact !== undefined) return exact;
  const labels = lower.split('.');
  while (labels.length >= MIN_LABELS_FOR_WILDCARD) {
    labels[0] = CATCH_ALL;
    const found = lookup(labels.join('.'));
    if (found !== undefined) return found;
    labels.shift();
  }
  return lookup(CATCH_ALL);
}

/**
 * The route for a request, by frp's rules: host lower-cased; at each step the route for the exact
 * HTTP user wins over a route for any user ("") and, within those, the longest matching location
 * prefix. Steps: the host itself; then, for hosts of 3+ labels, the leftmost label replaced by "*"
 * and dropped one at a time ("a.b.example.com" → "*.b.example.com" → "*.example.com", never
 * "*.com"); finally the catch-all "*". Linear in the number of routes: for a registry use VhostRouter.
 */
export function matchDomain<T>(
  host: string,
  routes: readonly VhostRoute<T>[],
  path = '',
  httpUser = '',
): VhostRoute<T> | undefined {
  return walkDomains(host, (domain) => exactOrAllUsers(routes, domain, path, httpUser));
}

/**
 * A registry of vhost routes indexed by domain: add (refusing an exact duplicate of domain,
 * location and user, as frp's ErrRouterConfigConflict), remove, and match with matchDomain's rules.
 */
export class VhostRouter<T> {
  readonly #byDomain = new Map<string, VhostRoute<T>[]>();

  /** Register a route; throws BurrowError PROXY_REFUSED when the same domain, location and user is taken. */
  add(route: VhostRoute<T>): void {
    const domain = route.domain.toLowerCase();
    const list = this.#byDomain.get(domain) ?? [];
    const user = route.httpUser ?? '';
    if (list.some((r) => r.location === route.location && (r.httpUser ?? '') === user)) {
      throw new BurrowError(
        ErrorCode.PROXY_REFUSED,
        `router config conflict: domain ${JSON.stringify(domain)} location ${JSON.stringify(route.location)}` +
          `${user === '' ? '' : ` httpUser ${JSON.stringify(user)}`} is already in use`,
      );
    }
    list.push({ ...route, domain });
    this.#byDomain.set(domain, list);
  }

  /** Remove the route with this domain, location and user; returns whether one was there. */
  remove(domain: string, location: string, httpUser = ''): boolean {
    const key = domain.toLowerCase();
    const list = this.#byDomain.get(key);
    if (list === undefined) return false;
    const kept = list.filter((r) => !(r.location === location && (r.httpUser ?? '') === httpUser));
    if (kept.length === 0) this.#byDomain.delete(key);
    else this.#byDomain.set(key, kept);
    return kept.length !== list.length;
  }

  /** The route for host, path and HTTP user (matchDomain's rules), or undefined. */
  match(host: string, path = '', httpUser = ''): VhostRoute<T> | undefined {
    return walkDomains(host, (domain) => exactOrAllUsers(this.#byDomain.get(domain) ?? [], domain, path, httpUser));
  }

  /** Number of routes registered. */
  get size(): number {
    let n = 0;
    for (const list of this.#byDomain.values()) n += list.length;
    return n;
  }
}
