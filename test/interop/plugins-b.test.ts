// Interop: burrow's http2http, http2https, https2http, https2https and tls2raw client plugins against the real frps, each
// side by side with the real frpc running the same plugin: the local origin must see the same request from both.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../e2e/harness.js';
import {
  burrowCert,
  curl,
  pluginProxy,
  sClient,
  seen,
  startHttpRecorder,
  startHttpsRecorder,
  type RecordingOrigin,
  type SeenRequest,
} from '../e2e/plugins/forward-helpers.js';
import {
  clientToml,
  FRP_SKIP,
  removeScratch,
  scratchDir,
  serverToml,
  startClient,
  startServer,
  stopAll,
  withLogs,
} from './harness.js';

/** The two clients compared, both logged in to the one real frps. */
const CLIENTS = ['frpc', 'burrow'] as const;
type ClientImpl = (typeof CLIENTS)[number];

/** The plugin types this file covers. */
const TYPES = ['http2http', 'http2https', 'https2http', 'https2https', 'tls2raw'] as const;
type Type = (typeof TYPES)[number];

/** The SNI / Host the TLS-terminating plugins are reached by. */
const HOST = 'plug.test';

/** What an origin saw that the plugins decide (frp's Rewrite): compared between frpc and burrow. */
function decided(req: SeenRequest): Record<string, unknown> {
  const h = req.headers;
  return {
    method: req.method,
    url: req.url,
    host: h.host,
    fromPlugin: h['x-from-plugin'],
    xff: h['x-forwarded-for'],
    // The Host the user sent carries each proxy's own remote port.
    xfh: h['x-forwarded-host']?.toString().replace(/:\d+$/, ':PORT'),
    xfp: h['x-forwarded-proto'],
    forwarded: h.forwarded,
    sni: req.sni,
    bodyBytes: req.bodyBytes,
  };
}

