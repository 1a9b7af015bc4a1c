// Talks to a running client's admin API from another process (what `burrow client reload` / `status` use, like frpc's): Basic auth, HTTPS pinned to webServer.tls.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ClientProxyStatus } from '../observe/index.js';
import type { WebServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { formatAddress } from '../net/dial.js';
import type { ClientReloadResult } from './reload.js';

/** Each admin API call must answer within this (frpc's --api-timeout default: 30 s). */
export const ADMIN_API_TIMEOUT_MS = 30_000;

/** Largest answer read from the admin API (a status list or a config file; far above real ones). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** One answer of the admin API. */
interface Answer {
  status: number;
  body: string;
  /** Retry-After of a 429 ("" when absent). */
  retryAfter?: string;
}

/**
 * A client of one burrow (or frpc) admin API, built from the [webServer] table of the client's
 * config: the same address (an unspecified one means this host), port and credentials. With
 * webServer.tls it speaks HTTPS and accepts only the certificate in webServer.tls.certFile.
 */
export class ClientAdminApi {
  readonly url: string;
  private readonly host: string;
  private readonly pinnedCert: Buffer | undefined;

  /** Throws BurrowError CONFIG when webServer.port is not set (the admin API is off). */
  constructor(
    private readonly web: WebServerConfig,
    /** Named in messages, e.g. the config file. */
    private readonly source = 'the client config',
    private readonly timeoutMs = ADMIN_API_TIMEOUT_MS,
  ) {
    if (web.port <= 0) {
      throw new BurrowError(
        ErrorCode.CONFIG,
        `${source}: webServer.port is not set, so the client's admin API is off; set [webServer] port (and user/password) in the config the client runs with, and restart it`,
      );
    }
    this.host = connectHost(web.addr);
    this.pinnedCert = web.tls.certFile && web.tls.keyFile ? readCertDer(web.tls.certFile) : undefined;
    this.url = `${this.pinnedCert ? 'https' : 'http'}://${formatAddress(this.host, web.port)}`;
  }

  /** GET /api/status: every proxy of the running client, sorted by type then name. */
  async status(): Promise<ClientProxyStatus[]> {
    const byType = this.parseJson(await this.call('GET', '/api/status')) as Record<string, Record<string, unknown>[]>;
    const out: ClientProxyStatus[] = [];
    for (const type of Object.keys(byType).sort()) {
      for (const p of byType[type] ?? []) {
        out.push({
          name: String(p.name ?? ''),
          type: String(p.type ?? type),
          status: String(p.status ?? ''),
          err: String(p.err ?? ''),
          localAddr: String(p.local_addr ?? ''),
          plugin: String(p.plugin ?? ''),
          remoteAddr: String(p.remote_addr ?? ''),
        });
      }
    }
    return out;
  }

  /** GET /api/reload: the client re-reads its config file and applies it. */
  async reload(): Promise<Partial<ClientReloadResult>> {
    const answer = await this.call('GET', '/api/reload');
    // frpc answers an empty 200; burrow answers what changed.
    return answer.body.trim() === '' ? {} : (this.parseJson(answer) as Partial<ClientReloadResult>);
  }

  /** GET /api/config: the config file's text, its secrets masked as "<redacted>" (a putConfig that keeps a mask keeps that secret). */
  async getConfig(): Promise<string> {
    return (await this.call('GET', '/api/config')).body;
  }

  /** PUT /api/config: replaces the config file (the client validates it first). */
  async putConfig(text: string): Promise<void> {
    await this.call('PUT', '/api/config', text);
  }

  /** One request; any answer but 2xx becomes a BurrowError saying what to do. */
  private async call(method: string, path: string, body?: string): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await this.request(method, path, body);
    } catch (err) {
      if (err instanceof BurrowError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'ECONNREFUSED' ? ': nothing listens there; is the client running with this config?' : '';
      throw new BurrowError(
        ErrorCode.NETWORK,
        `cannot reach the client admin API at ${this.url}: ${errorMessage(err)}${hint}`,
        { cause: err },
      );
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    const reason = errorText(answer.body);
    if (answer.status === 401) {
      throw new BurrowError(
        ErrorCode.AUTH,
        `the client admin API at ${this.url} refused the credentials (401): webServer.user and webServer.password in ${this.source} must match the running client's`,
      );
    }
    if (answer.status === 429) {
      throw new BurrowError(
        ErrorCode.AUTH,
        `the client admin API at ${this.url} refuses this address for ${answer.retryAfter || 'a few'} s after too many failed logins (429): check webServer.user and webServer.password in ${this.source}, then retry`,
      );
    }
    if (answer.status === 400) throw new BurrowError(ErrorCode.CONFIG, reason);
    throw new BurrowError(
      ErrorCode.INTERNAL,
      `the client admin API at ${this.url} answered ${method} ${path} with ${answer.status}: ${reason}`,
    );
  }

  private request(method: string, path: string, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Host: formatAddress(this.host, this.web.port) };
      if (this.web.user !== '' || this.web.password !== '') {
        headers.Authorization = `Basic ${Buffer.from(`${this.web.user}:${this.web.password}`, 'utf8').toString('base64')}`;
      }
      if (body !== undefined) {
        headers['Content-Type'] = 'text/plain; charset=utf-8';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const timer = setTimeout(() => {
        req.destroy(
          new BurrowError(
            ErrorCode.TIMEOUT,
            `the client admin API at ${this.url} did not answer ${method} ${path} within ${this.timeoutMs} ms`,
          ),
        );
      }, this.timeoutMs);
      const finish = (err: Error | undefined, answer?: Answer): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const req = http.request(
        {
          host: this.host,
          port: this.web.port,
          method,
          path,
          headers,
          // With TLS, the credentials are only sent once the pinned certificate was seen (connectPinned).
          // No agent then: an agent would open its own connection and ignore createConnection.
          ...(this.pinnedCert ? { createConnection: () => this.connectPinned(this.pinnedCert!) } : { agent: false }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(
                new BurrowError(
                  ErrorCode.PROTOCOL,
                  `the answer from ${this.url}${path} is over ${MAX_RESPONSE_BYTES} bytes`,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            finish(undefined, {
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: String(res.headers['retry-after'] ?? ''),
            }),
          );
          res.on('error', (err) => finish(err));
        },
      );
      req.on('error', (err) => finish(err));
      req.end(body);
    });
  }

  /**
   * A TLS connection that carries the request only when the server shows exactly the certificate
   * of webServer.tls.certFile: the admin API's certificate is usually self-signed, so it is pinned
   * rather than checked against CAs. Until the check passes nothing is written on the socket.
   */
  private connectPinned(expected: Buffer): Duplex {
    const socket = tls.connect({
      host: this.host,
      port: this.web.port,
      rejectUnauthorized: false,
      servername: tlsServerName(this.host),
    });
    socket.cork();
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      if (!raw || !raw.equals(expected)) {
        socket.destroy(
          new BurrowError(
            ErrorCode.TLS,
            `the client admin API at ${this.url} presented a certificate other than webServer.tls.certFile; refusing to send credentials`,
          ),
        );
        return;
      }
      socket.uncork();
    });
    return socket;
  }

  private parseJson(answer: Answer): unknown {
    try {
      return JSON.parse(answer.body) as unknown;
    } catch (err) {
      throw new BurrowError(
        ErrorCode.PROTOCOL,
        `the client admin API at ${this.url} answered something other than JSON: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }
}

/** The address to dial for a listen address: unspecified ones mean this host. */
function connectHost(addr: string): string {
  if (addr === '' || addr === '0.0.0.0') return '127.0.0.1';
  if (addr === '::' || addr === '[::]') return '::1';
  return addr.replace(/^\[|\]$/g, '');
}

/** SNI must be a host name, never an IP address. */
function tlsServerName(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}

/** The DER of the first certificate in a PEM file. */
function readCertDer(file: string): Buffer {
  try {
    return new X509Certificate(readFileSync(file)).raw;
  } catch (err) {
    throw new BurrowError(
      ErrorCode.TLS,
      `webServer.tls.certFile: cannot read a certificate from ${file}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}

/** The `error` of a JSON error answer, else the text itself. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON (frpc answers plain text): the text is the reason.
  }
  return body.trim();
}
