// Routes of a server's admin API: frp's /api/serverinfo, /api/proxy…, /api/traffic…, plus ours.
import { TRAFFIC_DAYS } from './constants.js';
import { HttpError, json, type Reply } from './http.js';
import type { BurrowMetrics } from '../observe/index.js';
import type { Route } from './router.js';
import { byName, clientJson, proxyJson, serverInfoJson } from './shapes.js';
import type { ServerView } from '../observe/index.js';

/** frp's message when a proxy is unknown. */
const NO_PROXY = 'no proxy info found';

/** The API routes of a server (the dashboard's are added by the admin server). */
export function serverApiRoutes(view: ServerView, metrics: BurrowMetrics | undefined): Route[] {
  const proxyNamed = (name: string, type?: string) =>
    view.proxies().find((p) => p.name === name && (type === undefined || p.type === type));
  const routes: Route[] = [
    { method: 'GET', pattern: '/api/serverinfo', handler: () => json(serverInfoJson(view.info())) },
    {
      method: 'GET',
      pattern: '/api/proxy/:type',
      handler: ({ params }) =>
        json({ proxies: byName(view.proxies().filter((p) => p.type === params.type)).map(proxyJson) }),
    },
    {
      method: 'GET',
      pattern: '/api/proxy/:type/:name',
      handler: ({ params }) => {
        const p = proxyNamed(params.name as string, params.type);
        if (!p) throw new HttpError(404, NO_PROXY);
        return json(proxyJson(p));
      },
    },
    // Ours: every proxy in one call (frp has only DELETE on this path).
    { method: 'GET', pattern: '/api/proxies', handler: () => json({ proxies: byName(view.proxies()).map(proxyJson) }) },
    {
      method: 'GET',
      pattern: '/api/proxies/:name',
      handler: ({ params }) => {
        const p = proxyNamed(params.name as string);
        if (!p) throw new HttpError(404, NO_PROXY);
        return json(proxyJson(p));
      },
    },
    {
      method: 'GET',
      pattern: '/api/traffic/:name',
      handler: ({ params }) => {
        const name = params.name as string;
        const t = view.traffic(name);
        if (!t) throw new HttpError(404, NO_PROXY);
        return json({
          name,
          trafficIn: t.trafficIn.slice(0, TRAFFIC_DAYS),
          trafficOut: t.trafficOut.slice(0, TRAFFIC_DAYS),
        });
      },
    },
    {
      method: 'GET',
      pattern: '/api/clients',
      handler: () =>
        json(
          view
            .clients()
            .map(clientJson)
            .sort((a, b) => compare(String(a.key), String(b.key))),
        ),
    },
    { method: 'GET', pattern: '/api/certificates', handler: () => json(view.certificates()) },
  ];
  if (metrics) routes.push(metricsRoute(metrics));
  return routes;
}

/** GET /metrics: the Prometheus text of `metrics`. */
export function metricsRoute(metrics: BurrowMetrics): Route {
  return {
    method: 'GET',
    pattern: '/metrics',
    handler: async (): Promise<Reply> => ({
      status: 200,
      text: await metrics.metricsText(),
      contentType: metrics.contentType,
    }),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
