// `burrow client join`: pin the server's CA, send a CSR with the one-time token, write key, certificate, CA and frpc.toml.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { certFingerprint, parseFingerprint } from '../pki/index.js';
import { refuseExisting } from '../pki/files.js';
import { writeAllOrNothing, renderClientConfig } from './client-files.js';
import { ENROLL_FILE_MODE, ENROLL_PATH } from './constants.js';
import { createCsr } from './csr.js';
import { postEnrollment } from './exchange.js';
import { checkIssuedCert } from './issued-check.js';
import { connectPinned } from './pin.js';
import { parseToken } from './token.js';

/** Mode of the directory join creates: it holds a private key. */
const JOIN_DIR_MODE = 0o700;

/** Mode of the certificate files (public). */
const PUBLIC_MODE = 0o644;

/** Names of the files a join writes into its directory. */
export const JOIN_FILES = { key: 'client.key', cert: 'client.crt', ca: 'ca.crt', config: 'frpc.toml' } as const;

/** Options of joinServer. */
export interface JoinOptions {
  /** "host:port" or "[v6]:port" of the server's bindPort. */
  server: string;
  token: string;
  /** "sha256:…" of the server's CA, as printed by `burrow server token create`. */
  fingerprint: string;
  /** Where the files go (created 0700 when missing). */
  dir: string;
  /** Name to check the server certificate against (and write as transport.tls.serverName). */
  serverName?: string;
  /** Replace existing files in `dir`. */
  force?: boolean;
  timeoutMs?: number;
}

/** What a join wrote. */
export interface JoinResult {
  identity: string;
  serial: string;
  notAfter: string;
  files: { key: string; cert: string; ca: string; config: string };
}

/** "host:port" or "[v6]:port" → host and port; throws BurrowError(USAGE). */
export function parseServerAddress(text: string): { host: string; port: number } {
  const t = text.trim();
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(t) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(t);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `server address "${text}" must be HOST:PORT (the server's bindPort), e.g. tunnel.example.com:7000 or [2001:db8::1]:7000`,
    );
  }
  return { host: m[1]!, port };
}

/** Throws BurrowError(PKI) unless `dir`, or its nearest existing parent, is writable (checked before the token is spent). */
async function checkWritable(dir: string): Promise<void> {
  let at = dir;
  for (;;) {
    try {
      await access(at, constants.W_OK);
      return;
    } catch (err) {
      const parent = dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) {
        throw new BurrowError(ErrorCode.PKI, `cannot write into ${at}: ${errorMessage(err)}`, { cause: err });
      }
      at = parent;
    }
  }
}

/**
 * Joins a server: checks every input and that no file would be overwritten, generates an EC P-256
 * key here (never sent), connects with TLS trusting only the pinned CA (refused before anything is
 * sent on a mismatch), sends the token with a CSR, checks the certificate returned (our key, our
 * identity, the pinned CA), and writes client.key (0600), client.crt, ca.crt and frpc.toml (0600)
 * all or nothing. Nothing is written on any failure.
 */
export async function joinServer(opts: JoinOptions): Promise<JoinResult> {
  const { host, port } = parseServerAddress(opts.server);
  const token = parseToken(opts.token);
  let pin: string;
  try {
    pin = parseFingerprint(opts.fingerprint);
  } catch (err) {
    throw new BurrowError(ErrorCode.USAGE, `--fingerprint: ${errorMessage(err)}`, { cause: err });
  }
  const dir = resolve(opts.dir);
  const files = {
    key: join(dir, JOIN_FILES.key),
    cert: join(dir, JOIN_FILES.cert),
    ca: join(dir, JOIN_FILES.ca),
    config: join(dir, JOIN_FILES.config),
  };
  if (!opts.force)
    await refuseExisting(Object.values(files), 'refusing to overwrite it (choose another --dir, or --force)');
  await checkWritable(dir);

  const request = await createCsr(token.identity);
  const { socket, pinnedPem } = await connectPinned({
    host,
    port,
    pin,
    ...(opts.serverName ? { serverName: opts.serverName } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const issued = await postEnrollment(
    socket,
    ENROLL_PATH,
    opts.serverName || host,
    { token: opts.token.trim(), csr: request.csrPem },
    opts.timeoutMs,
  );
  if (issued.identity !== token.identity) {
    throw new BurrowError(
      ErrorCode.PKI,
      `the server enrolled "${issued.identity}", but the token is for "${token.identity}"`,
    );
  }
  if (certFingerprint(issued.ca) !== pin) {
    throw new BurrowError(
      ErrorCode.PKI,
      `the CA the server returned (${certFingerprint(issued.ca)}) is not the pinned one (${pin})`,
    );
  }
  await checkIssuedCert(issued.certificate, {
    identity: token.identity,
    publicKeyDer: request.publicKeyDer,
    caPem: pinnedPem,
  });
  if (!issued.client)
    throw new BurrowError(ErrorCode.PROTOCOL, 'the server did not say how to log in (no "client" in its answer)');

  const config = renderClientConfig({
    identity: token.identity,
    serverAddr: host,
    serverPort: port,
    ...(opts.serverName ? { serverName: opts.serverName } : {}),
    authToken: issued.client.authToken,
    tcpMux: issued.client.tcpMux,
    certFile: files.cert,
    keyFile: files.key,
    caFile: files.ca,
    configFile: files.config,
    notAfter: issued.notAfter,
    allowances: issued.client.allowances,
  });
  try {
    await mkdir(dir, { recursive: true, mode: JOIN_DIR_MODE });
  } catch (err) {
    throw new BurrowError(ErrorCode.PKI, `cannot create ${dir}: ${errorMessage(err)}`, { cause: err });
  }
  await writeAllOrNothing([
    { path: files.key, data: request.keyPem, mode: ENROLL_FILE_MODE },
    { path: files.cert, data: issued.certificate, mode: PUBLIC_MODE },
    { path: files.ca, data: pinnedPem, mode: PUBLIC_MODE },
    // It holds the server's auth token.
    { path: files.config, data: config, mode: ENROLL_FILE_MODE },
  ]);
  return { identity: token.identity, serial: issued.serial, notAfter: issued.notAfter, files };
}
