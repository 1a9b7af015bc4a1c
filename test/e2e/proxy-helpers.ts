// Shared pieces of the proxy-type e2e tests: config text, a started server + client pair, local origins (dgram echo, HTTP).
import dgram from 'node:dgram';
import http from 'node:http';
import type net from 'node:net';
import { BurrowProcess, freePort, scratchDir, writeFile } from './harness.js';

export const TOKEN = 'e2e-proxy-token';

/** Lines of a server config on loopback (extra lines appended). */
export function serverToml(bindPort: number, dir: string, extra: string[] = []): string {
  return [
    'bindAddr = "127.0.0.1"',
    `bindPort = ${bindPort}`,
    `auth.token = "${TOKEN}"`,
    `stateDir = "${dir}/state"`,
    ...extra,
    '',
  ].join('\n');
}

/** Lines of a client config on loopback; `body` holds [[proxies]] / [[visitors]] tables. */
export function clientToml(serverPort: number, body: string[], extra: string[] = []): string {
  return [
    'serverAddr = "127.0.0.1"',
    `serverPort = ${serverPort}`,
    `auth.token = "${TOKEN}"`,
    // extra lines may override these defaults (TOML refuses a key twice).
    ...['transport.tls.enable = true', 'transport.poolCount = 2'].filter(
      (line) => !extra.some((e) => e.startsWith(line.split(' = ')[0]!)),
    ),
    ...extra,
    '',
    ...body,
    '',
  ].join('\n');
}

/** Starts `burrow server` with the given config text; resolves once it listens. */
export async function startServer(dir: string, toml: string, name = 'frps.toml'): Promise<BurrowProcess> {
  const server = new BurrowProcess(['server', '-c', writeFile(dir, name, toml)]);
  await server.waitFor(/burrow server listening/);
  return server;
}

/** Starts `burrow client`; resolves once `proxies` proxies started (0: once logged in). */
export async function startClient(
  dir: string,
  toml: string,
  proxies: number,
  name = 'frpc.toml',
): Promise<BurrowProcess> {
  const client = new BurrowProcess(['client', '-c', writeFile(dir, name, toml)]);
  if (proxies > 0) await client.waitForCount(/start proxy success/, proxies);
  else await client.waitFor(/login to server success/);
  return client;
}

/** A fresh scratch dir and a free bind port. */
export async function setup(): Promise<{ dir: string; bindPort: number }> {
  return { dir: scratchDir(), bindPort: await freePort() };
}

/** A UDP echo service on 127.0.0.1. */
export async function startUdpEcho(): Promise<{ port: number; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

/** An HTTP origin on 127.0.0.1 with a handler; its open connections are closed by close(). */
export async function startHttpOrigin(
  handler: http.RequestListener,
): Promise<{ port: number; server: http.Server; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    server,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GET through the vhost with a Host header; resolves with status, headers and the whole body. */
export function httpGet(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path, headers: { Host: host, ...headers }, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${host}${path} timed out`)));
    req.on('error', reject);
  });
}

/** A self-signed certificate for `host` made by the openssl CLI, as PEM files in `dir`. */
export async function makeCert(dir: string, host: string): Promise<{ cert: string; key: string }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const cert = `${dir}/${host}.crt`;
  const key = `${dir}/${host}.key`;
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** Reads until close from a TLS connection to 127.0.0.1:port with SNI `host` (certificate not verified: self-signed origin). */
export async function tlsFetch(port: number, host: string, request: string, timeoutMs = 60_000): Promise<Buffer> {
  const tls = await import('node:tls');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false }, () =>
      socket.write(request),
    );
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`TLS fetch via ${host} timed out`)), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
