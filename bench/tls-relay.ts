// The baseline chain's two hops in plain Node: `entry` (TCP in, TLS out) and `exit` (TLS in, TCP out).
// Run as a child: node --import tsx bench/tls-relay.ts entry|exit <nextPort>...
// One listener per next-hop port, announced in the same order (see protocol.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { announcePorts, LOOPBACK } from './protocol.js';

/** Validity of the throw-away certificate: it only has to outlive one bench run. */
const CERT_DAYS = '1';
/** Same key type as burrow's generated server certificate (EC P-256), so handshakes compare. */
const CERT_CURVE = 'ec_paramgen_curve:prime256v1';
/**
 * The TLS 1.3 suite burrow negotiates (first in its Mozilla "intermediate" list, server order), so both
 * tunnels do the same crypto work; Node's default would pick TLS_AES_256_GCM_SHA384.
 */
const CIPHER_SUITE = 'TLS_AES_128_GCM_SHA256';
/** Highest TCP port number. */
const MAX_PORT = 65535;

/** Makes a throw-away self-signed certificate with the openssl CLI; the temp dir is removed at once. */
function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        CERT_CURVE,
        '-nodes',
        '-sha256',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        CERT_DAYS,
        '-subj',
        '/CN=bench-relay',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Relays both ways with pipe() (backpressure and half-close included). An error on one side destroys
 * the other; so does an abrupt close, but a side that pipe() already ended is left to flush.
 */
function relay(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  for (const [one, other] of [
    [a, b],
    [b, a],
  ] as const) {
    one.on('error', () => other.destroy());
    one.on('close', () => {
      if (!other.writableEnded) other.destroy();
    });
  }
}

function fail(message: string): never {
  process.stderr.write(`tls-relay.ts: ${message}\n`);
  process.exit(2);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT)
    fail(`expected a port number, got ${JSON.stringify(text)}`);
  return port;
}

/** Entry hop: plain TCP in, TLS out to `exitPort`. */
function entryListener(exitPort: number): net.Server {
  return net.createServer({ noDelay: true }, (inbound) => {
    // The bench only talks to its own exit hop, whose certificate is made fresh each run.
    const outbound = tls.connect({ host: LOOPBACK, port: exitPort, rejectUnauthorized: false });
    outbound.once('secureConnect', () => outbound.setNoDelay(true));
    relay(inbound, outbound);
  });
}

/** Exit hop: TLS in, plain TCP out to `targetPort`. */
function exitListener(targetPort: number, material: { key: Buffer; cert: Buffer }): net.Server {
  return tls.createServer({ ...material, ciphers: CIPHER_SUITE }, (inbound) => {
    inbound.setNoDelay(true);
    relay(inbound, net.connect({ host: LOOPBACK, port: targetPort, noDelay: true }));
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port)),
  );
}

const [mode, ...portArgs] = process.argv.slice(2);
if (mode !== 'entry' && mode !== 'exit') fail(`expected mode "entry" or "exit", got ${JSON.stringify(mode)}`);
if (portArgs.length === 0) fail('expected at least one next-hop port');
const nextPorts = portArgs.map(parsePort);
const material = mode === 'exit' ? selfSignedCert() : undefined;
const servers = nextPorts.map((port) => (material ? exitListener(port, material) : entryListener(port)));
// Exit through process.exit on SIGTERM, so that node's --cpu-prof (when given) writes its profile.
process.once('SIGTERM', () => process.exit(0));
announcePorts(await Promise.all(servers.map(listen)));
