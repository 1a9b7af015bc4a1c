// The admin HTTP(S) server: routes, Basic auth, loopback Host guard, JSON errors, bounded bodies.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { constants as cryptoConstants } from 'node:crypto';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from '../tls/constants.js';
import type { AddressInfo } from 'node:net';
import type { WebServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import {
  authRequired,
  checkBasicAuth,
  fetchSiteAllowed,
  hostAllowed,
  hostIsAddress,
  hostOf,
  isLoopback,
  type Credentials,
} from './auth.js';
import { AuthLimiter, type AuthLimitOptions } from './auth-limiter.js';
import { clientApiRoutes } from './client-api.js';
import {
  AUTH_FAIL_DELAY_MS,
  AUTH_REALM,
  DEFAULT_ADMIN_ADDR,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_BODY_BYTES,
  REQUEST_TIMEOUT_MS,
} from './constants.js';
import { dashboardRoutes } from './dashboard/index.js';
import { errorReply, HttpError, readBody, sendReply, statusOfError, type Reply } from './http.js';
import type { BurrowMetrics } from '../observe/index.js';
import { redactJson } from '../observe/index.js';
import { NodeProfiler, pprofRoutes } from './pprof.js';
import { matchRoute, type Route } from './router.js';
import { metricsRoute, serverApiRoutes } from './server-api.js';
import { isServerView, type AdminView } from '../observe/index.js';

/** Options of startAdminServer; they mirror `[webServer]` and `enablePrometheus`. */
export interface AdminServerOptions {
  /** Address to bind; default 127.0.0.1 (loopback only). */
  addr?: string;
  /** Port to bind; 0 picks a free one (callers treat webServer.port = 0 as "off" before this). */
  port: number;
  /** Basic auth; both empty = no authentication. */
  user?: string;
  password?: string;
  /** webServer.allowUnauthenticated: listen beyond loopback without user/password (refused otherwise). */
  allowUnauthenticated?: boolean;
  /** Failed-login back-off; the ADMIN_AUTH_* constants unless set (tests shorten them). */
  authLimits?: AuthLimitOptions;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** webServer.assetsDir: serve the dashboard from this folder instead of the built-in files; "" = built-in. */
  assetsDir?: string;
  /** webServer.pprofEnable: CPU and heap profiles under /debug/pprof/ (./pprof.ts), behind the same credentials. */
  pprofEnable?: boolean;
  /** A server's or a client's view; decides which API and page are served. */
  view: AdminView;
  /** Served at /metrics when enablePrometheus is true. */
  metrics?: BurrowMetrics;
  enablePrometheus?: boolean;
  logger?: Logger;
}

/** Where and how the admin server listens, from a `[webServer]` table (server or client alike). */
export function webServerListenOptions(
  web: WebServerConfig,
): Pick<
  AdminServerOptions,
  'addr' | 'port' | 'user' | 'password' | 'allowUnauthenticated' | 'tls' | 'assetsDir' | 'pprofEnable'
> {
  return {
    addr: web.addr,
    assetsDir: web.assetsDir ?? '',
    pprofEnable: web.pprofEnable ?? false,
    port: web.port,
    user: web.user,
    password: web.password,
    allowUnauthenticated: web.allowUnauthenticated,
    ...(web.tls.certFile && web.tls.keyFile ? { tls: { certFile: web.tls.certFile, keyFile: web.tls.keyFile } } : {}),
  };
}

/** A running admin server. */
export interface AdminServer {
  /** Where it listens (port resolved when 0 was asked). */
  address: AddressInfo;
  /** e.g. "http://127.0.0.1:7500". */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The routes for a view: its API, /metrics when enabled, /healthz and the dashboard (exported for the tests that walk them all). */
export function adminRoutes(
  options: Pick<AdminServerOptions, 'view' | 'metrics' | 'enablePrometheus' | 'assetsDir'>,
): Route[] {
  const { view, assetsDir = '' } = options;
  const metrics = options.enablePrometheus ? options.metrics : undefined;
  const routes: Route[] = [
    { method: 'GET', pattern: '/healthz', public: true, handler: () => ({ status: 200, text: '' }) },
  ];
  if (isServerView(view)) {
    routes.push(...serverApiRoutes(view, metrics), ...dashboardRoutes('server', assetsDir));
  } else {
    routes.push(...clientApiRoutes(view), ...dashboardRoutes('client', assetsDir));
    if (metrics) routes.push(metricsRoute(metrics));
  }
  return routes;
}

/** Reads one PEM file of webServer.tls, failing with the key and path named. */
function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BurrowError(ErrorCode.TLS, `webServer.tls.${key}: cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/**
 * Starts the admin API and dashboard. Resolves once listening; rejects with BurrowError NETWORK
 * when the address cannot be bound, TLS when the certificate or key cannot be loaded, CONFIG when
 * it would listen beyond loopback without credentials and allowUnauthenticated is not set.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const logger = options.logger ?? silentLogger();
  const addr = options.addr === undefined || options.addr === '' ? DEFAULT_ADMIN_ADDR : options.addr;
  const creds: Credentials = { user: options.user ?? '', password: options.password ?? '' };
  const loopbackOnly = isLoopback(addr);
  if (!loopbackOnly && !authRequired(creds) && options.allowUnauthenticated !== true) {
    throw new BurrowError(
      ErrorCode.CONFIG,
      `webServer.addr = "${addr}" is not a loopback address and webServer.user/webServer.password are empty: anyone who can reach it could use the admin API; set webServer.user and webServer.password, bind webServer.addr to 127.0.0.1, or set webServer.allowUnauthenticated = true`,
    );
  }
  const routes = adminRoutes(options);
  const limiter = new AuthLimiter(options.authLimits);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, { routes, creds, loopbackOnly, limiter, logger }).catch((err: unknown) => {
      logger.error({ err: errorMessage(err) }, 'admin API: request failed');
      if (!res.headersSent) sendReply(res, errorReply(500, 'internal error'));
      else res.destroy();
    });
  };

  let server: http.Server;
  if (options.tls) {
    const cert = readPem('certFile', options.tls.certFile);
    const key = readPem('keyFile', options.tls.keyFile);
    try {
      // The tunnel port's TLS policy: AEAD suites only, server order, no client-initiated renegotiation.
      server = https.createServer(
        {
          cert,
          key,
          minVersion: MIN_TLS_VERSION,
          ciphers: INTERMEDIATE_CIPHERS,
          honorCipherOrder: true,
          secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
        },
        handler,
      );
    } catch (err) {
      throw new BurrowError(ErrorCode.TLS, `webServer.tls: certificate or key rejected: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  } else {
    server = http.createServer(handler);
  }
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      reject(
        new BurrowError(ErrorCode.NETWORK, `admin API cannot listen on ${addr}:${options.port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, addr, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err: err.message }, 'admin API: server error'));
  // Made once listening, so a failed start leaves no inspector session behind; the handler reads `routes` per request.
  const profiler = options.pprofEnable === true ? new NodeProfiler() : undefined;
  if (profiler) routes.push(...pprofRoutes(profiler));

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  if (!loopbackOnly && !authRequired(creds)) {
    logger.warn(
      { addr, port: address.port },
      'admin API listens beyond loopback without webServer.user/password (webServer.allowUnauthenticated): anyone who can reach it can use it; only Host headers that are IP addresses are accepted',
    );
  }
  logger.info(
    {
      url,
      auth: authRequired(creds),
      prometheus: Boolean(options.enablePrometheus && options.metrics),
      pprof: profiler !== undefined,
    },
    'admin API listening',
  );

  return {
    address,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        profiler?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface HandleContext {
  routes: Route[];
  creds: Credentials;
  loopbackOnly: boolean;
  limiter: AuthLimiter;
  logger: Logger;
}

/** Answers one request. */
async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandleContext): Promise<void> {
  const method = req.method ?? 'GET';
  let pathname: string;
  let query: URLSearchParams;
  try {
    const u = new URL(req.url ?? '/', 'http://admin.invalid');
    pathname = u.pathname;
    query = u.searchParams;
  } catch {
    sendReply(res, errorReply(400, `request target "${req.url ?? ''}" is not a valid URL path`));
    return;
  }
  const reply = await answer(req, method, pathname, query, ctx);
  // The safety net under every endpoint: no JSON answer carries a secret-named field or key material.
  if (reply.json !== undefined) reply.json = redactJson(reply.json);
  if (reply.status === 401) await new Promise((r) => setTimeout(r, AUTH_FAIL_DELAY_MS).unref());
  if (res.destroyed) return;
  sendReply(res, reply);
  ctx.logger.debug({ method, path: pathname, status: reply.status }, 'admin API request');
}

/**
 * The refusal for a request without valid credentials, or undefined when it may go on. An address
 * backed off after too many wrong guesses gets 429 whatever it sends, the right password too: else
 * the back-off would not slow guessing at all. A request with no Authorization (a browser's first)
 * is not counted as a guess.
 */
function checkCredentials(req: IncomingMessage, ctx: HandleContext): Reply | undefined {
  if (!authRequired(ctx.creds)) return undefined;
  const address = req.socket.remoteAddress ?? '';
  const waitMs = ctx.limiter.retryAfterMs(address);
  if (waitMs > 0) {
    return errorReply(429, 'too many failed logins from this address; try again later', {
      'Retry-After': String(Math.ceil(waitMs / 1000)),
    });
  }
  const header = req.headers.authorization;
  if (checkBasicAuth(header, ctx.creds)) {
    ctx.limiter.succeed(address);
    return undefined;
  }
  if (header !== undefined) {
    const backoffMs = ctx.limiter.fail(address);
    if (backoffMs > 0)
      ctx.logger.warn(
        { address, backoffMs },
        'admin API: too many failed logins from one address; refusing it for a while',
      );
  }
  return errorReply(401, 'authentication required', { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}"` });
}

/** The reply for a request, after the Host, auth, route and method checks. */
async function answer(
  req: IncomingMessage,
  method: string,
  pathname: string,
  query: URLSearchParams,
  ctx: HandleContext,
): Promise<Reply> {
  if (ctx.loopbackOnly && !hostAllowed(req.headers)) {
    return errorReply(
      403,
      `Host "${hostOf(req.headers.host)}" is not a loopback name; this admin API is bound to loopback`,
    );
  }
  if (!ctx.loopbackOnly && !authRequired(ctx.creds) && !hostIsAddress(req.headers)) {
    return errorReply(
      403,
      `Host "${hostOf(req.headers.host)}" is not an IP address; this admin API has no credentials, so only requests naming it by address are answered`,
    );
  }
  let match;
  try {
    match = matchRoute(ctx.routes, method, pathname);
  } catch (err) {
    return errorReply(statusOfError(err), errorMessage(err));
  }
  const isPublic = match.kind === 'found' && match.route.public === true;
  if (!isPublic) {
    const refused = checkCredentials(req, ctx);
    if (refused) return refused;
  }
  if (match.kind === 'none') return errorReply(404, `no such path: ${pathname}`);
  if (match.kind === 'method') {
    return errorReply(405, `method ${method} is not allowed on ${pathname}; allowed: ${match.allow.join(', ')}`, {
      Allow: match.allow.join(', '),
    });
  }
  const { route, params } = match;
  if (route.mutating && !fetchSiteAllowed(req.headers)) {
    return errorReply(
      403,
      `refusing ${method} ${pathname} from another site (Sec-Fetch-Site: ${String(req.headers['sec-fetch-site'])})`,
    );
  }
  try {
    return await route.handler({ params, query, req, body: () => readBody(req, MAX_BODY_BYTES) });
  } catch (err) {
    const status = statusOfError(err);
    if (status >= 500) ctx.logger.warn({ method, path: pathname, err: errorMessage(err) }, 'admin API handler failed');
    const headers = err instanceof HttpError ? { ...err.headers } : {};
    // The rest of an over-long body is not read: close the connection after answering.
    if (status === 413) headers.Connection = 'close';
    return errorReply(status, errorMessage(err), headers);
  }
}
