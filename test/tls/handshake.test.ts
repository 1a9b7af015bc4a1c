// Real loopback TLS handshakes between buildServerTls/wrapServerSocket and buildClientTlsOptions/connectTls.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as tls from 'node:tls';
import { join } from 'node:path';
import { isBurrowError, ErrorCode, BurrowError } from '../../src/errors.js';
import {
  buildClientTlsOptions,
  buildServerTls,
  connectTls,
  peerFingerprint,
  sniffTlsFirstByte,
  wrapServerSocket,
  type ClientTlsSettings,
  type ServerTls,
  type ServerTlsSettings,
} from '../../src/tls/index.js';
import { certFingerprint } from '../../src/pki/index.js';
import { readFileSync } from 'node:fs';
import { issueLeaf, makeCa, openssl, readExactly, selfSignForKey, socketPair, tempDir } from './helpers.js';

/** Short handshake deadline so a hung case fails fast instead of stalling the run. */
const TEST_HANDSHAKE_MS = 5000;

const baseServer: Omit<ServerTlsSettings, 'stateDir'> = { certFile: '', keyFile: '', trustedCaFile: '', force: false };
const baseClient: ClientTlsSettings = {
  enable: true,
  certFile: '',
  keyFile: '',
  trustedCaFile: '',
  serverName: '',
  serverAddr: '127.0.0.1',
  disableCustomTLSFirstByte: true,
};

interface Outcome {
  server: PromiseSettledResult<tls.TLSSocket>;
  client: PromiseSettledResult<tls.TLSSocket>;
  /** After a successful pair: the client's bytes as the server read them (checks the link works). */
  echoed?: string;
}

/** Runs one handshake over a fresh loopback pair (sniffing first, like the server port does). */
async function handshake(
  serverTls: ServerTls,
  client: { options: tls.ConnectionOptions },
  customFirstByte = false,
): Promise<Outcome> {
  const pair = await socketPair();
  try {
    const serverP = (async () => {
      const sniffed = await sniffTlsFirstByte(pair.accepted, { force: serverTls.force });
      assert.equal(sniffed.kind, 'tls');
      return wrapServerSocket(pair.accepted, serverTls, { handshakeTimeoutMs: TEST_HANDSHAKE_MS });
    })();
    const clientP = connectTls(pair.client, client.options, { customFirstByte, timeoutMs: TEST_HANDSHAKE_MS });
    const [server, clientRes] = await Promise.allSettled([serverP, clientP]);
    const out: Outcome = { server, client: clientRes };
    if (server.status === 'fulfilled' && clientRes.status === 'fulfilled') {
      clientRes.value.write('ping');
      out.echoed = (await readExactly(server.value, 4)).toString();
    }
    for (const r of [server, clientRes]) if (r.status === 'fulfilled') r.value.destroy();
    return out;
  } finally {
    await pair.close();
  }
}

/** The BurrowError a settled side failed with. */
function failure(r: PromiseSettledResult<unknown>): BurrowError {
  assert.equal(r.status, 'rejected', 'expected this side to fail');
  const err = (r as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof BurrowError, `expected a BurrowError, got ${String(err)}`);
  return err;
}

