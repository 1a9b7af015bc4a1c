// Rates without a baseline: TLS logins per second against the burrow server, certificates issued per second.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Session } from '../src/mux/index.js';
import { initCa, loadCa, signLeaf } from '../src/pki/index.js';
import { clientLogin, deriveCipherKey, nowSeconds, privilegeKey } from '../src/wire/index.js';
import { LOOPBACK } from './protocol.js';

/** Deadline for one login (TLS handshake + yamux + Login/LoginResp). */
const LOGIN_TIMEOUT_MS = 10_000;

/** One full login as a client does it: TCP, TLS, a yamux session, Login, LoginResp; then hang up. */
async function loginOnce(port: number, token: string, key: Buffer): Promise<void> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ host: LOOPBACK, port, rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  const session = new Session(socket, { client: true, keepaliveIntervalMs: 0 });
  try {
    const timestamp = nowSeconds();
    const { resp } = await clientLogin(
      session.open(),
      'v1',
      {
        version: '0.70.0',
        privilege_key: privilegeKey(token, timestamp),
        timestamp,
        client_spec: {},
        pool_count: 0,
      },
      { token, encryptionKey: key, timeoutMs: LOGIN_TIMEOUT_MS },
    );
    if (resp.error) throw new Error(`login refused: ${resp.error}`);
  } finally {
    session.close();
  }
}

/** Logins per second with `parallel` clients logging in back to back for `seconds`. */
export async function loginRate(port: number, token: string, parallel: number, seconds: number): Promise<number> {
  const key = deriveCipherKey(token);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < deadline) {
        await loginOnce(port, token, key);
        done += 1;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Leaf certificates signed at once by cert-issue-rate (the CA key is loaded once, as a server that enrolls clients holds it). */
const ISSUE_CONCURRENCY = 8;

/**
 * EC P-256 client certificates issued per second — key generated, certificate signed, both as PEM
 * — with the CA loaded once and ISSUE_CONCURRENCY in flight, for `seconds` or `maxCount`.
 */
export async function certIssueRate(seconds: number, maxCount: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-bench-pki-'));
  try {
    await initCa({ dir: path.join(dir, 'ca') });
    const ca = await loadCa(path.join(dir, 'ca'));
    const deadline = Date.now() + seconds * 1000;
    const started = process.hrtime.bigint();
    let issued = 0;
    await Promise.all(
      Array.from({ length: ISSUE_CONCURRENCY }, async () => {
        while (Date.now() < deadline && issued < maxCount) {
          const leaf = await signLeaf(ca, { kind: 'client', names: [`client-${issued}`] });
          if (!leaf.keyPem) throw new Error('no key generated');
          issued += 1;
        }
      }),
    );
    return issued / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
