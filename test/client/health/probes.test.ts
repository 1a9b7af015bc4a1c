// The tcp and http health probes against real local services on 127.0.0.1: verdicts, headers, path, timeouts, bounded body.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  MAX_HEALTH_BODY_BYTES,
  probeHttp,
  requestHeaders,
  requestPath,
  shown,
} from '../../../src/client/health/http-probe.js';
import { probeTcp } from '../../../src/client/health/tcp-probe.js';
import { healthProbe } from '../../../src/client/health/probe.js';
import { parseClientConfig } from '../../../src/config/index.js';
import { ErrorCode, isBurrowError } from '../../../src/errors.js';

/** Timeout of the probes that should answer quickly. */
const TIMEOUT_MS = 2_000;
/** Timeout of the probes that must time out. */
const SHORT_TIMEOUT_MS = 200;

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('health probes', () => {
  let server: http.Server;
  let port = 0;
  const seen: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  const sockets = new Set<net.Socket>();
  let loops = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      if (req.url === '/ok') res.end('fine');
      else if (req.url === '/created') res.writeHead(204).end();
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/redirect-auth') res.writeHead(307, { location: 'auth' }).end();
      else if (req.url === '/loop') {
        loops += 1;
        res.writeHead(301, { location: '/loop' }).end();
      } else if (req.url === '/no-location') res.writeHead(302).end();
      else if (req.url === '/to-https') res.writeHead(308, { location: `https://127.0.0.1:${port}/ok` }).end();
      else if (req.url === '/auth') res.writeHead(req.headers['x-health-key'] === 'k1' ? 200 : 403).end();
      else if (req.url === '/host') res.writeHead(req.headers.host === 'svc.internal' ? 200 : 421).end();
      else if (req.url === '/stall')
        return; // never answers
      else if (req.url === '/endless') {
        // 2xx headers, then a body that never ends: the verdict is healthy, the drain is bounded.
        res.writeHead(200);
        const chunk = Buffer.alloc(16 * 1024);
        const pump = (): void => {
          while (res.write(chunk));
          res.once('drain', pump);
        };
        pump();
      } else res.writeHead(500).end('down');
    });
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, headers: { name: string; value: string }[] = [], timeoutMs = TIMEOUT_MS) =>
    probeHttp({ host: '127.0.0.1', port, path, headers, timeoutMs });

  it('tcp: healthy when the port accepts, NETWORK when refused', async () => {
    await probeTcp({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
    const closed = await closedPort();
    await assert.rejects(probeTcp({ host: '127.0.0.1', port: closed, timeoutMs: TIMEOUT_MS }), (err) =>
      isBurrowError(err, ErrorCode.NETWORK),
    );
  });

  it('http: any 2xx is healthy; 5xx is not (frp: StatusCode/100 == 2)', async () => {
    await get('/ok');
    await get('/created');
    await assert.rejects(get('/nope'), (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK) && /500/.test(String(err)));
  });

  it("http: redirects are followed as Go's http.Client does (same-host ones keep the headers), 10 requests at most", async () => {
    await get('/redirect');
    await get('/redirect-auth', [{ name: 'X-Health-Key', value: 'k1' }]);
    await assert.rejects(
      get('/loop'),
      (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK) && /stopped after 10 redirects/.test(String(err)),
    );
    assert.equal(loops, 10, 'ten requests, as Go sends');
    await assert.rejects(
      get('/no-location'),
      (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK) && /status 302/.test(String(err)),
    );
    await assert.rejects(
      get('/to-https'),
      (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK) && /not followed/.test(String(err)),
    );
  });

  it('http: sends the configured headers (a later one of the same name wins) and Host from them', async () => {
    await assert.rejects(get('/auth'), (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK));
    await get('/auth', [
      { name: 'X-Health-Key', value: 'wrong' },
      { name: 'x-health-key', value: 'k1' },
    ]);
    await get('/host', [{ name: 'Host', value: 'svc.internal' }]);
    assert.deepEqual(
      requestHeaders([
        { name: 'A', value: '1' },
        { name: 'a', value: '2' },
      ]),
      { a: '2' },
    );
  });

  it('http: errors name the URL without its query (it may carry a credential)', async () => {
    assert.equal(shown(new URL('http://127.0.0.1:8080/h?token=s3cret')), 'http://127.0.0.1:8080/h?…');
    assert.equal(shown(new URL('http://[::1]:8080/h')), 'http://[::1]:8080/h');
    await assert.rejects(
      get('/nope?token=s3cret'),
      (err) => !String(err).includes('s3cret') && /\/nope\?…/.test(String(err)),
    );
  });

  it('http: a path without a leading slash gets one, as frp builds the URL', async () => {
    assert.equal(requestPath('ok'), '/ok');
    assert.equal(requestPath('/ok?x=1'), '/ok?x=1');
    seen.length = 0;
    await get('ok');
    assert.equal(seen[0]?.path, '/ok');
  });

  it('http: TIMEOUT when the service never answers, NETWORK when nothing listens', async () => {
    await assert.rejects(get('/stall', [], SHORT_TIMEOUT_MS), (err) => isBurrowError(err, ErrorCode.TIMEOUT));
    const closed = await closedPort();
    await assert.rejects(
      probeHttp({ host: '127.0.0.1', port: closed, path: '/', headers: [], timeoutMs: TIMEOUT_MS }),
      (err) => isBurrowError(err, ErrorCode.NETWORK),
    );
  });

  it('an aborted check rejects with CLOSED at once (the monitor stopped)', async () => {
    const stalled = new AbortController();
    const pending = probeHttp(
      { host: '127.0.0.1', port, path: '/stall', headers: [], timeoutMs: TIMEOUT_MS },
      stalled.signal,
    );
    const started = Date.now();
    setTimeout(() => stalled.abort(), 50);
    await assert.rejects(pending, (err) => isBurrowError(err, ErrorCode.CLOSED));
    assert.ok(Date.now() - started < TIMEOUT_MS, 'before the timeout');
    await assert.rejects(probeTcp({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS }, AbortSignal.abort()), (err) =>
      isBurrowError(err, ErrorCode.CLOSED),
    );
  });

  it('http: an endless 2xx body is healthy and its connection is closed after at most MAX_HEALTH_BODY_BYTES', async () => {
    await get('/endless');
    const deadline = Date.now() + TIMEOUT_MS;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.size, 0, `the probe closed its connection (limit ${MAX_HEALTH_BODY_BYTES} bytes)`);
  });

  it('healthProbe: none without a type or a local port; the configured probe otherwise', async () => {
    const proxy = (lines: string[]) =>
      parseClientConfig(['[[proxies]]', 'name = "p"', 'type = "tcp"', ...lines].join('\n'), 'frpc.toml', { env: {} })
        .config.proxies[0]!;
    assert.equal(healthProbe(proxy([`localPort = ${port}`])), undefined);
    const tcp = healthProbe(proxy([`localPort = ${port}`, 'healthCheck.type = "tcp"']));
    assert.ok(tcp);
    await tcp(new AbortController().signal);
    const httpProbe = healthProbe(
      proxy([`localPort = ${port}`, 'healthCheck.type = "http"', 'healthCheck.path = "/nope"']),
    );
    assert.ok(httpProbe);
    await assert.rejects(httpProbe(new AbortController().signal), (err) => isBurrowError(err, ErrorCode.HEALTH_CHECK));
  });
});
