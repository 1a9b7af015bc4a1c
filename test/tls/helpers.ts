// Test helpers for the TLS layer: temp dirs, openssl-made CAs and keys, loopback socket pairs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { once } from 'node:events';

/** Validity of every test certificate, in days. */
const TEST_CERT_DAYS = '2';

/** Runs openssl with `args`; throws with its stderr when it fails. */
export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `burrow-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Paths of a CA made by openssl. */
export interface TestCa {
  certFile: string;
  keyFile: string;
}

/** Creates an EC P-256 CA (CA:TRUE, keyCertSign) named `name` in `dir`. */
export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    `/CN=${name}`,
    '-days',
    TEST_CERT_DAYS,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile };
}

/** Issues a leaf signed by `ca` for `sans` ("DNS:x,IP:y") with EKU `eku` (serverAuth or clientAuth). */
export function issueLeaf(
  dir: string,
  ca: TestCa,
  name: string,
  sans: string,
  eku: 'serverAuth' | 'clientAuth',
): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${sans}\nextendedKeyUsage=${eku}\nbasicConstraints=CA:FALSE\n`);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    TEST_CERT_DAYS,
    '-extfile',
    ext,
  ]);
  return { certFile, keyFile };
}

/** Self-signs a certificate for an existing key file (any format openssl reads). */
export function selfSignForKey(dir: string, keyFile: string, name: string): string {
  const certFile = join(dir, `${name}.crt`);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-out',
    certFile,
    '-subj',
    '/CN=localhost',
    '-days',
    TEST_CERT_DAYS,
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return certFile;
}

/** A connected loopback pair: `accepted` (server side) and `client`, plus a closer. */
export interface SocketPair {
  accepted: net.Socket;
  client: net.Socket;
  close: () => Promise<void>;
}

/** Opens a listener on 127.0.0.1:0, connects to it once and returns both ends. */
export async function socketPair(opts: { pauseOnConnect?: boolean } = {}): Promise<SocketPair> {
  const server = net.createServer({ pauseOnConnect: opts.pauseOnConnect ?? false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  // Tests write before anyone reads; an error on a torn-down socket must not crash the run.
  accepted.on('error', () => undefined);
  client.on('error', () => undefined);
  return {
    accepted,
    client,
    close: async () => {
      accepted.destroy();
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads exactly `n` bytes from `stream` (flowing mode) within `timeoutMs`. */
export function readExactly(stream: NodeJS.ReadableStream, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`read ${got} of ${n} bytes before the ${timeoutMs} ms deadline`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) {
        clearTimeout(timer);
        stream.off('data', onData);
        const all = Buffer.concat(chunks);
        if (all.length > n) stream.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    stream.on('data', onData);
  });
}
