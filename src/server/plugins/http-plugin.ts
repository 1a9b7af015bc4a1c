// One [[httpPlugins]] entry as an HTTP client: POST {addr}{path}?op=OP&version=0.1.0 with a bounded answer and a deadline.
import http from 'node:http';
import https from 'node:https';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { ServerConfig } from '../../config/index.js';
import { parseResponse, requestBody, requestQuery, type PluginOp, type PluginResponse } from './protocol.js';

/** One [[httpPlugins]] entry of the config. */
export type HttpPluginConfig = ServerConfig['httpPlugins'][number];

/**
 * How long one plugin request may take, connect to last byte (frp: no limit, Go's http.Client without
 * Timeout). 5 s keeps a Login's plugin chain inside frpc's 10 s wait for LoginResp and the server's
 * 10 s pre-auth deadline.
 */
export const PLUGIN_REQUEST_TIMEOUT_MS = 5_000;

/** Environment variable that shortens PLUGIN_REQUEST_TIMEOUT_MS (ms), for tests of slow plugins; not a config key. */
export const PLUGIN_TIMEOUT_ENV = 'BURROW_PLUGIN_TIMEOUT_MS';

/** The request deadline: PLUGIN_TIMEOUT_ENV when it holds a positive integer, else PLUGIN_REQUEST_TIMEOUT_MS. */
export function pluginTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[PLUGIN_TIMEOUT_ENV]);
  return Number.isSafeInteger(value) && value > 0 ? value : PLUGIN_REQUEST_TIMEOUT_MS;
}

/** Largest plugin answer read (frp: unbounded io.ReadAll); a bigger one is a failed request. */
export const MAX_PLUGIN_RESPONSE_BYTES = 1024 * 1024;

/** Requests one plugin may have in flight (waiting included); more fail at once instead of queueing without bound. */
export const MAX_PLUGIN_PENDING_REQUESTS = 1024;

/** Connections kept open to one plugin (keep-alive, as Go's http.Client reuses them). */
export const MAX_PLUGIN_SOCKETS = 64;

/** What a request to a plugin needs besides its op and content. */
export interface PluginCallOptions {
  /** frp's X-Frp-Reqid: one id for every plugin of one chain. */
  reqId: string;
}

/** frp's URL rule: `addr + path`, with "http://" put in front unless it names http:// or https://. */
export function pluginUrl(addr: string, path: string): string {
  const url = `${addr}${path}`;
  return url.startsWith('https://') || url.startsWith('http://') ? url : `http://${url}`;
}

/** A server plugin reached over HTTP(S). */
export class HttpPlugin {
  readonly name: string;
  readonly ops: ReadonlySet<PluginOp>;
  /** The URL without the query, and without user:password when it has them (what the logs show). */
  readonly url: string;
  /** tlsVerify: an https plugin's certificate is checked. */
  readonly verifiesTls: boolean;
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private pending = 0;

  /** Throws BurrowError CONFIG when addr + path is no URL. */
  constructor(config: HttpPluginConfig, timeoutMs = PLUGIN_REQUEST_TIMEOUT_MS) {
    this.name = config.name;
    this.ops = new Set(config.ops);
    const url = pluginUrl(config.addr, config.path);
    this.timeoutMs = timeoutMs;
    this.verifiesTls = config.tlsVerify;
    try {
      this.target = new URL(url);
    } catch (err) {
      throw new BurrowError(ErrorCode.CONFIG, `httpPlugins [${config.name}]: addr + path is not a URL`, {
        cause: err,
      });
    }
    this.url = withoutCredentials(this.target);
    const agentOptions = { keepAlive: true, maxSockets: MAX_PLUGIN_SOCKETS };
    this.agent = this.isHttps
      ? new https.Agent({ ...agentOptions, rejectUnauthorized: config.tlsVerify })
      : new http.Agent(agentOptions);
  }

  /** True when the plugin is reached over https. */
  get isHttps(): boolean {
    return this.target.protocol === 'https:';
  }

  /** Whether this plugin asked for `op`. */
  handles(op: PluginOp): boolean {
    return this.ops.has(op);
  }

  /**
   * Sends one op and resolves with the checked answer. Rejects with BurrowError PLUGIN_FAILED when
   * the plugin is down, slower than the timeout, answers a status other than 200, more than
   * MAX_PLUGIN_RESPONSE_BYTES or something that is not frp's Response.
   */
  async call(op: PluginOp, contentJson: string, options: PluginCallOptions): Promise<PluginResponse> {
    if (this.pending >= MAX_PLUGIN_PENDING_REQUESTS) {
      throw new BurrowError(ErrorCode.PLUGIN_FAILED, `${MAX_PLUGIN_PENDING_REQUESTS} requests already pending`);
    }
    this.pending += 1;
    try {
      return parseResponse(await this.post(op, Buffer.from(requestBody(op, contentJson), 'utf8'), options));
    } finally {
      this.pending -= 1;
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private post(op: PluginOp, body: Buffer, options: PluginCallOptions): Promise<string> {
    const client = this.isHttps ? https : http;
    const path = `${this.target.pathname}${this.target.search}?${requestQuery(op)}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: BurrowError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const req = client.request(
        {
          protocol: this.target.protocol,
          hostname: this.target.hostname.replace(/^\[|\]$/g, ''),
          port: this.target.port,
          path,
          method: 'POST',
          agent: this.agent,
          // user:password in addr become Basic auth, as Go's http.Client sends them.
          ...(this.target.username !== '' ? { auth: credentials(this.target) } : {}),
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': body.length,
            'X-Frp-Reqid': options.reqId,
          },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            fail(new BurrowError(ErrorCode.PLUGIN_FAILED, `do http request error code: ${res.statusCode ?? 0}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_PLUGIN_RESPONSE_BYTES) {
              fail(new BurrowError(ErrorCode.PLUGIN_FAILED, `answer larger than ${MAX_PLUGIN_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => fail(network(err)));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        },
      );
      const timer = setTimeout(
        () => fail(new BurrowError(ErrorCode.TIMEOUT, `no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      req.on('error', (err) => fail(network(err)));
      req.end(body);
    });
  }
}

/** The URL as text without its user:password (they are secrets and stay out of logs). */
function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** user:password of a URL, percent-decoded, for Basic auth. */
function credentials(url: URL): string {
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}

function network(err: Error): BurrowError {
  return new BurrowError(ErrorCode.PLUGIN_FAILED, errorMessage(err), { cause: err });
}
