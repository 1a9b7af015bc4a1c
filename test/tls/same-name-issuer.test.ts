// A client certificate whose subject equals its CA's (frp's e2e certificates: both CN=127.0.0.1) is accepted when the CA
// signed it, as Go accepts it (OpenSSL finds the issuer before calling it self-signed); a self-signed impostor with that
// name, or one not allowed for client auth, is refused.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as tls from 'node:tls';
import { BurrowError, ErrorCode } from '../../src/errors.js';
import {
  buildClientTlsOptions,
  buildServerTls,
  connectTls,
  sniffTlsFirstByte,
  wrapServerSocket,
  type ServerTls,
} from '../../src/tls/index.js';
import { issueLeaf, makeCa, openssl, socketPair, tempDir } from './helpers.js';

/** The one name CA and leaves share. */
const NAME = 'same.test';
const HANDSHAKE_MS = 5000;

/** The server side's outcome of one handshake with a client presenting `leaf`. */
async function serverSide(serverTls: ServerTls, leaf: { certFile: string; keyFile: string }) {
  // The client does not verify the server here (frp's one-way spec): only the server's verdict is under test.
  const client = await buildClientTlsOptions({
    enable: true,
    ...leaf,
    trustedCaFile: '',
    serverName: '',
    serverAddr: '127.0.0.1',
    disableCustomTLSFirstByte: true,
    verify: 'none',
  });
  const pair = await socketPair();
  try {
    const serverP = sniffTlsFirstByte(pair.accepted, { force: true }).then(() =>
      wrapServerSocket(pair.accepted, serverTls, { handshakeTimeoutMs: HANDSHAKE_MS }),
    );
    const clientP = connectTls(pair.client, client.options, { customFirstByte: false, timeoutMs: HANDSHAKE_MS });
    const [server, clientSock] = await Promise.allSettled([serverP, clientP]);
    for (const r of [server, clientSock]) if (r.status === 'fulfilled') (r.value as tls.TLSSocket).destroy();
    return server;
  } finally {
    await pair.close();
  }
}

describe('client certificate named like its CA', () => {
  const tmp = tempDir('same-name');
  let serverTls: ServerTls;
  let ca: ReturnType<typeof makeCa>;
  const leaves: Record<'signed' | 'serverOnly' | 'impostor', { certFile: string; keyFile: string }> = {
    signed: { certFile: '', keyFile: '' },
    serverOnly: { certFile: '', keyFile: '' },
    impostor: { certFile: '', keyFile: '' },
  };

  before(async () => {
    const sub = (name: string): string => {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      return dir;
    };
    ca = makeCa(sub('ca'), NAME);
    leaves.signed = issueLeaf(sub('signed'), ca, NAME, `DNS:${NAME}`, 'clientAuth');
    leaves.serverOnly = issueLeaf(sub('server-only'), ca, NAME, `DNS:${NAME}`, 'serverAuth');
    const impostorDir = sub('impostor');
    leaves.impostor = { certFile: join(impostorDir, 'x.crt'), keyFile: join(impostorDir, 'x.key') };
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      leaves.impostor.keyFile,
      '-out',
      leaves.impostor.certFile,
      '-subj',
      `/CN=${NAME}`,
      '-days',
      '2',
    ]);
    serverTls = await buildServerTls({
      certFile: '',
      keyFile: '',
      trustedCaFile: ca.certFile,
      force: false,
      stateDir: join(tmp.dir, 'state'),
    });
  });
  after(() => tmp.remove());

  it('accepted when the CA signed it', async () => {
    const server = await serverSide(serverTls, leaves.signed);
    assert.equal(server.status, 'fulfilled', server.status === 'rejected' ? String(server.reason) : '');
    assert.equal(server.value.authorized, true);
  });

  it('a self-signed certificate with the same name is refused', async () => {
    const server = await serverSide(serverTls, leaves.impostor);
    assert.equal(server.status, 'rejected');
    const err = server.reason as unknown;
    assert.ok(err instanceof BurrowError && err.code === ErrorCode.TLS, String(err));
    assert.match(err.message, /self-signed|self signed/i);
  });

  it('one the CA signed for server auth only is refused', async () => {
    const server = await serverSide(serverTls, leaves.serverOnly);
    assert.equal(server.status, 'rejected');
  });
});
