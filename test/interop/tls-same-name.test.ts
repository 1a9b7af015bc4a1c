// Interop: a CA and the certificate it signed share one subject name (as frp's e2e cert generator makes them, CN=127.0.0.1 for both); Go accepts the chain, so must burrow.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { download, freePort, randomPayload, sha256, startFileServer } from '../e2e/harness.js';
import {
  clientToml,
  FRP_SKIP,
  MIXES,
  removeScratch,
  scratchDir,
  serverToml,
  sides,
  startClient,
  startServer,
  stopAll,
  withLogs,
  type Mix,
} from './harness.js';

/** The blob every download fetches. */
const BLOB_SIZE = 1024 * 1024;
/** The one subject both certificates carry. */
const NAME = '127.0.0.1';

const openssl = (args: string[]): Promise<unknown> => promisify(execFile)('openssl', args);

/** A CA and a client+server certificate with the same subject (CN=127.0.0.1), like frp's test/e2e/pkg/cert. */
async function sameNamePki(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const [ca, caKey, cert, key, csr, ext] = ['ca.crt', 'ca.key', 'leaf.crt', 'leaf.key', 'leaf.csr', 'leaf.ext'].map(
    (f) => path.join(dir, f),
  ) as [string, string, string, string, string, string];
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${NAME}`,
    '-keyout',
    caKey,
    '-out',
    ca,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${NAME}`, '-keyout', key, '-out', csr]);
  writeFileSync(
    ext,
    `subjectAltName=IP:${NAME},DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-set_serial',
    '2',
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { ca, cert, key };
}

describe('interop: CA and certificate with the same subject name', { skip: FRP_SKIP }, () => {
  const blob = randomPayload(BLOB_SIZE);
  const ports = new Map<Mix, number>();
  let origin: Awaited<ReturnType<typeof startFileServer>>;

  before(() =>
    withLogs(async () => {
      origin = await startFileServer(blob);
      const pki = await sameNamePki(scratchDir());
      for (const mix of MIXES) ports.set(mix, await freePort());
      // frp's "one-way authentication" spec: the server only checks client certificates; the client does not verify the server.
      await Promise.all(
        MIXES.map(async (mix) => {
          const { server, client } = sides(mix);
          const dir = scratchDir();
          const bindPort = await freePort();
          await startServer(
            server,
            dir,
            serverToml(server, dir, bindPort, [`transport.tls.trustedCaFile = "${pki.ca}"`]),
          );
          const body = [
            '[[proxies]]',
            'name = "tcp"',
            'type = "tcp"',
            'localIP = "127.0.0.1"',
            `localPort = ${origin.port}`,
            `remotePort = ${ports.get(mix)}`,
          ];
          const extra = [`transport.tls.certFile = "${pki.cert}"`, `transport.tls.keyFile = "${pki.key}"`];
          // Not awaited for readiness here: a refused client never gets there; each case checks its own port.
          await startClient(client, dir, clientToml(client, bindPort, body, extra), {
            expect: /start proxy success|login to server failed|connect to server error/,
          });
        }),
      );
    }),
  );

  after(async () => {
    await stopAll();
    await origin?.close();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: the client certificate is accepted and data flows`, {}, () =>
      withLogs(async () => {
        const got = await download(ports.get(mix)!);
        assert.equal(sha256(got), sha256(blob));
      }),
    );
  }
});