/** A TCP service answering "got: <line>" to the first line it reads, then closing. */
async function startLineService(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.endsWith('\n')) socket.end(`got: ${text}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe(
  'interop: plugins http2http, http2https, https2http, https2https, tls2raw (burrow client → frps, beside frpc)',
  {
    skip: FRP_SKIP,
  },
  () => {
    let httpOrigin: RecordingOrigin;
    let httpsOrigin: RecordingOrigin;
    let line: Awaited<ReturnType<typeof startLineService>>;
    let ca = '';
    let vhostPort = 0;
    /** remotePort of each client's proxy of each type. */
    const ports = new Map<string, number>();
    const key = (impl: ClientImpl, type: Type): string => `${impl}/${type}`;

    before(() =>
      withLogs(async () => {
        const dir = scratchDir();
        const issued = await burrowCert(dir, [HOST]);
        ca = issued.ca;
        httpOrigin = await startHttpRecorder();
        const originCert = await burrowCert(scratchDir(), ['localhost']);
        httpsOrigin = await startHttpsRecorder(originCert.cert, originCert.key);
        line = await startLineService();
        const bindPort = await freePort();
        vhostPort = await freePort();
        await startServer('frps', dir, serverToml('frps', dir, bindPort, [`vhostHTTPSPort = ${vhostPort}`]));
        for (const impl of CLIENTS) {
          const body: string[] = [];
          const rewrite = ['hostHeaderRewrite = "origin.internal"', 'requestHeaders.set.x-from-plugin = "yes"'];
          const files = [`crtPath = "${issued.cert}"`, `keyPath = "${issued.key}"`];
          const localAddr: Record<Type, string> = {
            http2http: `127.0.0.1:${httpOrigin.port}`,
            http2https: `localhost:${httpsOrigin.port}`,
            https2http: `127.0.0.1:${httpOrigin.port}`,
            https2https: `localhost:${httpsOrigin.port}`,
            tls2raw: `127.0.0.1:${line.port}`,
          };
          for (const type of TYPES) {
            const plugin = [`type = "${type}"`, `localAddr = "${localAddr[type]}"`];
            if (type !== 'tls2raw') plugin.push(...rewrite);
            if (type.startsWith('https') || type === 'tls2raw') plugin.push(...files);
            const port = await freePort();
            ports.set(key(impl, type), port);
            body.push(...pluginProxy(`${impl}-${type}`, ['type = "tcp"', `remotePort = ${port}`], plugin));
          }
          // https2http behind frps's own https vhost (routed by SNI): one per client, on its own domain.
          body.push(
            ...pluginProxy(
              `${impl}-vhost`,
              ['type = "https"', `customDomains = ["${impl}.${HOST}"]`],
              [`type = "https2http"`, `localAddr = "127.0.0.1:${httpOrigin.port}"`, ...files],
            ),
          );
          const names = [...TYPES.map((t) => `${impl}-${t}`), `${impl}-vhost`];
          await startClient(impl, scratchDir(), clientToml(impl, bindPort, body), { proxies: names });
        }
      }),
    );

    after(async () => {
      await stopAll();
      await httpOrigin.close();
      await httpsOrigin.close();
      await line.close();
      removeScratch();
    });

    /** What the origin saw of one request through each client's proxy of `type`. */
    async function both(type: Type, args: (port: number) => string[]): Promise<Record<ClientImpl, SeenRequest>> {
      const out: Partial<Record<ClientImpl, SeenRequest>> = {};
      for (const impl of CLIENTS) out[impl] = seen(await curl(args(ports.get(key(impl, type))!)));
      return out as Record<ClientImpl, SeenRequest>;
    }

    const xff = [
      '-H',
      'X-Forwarded-For: 203.0.113.9',
      '-H',
      'X-Forwarded-Host: spoofed.test',
      '-H',
      'Forwarded: for=x',
    ];
    const tls = (port: number, path: string): string[] => [
      '--cacert',
      ca,
      '--resolve',
      `${HOST}:${port}:127.0.0.1`,
      `https://${HOST}:${port}${path}`,
    ];

    it('http2http: the origin sees the same request from frpc and burrow (Host rewritten, X-Forwarded-* dropped)', () =>
      withLogs(async () => {
        const r = await both('http2http', (port) => [...xff, `http://127.0.0.1:${port}/a?b=c`]);
        assert.deepEqual(decided(r.burrow), decided(r.frpc));
        assert.equal(r.burrow.headers.host, 'origin.internal');
        assert.equal(r.burrow.headers['x-forwarded-for'], undefined);
      }));

    it('http2https: the same request from both over unverified TLS (X-Forwarded-* passed on)', () =>
      withLogs(async () => {
        const r = await both('http2https', (port) => [...xff, '-d', 'body', `http://127.0.0.1:${port}/s`]);
        assert.deepEqual(decided(r.burrow), decided(r.frpc));
        assert.equal(r.burrow.headers['x-forwarded-for'], '203.0.113.9');
        assert.equal(r.burrow.sni, 'localhost');
      }));

    it('https2http: the same request from both over HTTP/2 (X-Forwarded-For appended, -Host and -Proto set)', () =>
      withLogs(async () => {
        const r = await both('https2http', (port) => ['--http2', ...xff, ...tls(port, '/t')]);
        assert.deepEqual(decided(r.burrow), decided(r.frpc));
        assert.equal(r.burrow.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
        assert.equal(r.burrow.headers['x-forwarded-proto'], 'https');
      }));

    it('https2https: the same request from both, and both answer 421 to a Host that is not the SNI', () =>
      withLogs(async () => {
        const r = await both('https2https', (port) => ['--http1.1', ...xff, ...tls(port, '/u')]);
        assert.deepEqual(decided(r.burrow), decided(r.frpc));
        for (const impl of CLIENTS) {
          const wrong = await curl(['-H', 'Host: other.test', ...tls(ports.get(key(impl, 'https2https'))!, '/')]);
          assert.equal(wrong.status, 421, impl);
        }
      }));

    it('https2http behind frps https vhost: both terminate the TLS frps routed by SNI', () =>
      withLogs(async () => {
        for (const impl of CLIENTS) {
          const host = `${impl}.${HOST}`;
          const r = await curl([
            '--cacert',
            ca,
            '--resolve',
            `${host}:${vhostPort}:127.0.0.1`,
            `https://${host}:${vhostPort}/v`,
          ]);
          // The certificate names plug.test only: curl must refuse the others, for both clients alike.
          assert.equal(r.status, 0, `${impl}: ${r.stderr}`);
          const ok = seen(
            await curl(['-k', '--resolve', `${host}:${vhostPort}:127.0.0.1`, `https://${host}:${vhostPort}/v`]),
          );
          assert.equal(ok.headers['x-forwarded-host'], `${host}:${vhostPort}`);
        }
      }));

    it('tls2raw: openssl s_client gets the same answer through both', () =>
      withLogs(async () => {
        for (const impl of CLIENTS) {
          const r = await sClient(ports.get(key(impl, 'tls2raw'))!, HOST, ca, `from ${impl}\n`);
          assert.equal(r.stdout, `got: from ${impl}\n`, `${impl}: ${r.stderr}`);
        }
      }));
  },
);
