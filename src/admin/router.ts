// A tiny router for the admin API: path patterns with ":param" segments, per-method handlers.
import type { IncomingMessage } from 'node:http';
import { HttpError, type Reply } from './http.js';

/** What a handler gets: decoded path params, the query and a bounded body reader. */
export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  req: IncomingMessage;
  /** The body as UTF-8, at most MAX_BODY_BYTES (HttpError 413 beyond). */
  body(): Promise<string>;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

/** One route: a method, a pattern such as "/api/proxy/:type/:name" (a last segment "*" matches any rest, none too), and its handler. */
export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  pattern: string;
  handler: Handler;
  /** Changes state: refused when a browser says the request comes from another site. */
  mutating?: boolean;
  /** Answered without credentials (health checks). */
  public?: boolean;
}

/** The outcome of matching a path. */
export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method'; allow: string[] }
  | { kind: 'none' };

/** Splits a path into segments without empty ones ("/a//b/" → ["a", "b"]; "/" → []). */
function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** A last pattern segment matching whatever follows (the handler reads the rest from the request). */
const REST = '*';

/** Matches one pattern against path segments; returns params or undefined. */
function matchPattern(pattern: string[], path: string[]): Record<string, string> | undefined {
  const rest = pattern[pattern.length - 1] === REST;
  const fixed = rest ? pattern.length - 1 : pattern.length;
  if (rest ? path.length < fixed : path.length !== fixed) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    const p = pattern[i] as string;
    const s = path[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(s);
      } catch {
        throw new HttpError(400, `path segment "${s}" is not valid percent-encoding`);
      }
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}

/** Finds the route for a method and path; HEAD matches GET routes. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): Match {
  const path = segments(pathname);
  const want = method === 'HEAD' ? 'GET' : method;
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchPattern(segments(route.pattern), path);
    if (params === undefined) continue;
    if (route.method === want) return { kind: 'found', route, params };
    allow.add(route.method);
    if (route.method === 'GET') allow.add('HEAD');
  }
  return allow.size > 0 ? { kind: 'method', allow: [...allow] } : { kind: 'none' };
}
