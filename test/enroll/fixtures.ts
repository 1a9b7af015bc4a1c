// Enrollment test fixtures: a CA with a server certificate, a loopback TLS endpoint in front of an EnrollService, and a recording TLS server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { defaultServerConfig, type ServerConfig } from '../../src/config/index.js';
import { EnrollService, RequestRateLimiter } from '../../src/enroll/index.js';
import { certFingerprint, generateCrl, initCa, issueCert } from '../../src/pki/index.js';
import { peerIdentity } from '../../src/tls/index.js';

/** Attempts per minute the test endpoint allows (the real default is 10). */
const LOOSE_RATE_LIMIT = 1000;

/** A scratch directory; remove it with rmSync in after(). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'burrow-enroll-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A CA directory and a server certificate for 127.0.0.1 issued by it, plus a CRL. */
export interface Pki {
  dir: string;
  caDir: string;
  caCert: string;
  caFingerprint: string;
  serverCert: string;
  serverKey: string;
  crlFile: string;
}

export async function makePki(dir: string, name = 'ca'): Promise<Pki> {
  const caDir = join(dir, name);
  const ca = await initCa({ dir: caDir, name: `test ${name}` });
  const out = join(dir, `${name}-server`);
  await issueCert({ caDir, kind: 'server', names: ['127.0.0.1', 'localhost'], out });
  const crl = await generateCrl({ dir: caDir });
  return {
    dir,
    caDir,
    caCert: ca.certFile,
    caFingerprint: certFingerprint(ca.certPem),
    serverCert: `${out}.crt`,
    serverKey: `${out}.key`,
    crlFile: crl.crlFile,
  };
}

/** A server config as an enrollment-ready server has it (mTLS against the CA, its CRL). */
export function serverConfigFor(pki: Pki, token = 'secret-auth-token'): ServerConfig {
  const config = defaultServerConfig();
  config.bindAddr = '127.0.0.1';
  config.auth.token = token;
  config.transport.tls.certFile = pki.serverCert;
  config.transport.tls.keyFile = pki.serverKey;
  config.transport.tls.trustedCaFile = pki.caCert;
  config.transport.tls.crlFile = pki.crlFile;
  config.transport.tls.force = true;
  return config;
}

/** An EnrollService behind a loopback TLS listener that asks for (but does not require) client certificates. */
export interface Endpoint {
  port: number;
  service: EnrollService;
  close(): Promise<void>;
}

export async function startEndpoint(
  pki: Pki,
  opts: { rateLimiter?: RequestRateLimiter; now?: () => number; caDir?: string } = {},
): Promise<Endpoint> {
  const service = new EnrollService({
    caDir: opts.caDir ?? pki.caDir,
    authToken: 'secret-auth-token',
    tcpMux: true,
    // Every test request comes from 127.0.0.1: a loose limit unless a test checks the limit itself.
    rateLimiter: opts.rateLimiter ?? new RequestRateLimiter(LOOSE_RATE_LIMIT, 60_000),
    ...(opts.now ? { now: opts.now } : {}),
  });
  await service.start();
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      // As the tunnel acceptor does for enrollment: a joining client has no certificate yet.
      rejectUnauthorized: false,
    },
    (socket) => {
      const identity = peerIdentity(socket);
      service.handle(socket, identity ? { identity } : undefined, `${socket.remoteAddress}:${socket.remotePort}`);
    },
  );
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    service,
    close: async () => {
      service.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A TLS server that records every decrypted byte it receives (to prove a client sent nothing). */
export interface Recorder {
  port: number;
  received(): Buffer;
  handshakes(): number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** TCP connections still open. */
  open(): number;
  close(): Promise<void>;
}

export async function startRecorder(
  cert: string,
  key: string,
  chain = '',
  requireClientCertFrom?: string,
): Promise<Recorder> {
  const chunks: Buffer[] = [];
  let handshakes = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const clientAuth = requireClientCertFrom
    ? { ca: readFileSync(requireClientCertFrom), requestCert: true, rejectUnauthorized: true }
    : {};
  const server = tls.createServer(
    { cert: readFileSync(cert, 'utf8') + chain, key: readFileSync(key), ...clientAuth },
    (socket) => {
      handshakes += 1;
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => undefined);
    },
  );
  server.on('connection', (s: net.Socket) => {
    connections += 1;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    connections: () => connections,
    open: () => sockets.size,
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    handshakes: () => handshakes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Sends raw bytes over TLS (no verification) and returns the status and JSON of the answer. */
export async function rawRequest(
  port: number,
  request: string,
  clientCert?: { cert: string; key: string },
): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    ...(clientCert ? { cert: readFileSync(clientCert.cert), key: readFileSync(clientCert.key) } : {}),
  });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(request);
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, body: bodyText ? (JSON.parse(bodyText) as { error?: string }) : {} };
}

/** An HTTP/1.1 POST with a JSON body, as bytes. */
export function post(path: string, body: unknown, extraHeaders = ''): string {
  const json = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extraHeaders}\r\n${json}`;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every `everyMs` until it holds, at most `polls` times, then fails naming `what`. */
export async function until(what: string, ok: () => boolean, polls: number, everyMs: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if (ok()) return;
    await sleep(everyMs);
  }
  assert.fail(`timed out waiting for ${what}`);
}
