// `burrow quickstart`: a CA, server and client certificates, and a mutual-TLS tunnel on loopback to a hello service.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { BurrowClient } from '../client/index.js';
import { loadClientConfig, loadServerConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../log.js';
import { caPaths, generateCrl, initCa, inspectCert, issueCert } from '../pki/index.js';
import { BurrowServer } from '../server/index.js';
import { startHelloService, type HelloService } from './hello-service.js';

/** Random bytes in the generated auth token. */
const TOKEN_BYTES = 16;
/** The client certificate's identity. */
export const QUICKSTART_CLIENT_ID = 'quickstart-client';

export interface QuickstartOptions {
  /** Where certificates and configs go; a fresh temporary directory by default. Reused when it already holds the CA. */
  dir?: string;
  logger?: Logger;
}

/** A running quickstart. */
export interface Quickstart {
  dir: string;
  /** The hello service's public URL (through the tunnel). */
  url: string;
  serverConfigFile: string;
  clientConfigFile: string;
  server: BurrowServer;
  client: BurrowClient;
  close(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Makes the CA and certificates unless `dir` already has them, and writes a fresh CRL of the CA
 * each start (a reused directory may have none, or one past its nextUpdate, which the handshake
 * would refuse): the server checks it, so `burrow server revoke` works here as anywhere. Returns its path.
 */
async function ensurePki(dir: string): Promise<string> {
  const ca = path.join(dir, 'ca');
  const paths = caPaths(ca);
  if (!existsSync(paths.cert)) {
    await initCa({ dir: ca, name: 'burrow quickstart CA' });
    await issueCert({ caDir: ca, kind: 'server', names: ['127.0.0.1', 'localhost'], out: path.join(dir, 'server') });
    await issueCert({ caDir: ca, kind: 'client', names: [QUICKSTART_CLIENT_ID], out: path.join(dir, 'client') });
  }
  return (await generateCrl({ dir: ca })).crlFile;
}

/** "CN=…, sha256:…" of a certificate file. */
async function describeCert(file: string): Promise<string> {
  const info = inspectCert(await readFile(file, 'utf8'));
  return `${info.subject} (${info.fingerprint})`;
}

/**
 * Sets everything up and starts it: server and client (mutual TLS, tcpMux) in this process, the
 * hello service behind a tcp proxy. The config files written are what a user would run with
 * `burrow server -c` / `burrow client -c` for the same tunnel.
 */
export async function startQuickstart(options: QuickstartOptions = {}): Promise<Quickstart> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'burrow-quickstart-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logger = options.logger ?? silentLogger();
  const crl = await ensurePki(dir);
  const file = (name: string): string => path.join(dir, name);
  const [serverDesc, clientDesc, caDesc] = await Promise.all([
    describeCert(file('server.crt')),
    describeCert(file('client.crt')),
    describeCert(path.join(dir, 'ca', 'ca.crt')),
  ]);

  // The client starts after the hello service; the page reads its TLS state when asked.
  const live: { client?: BurrowClient } = {};
  const hello: HelloService = await startHelloService(() => ({
    tlsVersion: live.client?.transportInfo.tlsVersion ?? '?',
    tlsCipher: live.client?.transportInfo.tlsCipher ?? '?',
    wire: live.client?.config.transport.wireProtocol ?? '?',
    serverCertificate: serverDesc,
    clientCertificate: clientDesc,
    caCertificate: caDesc,
  }));
  const [bindPort, remotePort] = [await freePort(), await freePort()];
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const ca = path.join(dir, 'ca', 'ca.crt');
  const serverConfigFile = file('frps.toml');
  const clientConfigFile = file('frpc.toml');
  writeFileSync(
    serverConfigFile,
    [
      '# burrow quickstart server: mutual TLS on loopback',
      'bindAddr = "127.0.0.1"',
      `bindPort = ${bindPort}`,
      `auth.token = "${token}"`,
      `transport.tls.certFile = ${JSON.stringify(file('server.crt'))}`,
      `transport.tls.keyFile = ${JSON.stringify(file('server.key'))}`,
      `transport.tls.trustedCaFile = ${JSON.stringify(ca)}`,
      `transport.tls.crlFile = ${JSON.stringify(crl)}`,
      `stateDir = ${JSON.stringify(file('state'))}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(
    clientConfigFile,
    [
      '# burrow quickstart client: verifies the server, presents its own certificate',
      'serverAddr = "127.0.0.1"',
      `serverPort = ${bindPort}`,
      `auth.token = "${token}"`,
      `transport.tls.certFile = ${JSON.stringify(file('client.crt'))}`,
      `transport.tls.keyFile = ${JSON.stringify(file('client.key'))}`,
      `transport.tls.trustedCaFile = ${JSON.stringify(ca)}`,
      '',
      '[[proxies]]',
      'name = "hello"',
      'type = "tcp"',
      'localIP = "127.0.0.1"',
      `localPort = ${hello.port}`,
      `remotePort = ${remotePort}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const server = new BurrowServer((await loadServerConfig(serverConfigFile)).config, {
    logger: logger.child({ role: 'server' }),
  });
  await server.start();
  const started = new BurrowClient((await loadClientConfig(clientConfigFile)).config, {
    logger: logger.child({ role: 'client' }),
  });
  live.client = started;
  const proxyUp = new Promise<void>((resolve) => {
    started.on('proxy', (status: { phase: string }) => {
      if (status.phase === 'running') resolve();
    });
  });
  await started.start();
  await proxyUp;
  return {
    dir,
    url: `http://127.0.0.1:${remotePort}/`,
    serverConfigFile,
    clientConfigFile,
    server,
    client: started,
    close: async () => {
      await started.close();
      await server.close();
      await hello.close();
    },
  };
}