describe('TLS handshakes', () => {
  const tmp = tempDir('hs');
  const dir = tmp.dir;
  let ca: ReturnType<typeof makeCa>;
  let otherCa: ReturnType<typeof makeCa>;
  let srvLeaf: { certFile: string; keyFile: string };
  let cliLeaf: { certFile: string; keyFile: string };
  let otherCliLeaf: { certFile: string; keyFile: string };

  before(() => {
    ca = makeCa(dir, 'ca');
    otherCa = makeCa(dir, 'other-ca');
    srvLeaf = issueLeaf(dir, ca, 'server', 'DNS:tunnel.test,IP:127.0.0.1', 'serverAuth');
    cliLeaf = issueLeaf(dir, ca, 'client', 'DNS:client.test', 'clientAuth');
    otherCliLeaf = issueLeaf(dir, otherCa, 'other-client', 'DNS:client.test', 'clientAuth');
  });
  after(() => tmp.remove());

  it('generated cert, no CA: works unverified, peer fingerprint equals the server fingerprint', async () => {
    const serverTls = await buildServerTls({ ...baseServer, stateDir: join(dir, 'state') });
    assert.equal(serverTls.generated, true);
    assert.equal(serverTls.force, false);
    assert.equal(serverTls.secureContextOptions.requestCert, false);
    const client = await buildClientTlsOptions(baseClient);
    assert.equal(client.verifies, false);
    assert.equal(client.options.rejectUnauthorized, false);
    assert.equal(client.options.servername, undefined, 'no SNI for an IP address');
    for (const customFirstByte of [false, true]) {
      const pair = await socketPair();
      try {
        const serverP = sniffTlsFirstByte(pair.accepted, { force: false }).then(() =>
          wrapServerSocket(pair.accepted, serverTls),
        );
        const clientSock = await connectTls(pair.client, client.options, { customFirstByte });
        const serverSock = await serverP;
        assert.equal(peerFingerprint(clientSock), serverTls.fingerprint);
        assert.equal(peerFingerprint(serverSock), undefined, 'no client certificate was sent');
        assert.equal(clientSock.authorized, false);
        clientSock.destroy();
        serverSock.destroy();
      } finally {
        await pair.close();
      }
    }
  });

  it('CA-signed server cert with trustedCaFile: verifies and works', async () => {
    const serverTls = await buildServerTls({ ...baseServer, ...srvLeaf, stateDir: join(dir, 'unused') });
    assert.equal(serverTls.generated, false);
    assert.equal(serverTls.certSource, srvLeaf.certFile);
    assert.equal(serverTls.fingerprint, certFingerprint(readFileSync(srvLeaf.certFile, 'utf8')));
    const client = await buildClientTlsOptions({
      ...baseClient,
      trustedCaFile: ca.certFile,
      serverName: 'tunnel.test',
    });
    assert.equal(client.verifies, true);
    assert.equal(client.options.servername, 'tunnel.test');
    const out = await handshake(serverTls, client);
    assert.equal(out.echoed, 'ping');
    // By IP: the server certificate has IP:127.0.0.1 as a SAN.
    const byIp = await handshake(serverTls, await buildClientTlsOptions({ ...baseClient, trustedCaFile: ca.certFile }));
    assert.equal(byIp.echoed, 'ping');
  });

  it('wrong serverName: precise name-mismatch error', async () => {
    const serverTls = await buildServerTls({ ...baseServer, ...srvLeaf, stateDir: join(dir, 'unused') });
    const client = await buildClientTlsOptions({ ...baseClient, trustedCaFile: ca.certFile, serverName: 'wrong.test' });
    const out = await handshake(serverTls, client);
    const err = failure(out.client);
    assert.equal(err.code, ErrorCode.TLS);
    assert.match(err.message, /^server certificate does not match name wrong\.test/);
  });

  it('server cert from another CA: "server certificate is not signed by the trusted CA"', async () => {
    const serverTls = await buildServerTls({ ...baseServer, ...srvLeaf, stateDir: join(dir, 'unused') });
    const client = await buildClientTlsOptions({
      ...baseClient,
      trustedCaFile: otherCa.certFile,
      serverName: 'tunnel.test',
    });
    const err = failure((await handshake(serverTls, client)).client);
    assert.equal(err.code, ErrorCode.TLS);
    assert.match(err.message, /server certificate is not signed by the trusted CA/);
  });

  it('generated cert with a client trustedCaFile: refused as not signed by the CA', async () => {
    const serverTls = await buildServerTls({ ...baseServer, stateDir: join(dir, 'state') });
    const client = await buildClientTlsOptions({ ...baseClient, trustedCaFile: ca.certFile, serverName: 'localhost' });
    const err = failure((await handshake(serverTls, client)).client);
    assert.match(err.message, /server certificate is self-signed, not signed by the trusted CA/);
  });

  describe('server trustedCaFile (mTLS)', () => {
    let serverTls: ServerTls;
    before(async () => {
      serverTls = await buildServerTls({
        ...baseServer,
        ...srvLeaf,
        trustedCaFile: ca.certFile,
        stateDir: join(dir, 'unused'),
      });
    });

    it('implies force and requires client certificates', () => {
      assert.equal(serverTls.force, true);
      assert.equal(serverTls.secureContextOptions.requestCert, true);
      assert.equal(serverTls.secureContextOptions.rejectUnauthorized, true);
    });

    it('client with a certificate from the CA: accepted and authorized', async () => {
      const client = await buildClientTlsOptions({
        ...baseClient,
        ...cliLeaf,
        trustedCaFile: ca.certFile,
        serverName: 'tunnel.test',
      });
      const pair = await socketPair();
      try {
        const serverP = sniffTlsFirstByte(pair.accepted, { force: true }).then(() =>
          wrapServerSocket(pair.accepted, serverTls),
        );
        const clientSock = await connectTls(pair.client, client.options, { customFirstByte: true });
        const serverSock = await serverP;
        assert.equal(serverSock.authorized, true);
        assert.equal(peerFingerprint(serverSock), certFingerprint(readFileSync(cliLeaf.certFile, 'utf8')));
        clientSock.destroy();
        serverSock.destroy();
      } finally {
        await pair.close();
      }
    });

    it('client without a certificate: refused with "client certificate required"', async () => {
      const client = await buildClientTlsOptions({
        ...baseClient,
        trustedCaFile: ca.certFile,
        serverName: 'tunnel.test',
      });
      const err = failure((await handshake(serverTls, client)).server);
      assert.equal(err.code, ErrorCode.TLS);
      assert.match(err.message, /client certificate required/);
    });

    it('client certificate from another CA: refused with a verify reason', async () => {
      const client = await buildClientTlsOptions({
        ...baseClient,
        ...otherCliLeaf,
        trustedCaFile: ca.certFile,
        serverName: 'tunnel.test',
      });
      const err = failure((await handshake(serverTls, client)).server);
      assert.equal(err.code, ErrorCode.TLS);
      assert.match(err.message, /certificate verify failed: client certificate is not signed by the trusted CA/);
    });

    it('plain connection: refused by the sniffer', async () => {
      const pair = await socketPair();
      try {
        pair.client.write('plain frp login bytes');
        await assert.rejects(sniffTlsFirstByte(pair.accepted, { force: serverTls.force }), (e: unknown) =>
          isBurrowError(e, ErrorCode.TLS_REQUIRED),
        );
      } finally {
        await pair.close();
      }
    });
  });

  it('a TLS 1.1 client is refused', async () => {
    const serverTls = await buildServerTls({ ...baseServer, stateDir: join(dir, 'state') });
    const { options } = await buildClientTlsOptions(baseClient);
    // SECLEVEL=0 lets this OpenSSL offer TLS 1.1 at all, so the refusal is the server's.
    const old = {
      ...options,
      minVersion: 'TLSv1' as const,
      maxVersion: 'TLSv1.1' as const,
      ciphers: 'DEFAULT@SECLEVEL=0',
    };
    const out = await handshake(serverTls, { options: old });
    const serverErr = failure(out.server);
    assert.equal(serverErr.code, ErrorCode.TLS);
    assert.match(serverErr.message, /below TLS 1\.2|unsupported protocol/i);
    failure(out.client);
  });

  it('PKCS#1 RSA and SEC1 EC key files load for certFile/keyFile', async () => {
    const rsaKey = join(dir, 'rsa-pkcs1.key');
    openssl(['genrsa', '-traditional', '-out', rsaKey, '2048']);
    assert.match(readFileSync(rsaKey, 'utf8'), /-----BEGIN RSA PRIVATE KEY-----/);
    const ecKey = join(dir, 'ec-sec1.key');
    openssl(['ecparam', '-genkey', '-name', 'prime256v1', '-out', ecKey]);
    assert.match(readFileSync(ecKey, 'utf8'), /-----BEGIN EC PRIVATE KEY-----/);
    for (const keyFile of [rsaKey, ecKey]) {
      const certFile = selfSignForKey(dir, keyFile, keyFile.endsWith('rsa-pkcs1.key') ? 'rsa' : 'ec');
      const serverTls = await buildServerTls({ ...baseServer, certFile, keyFile, stateDir: join(dir, 'unused') });
      const client = await buildClientTlsOptions({ ...baseClient, trustedCaFile: certFile, serverName: 'localhost' });
      const out = await handshake(serverTls, client);
      assert.equal(out.echoed, 'ping', `handshake with ${keyFile}`);
      // The same keys as a client certificate.
      const asClient = await buildClientTlsOptions({ ...baseClient, certFile, keyFile });
      assert.ok(asClient.options.key);
    }
  });

  describe('configuration errors name the file', () => {
    it('only one of certFile/keyFile set', async () => {
      await assert.rejects(
        buildServerTls({ ...baseServer, certFile: srvLeaf.certFile, stateDir: dir }),
        (e: unknown) => {
          assert.ok(isBurrowError(e, ErrorCode.TLS));
          assert.match(e.message, /transport\.tls\.certFile is set but transport\.tls\.keyFile is not/);
          return true;
        },
      );
      await assert.rejects(
        buildClientTlsOptions({ ...baseClient, keyFile: cliLeaf.keyFile }),
        /keyFile is set but transport\.tls\.certFile is not/,
      );
    });

    it('unreadable certificate file', async () => {
      const missing = join(dir, 'nope.crt');
      await assert.rejects(
        buildServerTls({ ...baseServer, certFile: missing, keyFile: srvLeaf.keyFile, stateDir: dir }),
        (e: unknown) => {
          assert.ok(isBurrowError(e, ErrorCode.TLS));
          assert.ok(e.message.includes(missing), e.message);
          return true;
        },
      );
    });

    it('key that does not match the certificate', async () => {
      await assert.rejects(
        buildServerTls({ ...baseServer, certFile: srvLeaf.certFile, keyFile: cliLeaf.keyFile, stateDir: dir }),
        (e: unknown) => {
          assert.ok(isBurrowError(e, ErrorCode.TLS));
          assert.equal(
            e.message,
            `private key file ${cliLeaf.keyFile} does not match the certificate in ${srvLeaf.certFile}`,
          );
          return true;
        },
      );
    });

    it('trusted CA file without a certificate', async () => {
      await assert.rejects(
        buildClientTlsOptions({ ...baseClient, trustedCaFile: cliLeaf.keyFile }),
        (e: unknown) =>
          isBurrowError(e, ErrorCode.TLS) &&
          e.message.includes(cliLeaf.keyFile) &&
          /no PEM "CERTIFICATE"/.test(e.message),
      );
    });
  });

  it('handshake timeout when the client never speaks TLS', async () => {
    const serverTls = await buildServerTls({ ...baseServer, stateDir: join(dir, 'state') });
    const pair = await socketPair();
    try {
      pair.client.write(Buffer.from([0x17]));
      await sniffTlsFirstByte(pair.accepted, { force: true });
      await assert.rejects(wrapServerSocket(pair.accepted, serverTls, { handshakeTimeoutMs: 100 }), (e: unknown) =>
        isBurrowError(e, ErrorCode.TIMEOUT),
      );
    } finally {
      await pair.close();
    }
  });
});
