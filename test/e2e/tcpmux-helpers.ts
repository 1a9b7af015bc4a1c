// Shared pieces of the tcpmux tests: a raw CONNECT exchange, curl through the HTTP CONNECT multiplexer, a proxy table.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A raw exchange or curl run that takes longer fails the test instead of hanging it. */
export const TCPMUX_TIMEOUT_MS = 30_000;
/** Largest curl output kept in memory. */
const CURL_MAX_BUFFER = 8 * 1024 * 1024;

/** A [[proxies]] table of type tcpmux (multiplexer httpconnect) for `localPort`, with extra lines. */
export function tcpmuxProxy(name: string, localPort: number, lines: string[]): string[] {
  return [
    '[[proxies]]',
    `name = "${name}"`,
    'type = "tcpmux"',
    'multiplexer = "httpconnect"',
    'localIP = "127.0.0.1"',
    `localPort = ${localPort}`,
    ...lines,
    '',
  ];
}

/** "Basic base64(user:password)". */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * Writes `bytes` to 127.0.0.1:port (then half-closes when `end`), resolves with everything read
 * until the peer closes.
 */
export function rawConnect(port: number, bytes: Buffer | string, end = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Half-open only when we end first: otherwise the peer's end closes the socket.
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: end });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('tcpmux exchange timed out')), TCPMUX_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    if (end) socket.end(bytes);
    else socket.write(bytes);
  });
}

/** The response head's first line and the bytes after the head. */
export function splitResponse(raw: Buffer): { status: string; head: string; rest: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: raw.toString('latin1'), head: raw.toString('latin1'), rest: Buffer.alloc(0) };
  const head = raw.subarray(0, end).toString('latin1');
  return { status: head.split('\r\n')[0] ?? '', head, rest: raw.subarray(end + 4) };
}

/**
 * `curl -p -x http://127.0.0.1:port http://host/path`: a CONNECT tunnel to host:80, then the GET
 * inside it. Resolves with the CONNECT answer's status (%{http_connect}) and the body (empty
 * when the tunnel was refused).
 */
export async function curlConnect(
  port: number,
  url: string,
  args: string[] = [],
): Promise<{ connectStatus: number; body: Buffer }> {
  const marker = '\n--http-connect:';
  const { stdout } = await run(
    'curl',
    ['-sS', '-p', '-x', `http://127.0.0.1:${port}`, '-w', `${marker}%{http_connect}`, ...args, url],
    { encoding: 'buffer', maxBuffer: CURL_MAX_BUFFER, timeout: TCPMUX_TIMEOUT_MS },
  ).catch((err: { stdout?: Buffer; code?: number }) => {
    // curl exits 56 when the proxy refuses the CONNECT; what it wrote still says why.
    if (err.stdout !== undefined && err.code === 56) return { stdout: err.stdout };
    throw err;
  });
  const at = stdout.lastIndexOf(marker);
  return { connectStatus: Number(stdout.subarray(at + marker.length).toString()), body: stdout.subarray(0, at) };
}
