// A frp server plugin for tests: a plain Node HTTP server on 127.0.0.1 that records each request and answers as told.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

/** One request the plugin received. */
export interface PluginRequest {
  /** The path without the query, e.g. "/handler". */
  path: string;
  /** The query's op and version. */
  query: { op: string | null; version: string | null };
  /** The raw query string as sent (to check frp's key order). */
  rawQuery: string;
  reqId: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The parsed body: { version, op, content }. */
  body: { version: string; op: string; content: Record<string, unknown> };
}

/** What to answer: a JSON value (or raw text), a status, a delay, or no answer at all. */
export interface PluginAnswer {
  status?: number;
  /** An object is sent as JSON; a string as it is. Default `{ reject: false, unchange: true }`. */
  body?: unknown;
  delayMs?: number;
}

/** Decides the answer to one request. */
export type PluginHandler = (req: PluginRequest) => PluginAnswer | undefined;

/** Largest request body the test plugin reads. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The answer of a plugin that lets everything through unchanged. */
export const ALLOW = { reject: false, unchange: true } as const;

/** A running test plugin. */
export interface TestPlugin {
  readonly port: number;
  readonly addr: string;
  readonly requests: PluginRequest[];
  /** Requests of one op so far. */
  of(op: string): PluginRequest[];
  /** Resolves once `count` requests of `op` arrived (rejects after timeoutMs). */
  waitFor(op: string, count?: number, timeoutMs?: number): Promise<PluginRequest[]>;
  handler: PluginHandler;
  close(): Promise<void>;
}

/** Poll interval of waitFor. */
const POLL_MS = 25;
/** Default wait of waitFor. */
const WAIT_MS = 20_000;

/** Starts a test plugin on `port` (default: one the OS picks); with `tls` it serves https (addr then starts with "https://"). */
export async function startPlugin(
  handler: PluginHandler = () => undefined,
  options: { tls?: { cert: string; key: string }; port?: number } = {},
): Promise<TestPlugin> {
  const requests: PluginRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const plugin: TestPlugin = {
    port: 0,
    addr: '',
    requests,
    handler,
    of: (op) => requests.filter((r) => r.body.op === op),
    async waitFor(op, count = 1, timeoutMs = WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      while (plugin.of(op).length < count) {
        if (Date.now() > deadline)
          throw new Error(`plugin: ${count}× ${op} not seen; got ${requests.map((r) => r.body.op).join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return plugin.of(op);
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const onRequest: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://plugin');
      const record: PluginRequest = {
        path: url.pathname,
        query: { op: url.searchParams.get('op'), version: url.searchParams.get('version') },
        rawQuery: url.search.slice(1),
        reqId: req.headers['x-frp-reqid'] as string | undefined,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PluginRequest['body'],
      };
      requests.push(record);
      const answer = plugin.handler(record) ?? {};
      const send = (): void => {
        const body = answer.body ?? ALLOW;
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (answer.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, answer.delayMs);
        timers.add(t);
      } else send();
    });
  };
  const server = options.tls ? https.createServer(options.tls, onRequest) : http.createServer(onRequest);
  server.on(options.tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  Object.assign(plugin, { port, addr: options.tls ? `https://127.0.0.1:${port}` : `127.0.0.1:${port}` });
  return plugin;
}
