// Shared pieces of the http2http/http2https/https2http/https2https/tls2raw e2e tests: a CA and certificates from burrow's
// CLI, recording HTTP and HTTPS origins, curl and openssl s_client runs, and proxy tables.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { runCli } from '../harness.js';

/** How long one curl or openssl run may take on a loaded 2-core box. */
const TOOL_TIMEOUT_MS = 60_000;

/** Largest output a tool run may print before the test gives up on it. */
const TOOL_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** A CA made by `burrow ca init` and one server certificate from `burrow cert issue server` for `names`. */
export async function burrowCert(dir: string, names: string[]): Promise<{ ca: string; cert: string; key: string }> {
  const caDir = join(dir, 'ca');
  const init = await runCli(['ca', 'init', '--dir', caDir, '--name', 'Plugin E2E CA']);
  assert.equal(init.code, 0, init.output);
  const out = join(dir, 'site');
  const issued = await runCli(['cert', 'issue', 'server', '--ca-dir', caDir, '--out', out, ...names]);
  assert.equal(issued.code, 0, issued.output);
  return { ca: join(caDir, 'ca.crt'), cert: `${out}.crt`, key: `${out}.key` };
}

/** What an origin saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodySha256: string;
  bodyBytes: number;
  /** The SNI of the origin's TLS connection ("" for none or plain HTTP). */
  sni: string;
}

/** An origin that answers every request with what it saw, as JSON, and an `x-origin` response header. */
export interface RecordingOrigin {
  port: number;
  close: () => Promise<void>;
}

function recorder(scheme: string): http.RequestListener {
  return (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodySha256: hash.digest('hex'),
        bodyBytes: bytes,
        sni: (req.socket as TLSSocket).servername || '',
      };
      res.writeHead(200, { 'content-type': 'application/json', 'x-origin': scheme, connection: 'keep-alive' });
      res.end(JSON.stringify(seen));
    });
  };
}

async function listen(server: http.Server): Promise<RecordingOrigin> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain HTTP recording origin on 127.0.0.1. */
export function startHttpRecorder(): Promise<RecordingOrigin> {
  return listen(http.createServer(recorder('http')));
}

/** An HTTPS recording origin on 127.0.0.1 serving `cert`/`key` (the plugins do not verify it, as frp). */
export function startHttpsRecorder(cert: string, key: string): Promise<RecordingOrigin> {
  return listen(https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, recorder('https')));
}

/** Runs a tool to completion with `input` on stdin; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runTool(
  command: string,
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { timeout: TOOL_TIMEOUT_MS, maxBuffer: TOOL_MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? null : 0;
        if (err && code === null && !('killed' in err)) reject(err);
        else resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

/** The result of one curl request. */
export interface CurlResult {
  status: number;
  /** curl's %{http_version}: "1.1" or "2". */
  httpVersion: string;
  /** Response headers, lower-case names, each with its values. */
  headers: Record<string, string[]>;
  body: string;
  stderr: string;
}

/** Runs `curl ARGS`, returning status, HTTP version, response headers (curl's %{header_json}) and body. */
export async function curl(args: string[]): Promise<CurlResult> {
  const marker = '\n--curl-status--';
  const r = await runTool('curl', [
    '-sS',
    '--max-time',
    '30',
    '-w',
    `${marker}%{http_code} %{http_version}\n%{header_json}`,
    ...args,
  ]);
  const at = r.stdout.lastIndexOf(marker);
  assert.ok(at >= 0, `curl ${args.join(' ')} printed no status (exit ${r.code}): ${r.stderr}`);
  const tail = r.stdout.slice(at + marker.length);
  const newline = tail.indexOf('\n');
  const [status = '0', httpVersion = ''] = tail.slice(0, newline).split(' ');
  const json = tail.slice(newline + 1).trim();
  return {
    status: Number(status),
    httpVersion,
    headers: json === '' ? {} : (JSON.parse(json) as Record<string, string[]>),
    body: r.stdout.slice(0, at),
    stderr: r.stderr,
  };
}

/** The JSON an origin answered with. */
export function seen(result: CurlResult): SeenRequest {
  assert.equal(result.status, 200, `expected 200, got ${result.status}: ${result.body} ${result.stderr}`);
  return JSON.parse(result.body) as SeenRequest;
}

/** Lines of one [[proxies]] table with a [proxies.plugin] table. */
export function pluginProxy(name: string, head: string[], plugin: string[]): string[] {
  return ['[[proxies]]', `name = "${name}"`, ...head, '[proxies.plugin]', ...plugin, ''];
}

/** Spawns `openssl s_client` to 127.0.0.1:port with SNI `servername`, writes `input`, and resolves with what it printed and its exit code. */
export function sClient(
  port: number,
  servername: string,
  ca: string,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      servername,
      '-CAfile',
      ca,
      '-verify_return_error',
      '-quiet',
      '-ign_eof',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A WebSocket echo service on 127.0.0.1; `hosts` keeps the Host of each upgrade request. */
export async function startWsEcho(): Promise<{ port: number; hosts: string[]; close: () => Promise<void> }> {
  const { WebSocketServer } = await import('ws');
  const hosts: string[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws, req) => {
    hosts.push(req.headers.host ?? '');
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  return {
    port: (wss.address() as net.AddressInfo).port,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Opens a WebSocket to `url` (options as ws's, e.g. `ca`, `servername`), sends `message`, resolves with the echo. */
export async function wsEcho(url: string, message: string, options: Record<string, unknown> = {}): Promise<string> {
  const { WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: TOOL_TIMEOUT_MS, ...options });
    ws.once('open', () => ws.send(message));
    ws.once('message', (data: Buffer) => {
      resolve(data.toString('utf8'));
      ws.close();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
  });
}
