// Fake server and client views for admin API tests, and a raw HTTP request helper.
import http from 'node:http';
import https from 'node:https';
import { BurrowError, ErrorCode } from '../../src/errors.js';
import type { ClientProxyStatus, ClientView, ProxyInfo, ReloadResult, ServerView } from '../../src/observe/index.js';

/** Any single request must answer within this time. */
const REQUEST_TIMEOUT_MS = 5000;

/** A server view with one online tcp proxy ("web"), one offline http proxy ("blog") and one mTLS client. */
export function fakeServerView(): ServerView & { proxyList: ProxyInfo[] } {
  const now = Date.now();
  const proxyList: ProxyInfo[] = [
    {
      name: 'web',
      type: 'tcp',
      status: 'online',
      runId: 'run-alice-1',
      remoteAddr: ':6000',
      curConns: 3,
      todayTrafficIn: 123_456,
      todayTrafficOut: 9_876_543,
      lastStartTime: new Date(now - 3_600_000).toISOString(),
      lastCloseTime: '',
      conf: { proxy_name: 'web', proxy_type: 'tcp', remote_port: 6000, sk: 'hush' },
    },
    {
      name: 'blog',
      type: 'http',
      status: 'offline',
      runId: 'run-bob-2',
      user: 'bob',
      remoteAddr: 'blog.example.com',
      curConns: 0,
      todayTrafficIn: 0,
      todayTrafficOut: 0,
      lastStartTime: new Date(now - 7_200_000).toISOString(),
      lastCloseTime: new Date(now - 600_000).toISOString(),
      conf: { proxy_name: 'blog', proxy_type: 'http', custom_domains: ['blog.example.com'], http_pwd: 'secret' },
    },
  ];
  return {
    proxyList,
    info: () => ({
      version: '0.1.0',
      bindPort: 7000,
      vhostHTTPPort: 8080,
      vhostHTTPSPort: 0,
      tcpMux: true,
      subdomainHost: 'example.com',
      startTime: new Date(now - 93_784_000).toISOString(),
      clientCounts: 1,
      curConns: 3,
      totalTrafficIn: 5 * 1024 * 1024,
      totalTrafficOut: 42 * 1024 * 1024 * 1024,
      proxyTypeCount: { tcp: 1 },
    }),
    clients: () => [
      {
        runId: 'run-alice-1',
        user: '',
        hostname: 'alice-laptop',
        os: 'linux',
        arch: 'amd64',
        version: '0.70.0',
        remoteAddress: '127.0.0.1:51234',
        wire: 'v2',
        controlCipher: 'aes-128-cfb',
        tls: {
          version: 'TLSv1.3',
          cipher: 'TLS_AES_128_GCM_SHA256',
          identity: {
            cn: 'alice',
            dns: ['alice.example.com'],
            uris: [],
            fingerprint: 'sha256:' + 'ab'.repeat(32),
            validTo: new Date(now + 90 * 86_400_000).toISOString(),
          },
        },
        connectedSince: new Date(now - 3_600_000).toISOString(),
      },
    ],
    proxies: () => proxyList,
    traffic: (name) =>
      proxyList.some((p) => p.name === name)
        ? { trafficIn: [120, 800, 0, 4000, 2500, 100, 3000], trafficOut: [900, 4000, 0, 12000, 7000, 300, 8000] }
        : undefined,
    certificates: () => [
      {
        role: 'server',
        subject: 'CN=burrow server',
        notAfter: new Date(now + 400 * 86_400_000).toISOString(),
        daysLeft: 400,
        fingerprint: 'sha256:' + 'cd'.repeat(32),
      },
      {
        role: 'client CA',
        subject: 'CN=burrow CA',
        notAfter: new Date(now + 20 * 86_400_000).toISOString(),
        daysLeft: 20,
        fingerprint: 'sha256:' + 'ef'.repeat(32),
      },
    ],
  };
}

/** A client view holding its config text in memory; "invalid" in a config is refused as CONFIG. */
export function fakeClientView(): ClientView & { text: string; reloads: number } {
  const statuses: ClientProxyStatus[] = [
    {
      name: 'ssh',
      type: 'tcp',
      status: 'running',
      err: '',
      localAddr: '127.0.0.1:22',
      plugin: '',
      remoteAddr: 'example.com:6001',
    },
    {
      name: 'api',
      type: 'tcp',
      status: 'running',
      err: '',
      localAddr: '127.0.0.1:3000',
      plugin: '',
      remoteAddr: 'example.com:6002',
    },
    {
      name: 'site',
      type: 'http',
      status: 'start error',
      err: 'router config conflict',
      localAddr: '127.0.0.1:80',
      plugin: '',
      remoteAddr: '',
    },
  ];
  const view = {
    text: 'serverAddr = "example.com"\n',
    reloads: 0,
    status: () => statuses,
    configText: async () => view.text,
    putConfigText: async (text: string) => {
      if (text.includes('invalid')) throw new BurrowError(ErrorCode.CONFIG, 'frpc.toml: line 1: expected a key');
      view.text = text;
    },
    reload: async (): Promise<ReloadResult> => {
      view.reloads++;
      return { added: ['new'], removed: [], changed: ['ssh'] };
    },
  };
  return view;
}

/** A raw HTTP answer. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Options of `request`. */
export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** user:password for Basic auth. */
  auth?: string;
}

/** One HTTP(S) request to `url` (certificate checks off for our self-signed test certs). */
export function request(url: string, opts: RequestOptions = {}): Promise<RawResponse> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== undefined) headers.Authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      { method: opts.method ?? 'GET', headers, agent: false, rejectUnauthorized: false, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
