// e2e: every TLS mode of the seeds through the real CLI — one-way, two-way, force, inline CA, pinning,
// CRL, identity policy, hot reload — and the refusals, each with the check that failed.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  runCli,
  runCliOk,
  scratchDir,
  sha256,
  startFileServer,
  writeFile,
} from './harness.js';

const TOKEN = 'tls-token';

/** Certificates made once with burrow's own PKI commands. */
interface Pki {
  dir: string;
  caCrt: string;
  serverCrt: string;
  serverKey: string;
  server2Crt: string;
  server2Key: string;
  aliceCrt: string;
  aliceKey: string;
  bobCrt: string;
  bobKey: string;
  carolCrt: string;
  carolKey: string;
  otherServerCrt: string;
  otherServerKey: string;
  otherClientCrt: string;
  otherClientKey: string;
  crl: string;
}

/** The CLI run to success (its output), or a failed test showing that output. */
const cli = runCliOk;

async function makePki(dir: string): Promise<Pki> {
  const ca = join(dir, 'ca');
  const other = join(dir, 'other-ca');
  await cli(['ca', 'init', '--dir', ca, '--name', 'burrow e2e CA']);
  await cli(['ca', 'init', '--dir', other, '--name', 'some other CA']);
  const p = (name: string) => join(dir, name);
  await cli(['cert', 'issue', 'server', '--ca-dir', ca, '--out', p('server'), '127.0.0.1', 'localhost']);
  await cli(['cert', 'issue', 'server', '--ca-dir', ca, '--out', p('server2'), '127.0.0.1', 'localhost']);
  await cli(['cert', 'issue', 'client', '--ca-dir', ca, '--out', p('alice'), 'alice']);
  await cli(['cert', 'issue', 'client', '--ca-dir', ca, '--out', p('bob'), 'bob']);
  await cli(['cert', 'issue', 'client', '--ca-dir', ca, '--out', p('carol'), 'carol']);
  await cli(['cert', 'issue', 'server', '--ca-dir', other, '--out', p('other-server'), '127.0.0.1']);
  await cli(['cert', 'issue', 'client', '--ca-dir', other, '--out', p('other-client'), 'alice']);
  await cli(['ca', 'revoke', '--dir', ca, `${p('carol')}.crt`]);
  await cli(['ca', 'crl', '--dir', ca]);
  return {
    dir,
    caCrt: join(ca, 'ca.crt'),
    serverCrt: `${p('server')}.crt`,
    serverKey: `${p('server')}.key`,
    server2Crt: `${p('server2')}.crt`,
    server2Key: `${p('server2')}.key`,
    aliceCrt: `${p('alice')}.crt`,
    aliceKey: `${p('alice')}.key`,
    bobCrt: `${p('bob')}.crt`,
    bobKey: `${p('bob')}.key`,
    carolCrt: `${p('carol')}.crt`,
    carolKey: `${p('carol')}.key`,
    otherServerCrt: `${p('other-server')}.crt`,
    otherServerKey: `${p('other-server')}.key`,
    otherClientCrt: `${p('other-client')}.crt`,
    otherClientKey: `${p('other-client')}.key`,
    crl: join(ca, 'crl.pem'),
  };
}

/** TOML lines from a flat record of dotted keys. */
function toml(entries: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(entries)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

const fingerprintOf = (file: string): string =>
  `sha256:${new X509Certificate(readFileSync(file)).fingerprint256.replace(/:/g, '').toLowerCase()}`;

describe('TLS modes through the real CLI', () => {
  let pki: Pki;
  let work: string;
  const payload = randomPayload(256 * 1024);
  let files: Awaited<ReturnType<typeof startFileServer>>;

  before(async () => {
    work = scratchDir();
    pki = await makePki(work);
    files = await startFileServer(payload);
  });

  after(async () => {
    await killAll();
    await files.close();
    removeDir(work);
  });

  /** Starts a server with extra frps.toml lines; resolves once it listens. */
  async function server(
    extra: Record<string, string | number | boolean | undefined>,
    tail = '',
  ): Promise<{ proc: BurrowProcess; port: number }> {
    const port = await freePort();
    const dir = scratchDir();
    const file = writeFile(
      dir,
      'frps.toml',
      `${toml({ bindAddr: '127.0.0.1', bindPort: port, 'auth.token': TOKEN, stateDir: join(dir, 'state'), ...extra })}\n${tail}\n`,
    );
    const proc = new BurrowProcess(['server', '-c', file]);
    await proc.waitFor(/burrow server listening|burrow: /);
    return { proc, port };
  }

  /** Client config text with one tcp proxy to the file service. */
  async function clientConfig(
    serverPort: number,
    extra: Record<string, string | number | boolean | undefined>,
    proxyName = 'web-1',
  ): Promise<{ file: string; remotePort: number }> {
    const remotePort = await freePort();
    const dir = scratchDir();
    const text = `${toml({ serverAddr: '127.0.0.1', serverPort, 'auth.token': TOKEN, ...extra })}
[[proxies]]
name = "${proxyName}"
type = "tcp"
localPort = ${files.port}
remotePort = ${remotePort}
`;
    return { file: writeFile(dir, 'frpc.toml', text), remotePort };
  }

  /** A client that must work: the proxy starts and carries the payload. */
  async function expectTunnel(
    serverPort: number,
    extra: Record<string, string | number | boolean | undefined>,
  ): Promise<BurrowProcess> {
    const { file, remotePort } = await clientConfig(serverPort, extra);
    const client = new BurrowProcess(['client', '-c', file]);
    await client.waitFor(/start proxy success/);
    assert.equal(sha256(await download(remotePort)), sha256(payload));
    return client;
  }

  /** A client that must fail its first login: exit 1 with `pattern` in its output. */
  async function expectClientRefused(
    serverPort: number,
    extra: Record<string, string | number | boolean | undefined>,
    pattern: RegExp,
  ): Promise<string> {
    const { file } = await clientConfig(serverPort, extra);
    const result = await runCli(['client', '-c', file]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, pattern);
    return result.output;
  }

  it('default: TLS with a generated certificate; the client warns once and prints the pin line', async () => {
    const s = await server({});
    const client = await expectTunnel(s.port, {});
    const fingerprint = /fingerprint (sha256:[0-9a-f]{64})/.exec(s.proc.output)?.[1];
    assert.ok(fingerprint);
    assert.ok(client.output.includes(`transport.tls.serverFingerprint = \\"${fingerprint}\\"`), client.output);
    await client.kill();
    await s.proc.kill();
  });

  it('client verifies server (trustedCaFile), server verifies client (trustedCaFile), and both', async () => {
    const oneWay = await server({ 'transport.tls.certFile': pki.serverCrt, 'transport.tls.keyFile': pki.serverKey });
    const c1 = await expectTunnel(oneWay.port, { 'transport.tls.trustedCaFile': pki.caCrt });
    assert.match(c1.output, /chain verified against the configured CA/);
    assert.doesNotMatch(c1.output, /NOT verified/);
    await c1.kill();
    await oneWay.proc.kill();

    const serverSide = await server({ 'transport.tls.trustedCaFile': pki.caCrt });
    const c2 = await expectTunnel(serverSide.port, {
      'transport.tls.certFile': pki.aliceCrt,
      'transport.tls.keyFile': pki.aliceKey,
    });
    await serverSide.proc.waitFor(/client login/);
    assert.match(serverSide.proc.output, /"clientIdentity":"CN=alice/);
    await c2.kill();
    await serverSide.proc.kill();

    const both = await server({
      'transport.tls.certFile': pki.serverCrt,
      'transport.tls.keyFile': pki.serverKey,
      'transport.tls.trustedCaFile': pki.caCrt,
    });
    const c3 = await expectTunnel(both.port, {
      'transport.tls.certFile': pki.aliceCrt,
      'transport.tls.keyFile': pki.aliceKey,
      'transport.tls.trustedCaFile': pki.caCrt,
      'transport.tls.serverName': 'localhost',
    });
    await c3.kill();
    await both.proc.kill();
  });

  it('CA given inline as hex and as base64, and pinning by fingerprint', async () => {
    const s = await server({ 'transport.tls.certFile': pki.serverCrt, 'transport.tls.keyFile': pki.serverKey });
    for (const format of ['hex', 'base64']) {
      const data = (await cli(['ca', 'export', '--dir', join(pki.dir, 'ca'), '--format', format]))
        .trim()
        .split('\n')
        .pop()!
        .trim();
      const value = data.startsWith(`${format}:`) ? data : `${format}:${data}`;
      const c = await expectTunnel(s.port, { 'transport.tls.trustedCaData': value });
      await c.kill();
    }
    const pinned = await expectTunnel(s.port, { 'transport.tls.serverFingerprint': fingerprintOf(pki.serverCrt) });
    assert.match(pinned.output, /pinned to sha256:/);
    await pinned.kill();
    await s.proc.kill();
  });

  it('burrow probe prints the TLS state and chain, and whether it verifies', async () => {
    const s = await server({ 'transport.tls.certFile': pki.serverCrt, 'transport.tls.keyFile': pki.serverKey });
    const ok = await runCli(['probe', `127.0.0.1:${s.port}`, '--ca', pki.caCrt, '--servername', 'localhost']);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /TLS version: +TLSv1\.[23]/);
    assert.match(ok.output, /cipher: +TLS_/);
    assert.match(ok.output, /\[0\] subject: .*CN=127\.0\.0\.1/);
    assert.match(ok.output, /issuer: +.*CN=burrow e2e CA/);
    assert.match(ok.output, /verified: +yes/);
    const unverified = await runCli(['probe', `127.0.0.1:${s.port}`]);
    assert.equal(unverified.code, 1, unverified.output);
    assert.match(
      unverified.output,
      /verified: +no — certificate verify failed: server certificate is not signed by the trusted CA/,
    );
    await s.proc.kill();
  });

  it('identity policy: an allowed proxy runs, others are refused with the reason', async () => {
    const policy = `[[auth.clients]]\nid = "alice"\nallowProxies = ["web-*"]\n`;
    const s = await server({ 'transport.tls.trustedCaFile': pki.caCrt }, policy);
    const ok = await expectTunnel(s.port, {
      'transport.tls.certFile': pki.aliceCrt,
      'transport.tls.keyFile': pki.aliceKey,
    });
    await ok.kill();

    const { file } = await clientConfig(
      s.port,
      { 'transport.tls.certFile': pki.aliceCrt, 'transport.tls.keyFile': pki.aliceKey },
      'db',
    );
    const refused = new BurrowProcess(['client', '-c', file]);
    await refused.waitFor(/proxy refused by server/);
    assert.match(refused.output, /proxy name \\"db\\" is not allowed for identity \\"alice\\"/);
    await refused.kill();

    const { file: bobFile } = await clientConfig(s.port, {
      'transport.tls.certFile': pki.bobCrt,
      'transport.tls.keyFile': pki.bobKey,
    });
    const bob = new BurrowProcess(['client', '-c', bobFile]);
    await bob.waitFor(/proxy refused by server/);
    assert.match(bob.output, /client identity CN=bob[^"]* has no \[\[auth.clients\]\] entry/);
    await bob.kill();
    await s.proc.kill();
  });

  it('reloads the server certificate while a download runs: it finishes intact, the next handshake shows the new one', async () => {
    const dir = scratchDir();
    const crt = join(dir, 'live.crt');
    const key = join(dir, 'live.key');
    copyFileSync(pki.serverCrt, crt);
    copyFileSync(pki.serverKey, key);
    const big = randomPayload(64 * 1024 * 1024);
    const slow = await startSlowServer(big);
    const s = await server({ 'transport.tls.certFile': crt, 'transport.tls.keyFile': key });
    const remotePort = await freePort();
    const clientFile = writeFile(
      dir,
      'frpc.toml',
      `${toml({ serverAddr: '127.0.0.1', serverPort: s.port, 'auth.token': TOKEN, 'transport.tls.trustedCaFile': pki.caCrt })}
[[proxies]]
name = "slow"
type = "tcp"
localPort = ${slow.port}
remotePort = ${remotePort}
`,
    );
    const client = new BurrowProcess(['client', '-c', clientFile]);
    await client.waitFor(/start proxy success/);
    const downloading = download(remotePort);
    await new Promise((resolve) => setTimeout(resolve, 300));
    copyFileSync(pki.server2Crt, crt);
    copyFileSync(pki.server2Key, key);
    await s.proc.waitFor(/TLS material reloaded/);
    const got = await downloading;
    assert.equal(sha256(got), sha256(big), 'the download in flight finished intact');
    assert.equal(await handshakeFingerprint(s.port), fingerprintOf(pki.server2Crt));
    await client.kill();
    await s.proc.kill();
    await slow.close();
    removeDir(dir);
  });

  describe('refusals name the check that failed', () => {
    it('server certificate from another CA', async () => {
      const s = await server({
        'transport.tls.certFile': pki.otherServerCrt,
        'transport.tls.keyFile': pki.otherServerKey,
      });
      await expectClientRefused(
        s.port,
        { 'transport.tls.trustedCaFile': pki.caCrt },
        /server certificate is not signed by the trusted CA/,
      );
      await s.proc.kill();
    });

    it('server name mismatch', async () => {
      const s = await server({ 'transport.tls.certFile': pki.serverCrt, 'transport.tls.keyFile': pki.serverKey });
      await expectClientRefused(
        s.port,
        { 'transport.tls.trustedCaFile': pki.caCrt, 'transport.tls.serverName': 'wrong.example' },
        /server certificate does not match name wrong\.example/,
      );
      await s.proc.kill();
    });

    it('wrong EKU: a client certificate used as the server certificate', async () => {
      const s = await server({ 'transport.tls.certFile': pki.aliceCrt, 'transport.tls.keyFile': pki.aliceKey });
      await expectClientRefused(
        s.port,
        { 'transport.tls.trustedCaFile': pki.caCrt, 'transport.tls.serverName': 'alice' },
        /may not be used for this purpose|does not match name/,
      );
      await s.proc.kill();
    });

    it('pin mismatch names both fingerprints', async () => {
      const s = await server({ 'transport.tls.certFile': pki.serverCrt, 'transport.tls.keyFile': pki.serverKey });
      const wrong = fingerprintOf(pki.server2Crt);
      await expectClientRefused(
        s.port,
        { 'transport.tls.serverFingerprint': wrong },
        new RegExp(`server certificate fingerprint mismatch: expected ${wrong}, got ${fingerprintOf(pki.serverCrt)}`),
      );
      await s.proc.kill();
    });

    it('no client certificate where the server requires one', async () => {
      const s = await server({ 'transport.tls.trustedCaFile': pki.caCrt });
      await expectClientRefused(s.port, {}, /requires a client certificate|certificate required/);
      await s.proc.waitFor(/connection refused/);
      assert.match(s.proc.output, /client certificate required|certificate/);
      await s.proc.kill();
    });

    it('client certificate from another CA', async () => {
      const s = await server({ 'transport.tls.trustedCaFile': pki.caCrt });
      await expectClientRefused(
        s.port,
        { 'transport.tls.certFile': pki.otherClientCrt, 'transport.tls.keyFile': pki.otherClientKey },
        /server closed the connection after the TLS handshake.*most likely refused our client certificate/,
      );
      await s.proc.waitFor(/connection refused/);
      assert.match(s.proc.output, /client certificate is not signed by the trusted CA/);
      await s.proc.kill();
    });

    it('revoked client certificate (CRL)', async () => {
      const s = await server({ 'transport.tls.trustedCaFile': pki.caCrt, 'transport.tls.crlFile': pki.crl });
      const ok = await expectTunnel(s.port, {
        'transport.tls.certFile': pki.aliceCrt,
        'transport.tls.keyFile': pki.aliceKey,
      });
      await ok.kill();
      await expectClientRefused(
        s.port,
        { 'transport.tls.certFile': pki.carolCrt, 'transport.tls.keyFile': pki.carolKey },
        /most likely refused our client certificate \(the client certificate .*carol\.crt/,
      );
      await s.proc.waitFor(/connection refused/);
      assert.match(s.proc.output, /client certificate is revoked/);
      await s.proc.kill();
    });

    it('plain TCP on a forced port', async () => {
      const s = await server({ 'transport.tls.force': true });
      await expectClientRefused(s.port, { 'transport.tls.enable': false }, /./);
      await s.proc.waitFor(/connection refused/);
      assert.match(s.proc.output, /plain connection refused: transport\.tls\.force is set/);
      await s.proc.kill();
    });

    it('key does not match certificate', async () => {
      const s = await server({});
      await expectClientRefused(
        s.port,
        { 'transport.tls.certFile': pki.aliceCrt, 'transport.tls.keyFile': pki.bobKey },
        /does not match/,
      );
      await s.proc.kill();
      const dir = scratchDir();
      const result = await runCli([
        'server',
        '-c',
        writeFile(
          dir,
          'frps.toml',
          toml({
            bindAddr: '127.0.0.1',
            bindPort: await freePort(),
            'transport.tls.certFile': pki.serverCrt,
            'transport.tls.keyFile': pki.aliceKey,
          }),
        ),
      ]);
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, /does not match/);
      removeDir(dir);
    });

    it('unreadable certificate file', async () => {
      const dir = scratchDir();
      const result = await runCli([
        'server',
        '-c',
        writeFile(
          dir,
          'frps.toml',
          toml({
            bindAddr: '127.0.0.1',
            bindPort: await freePort(),
            'transport.tls.certFile': join(dir, 'missing.crt'),
            'transport.tls.keyFile': pki.serverKey,
          }),
        ),
      ]);
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, /cannot read certificate file .*missing\.crt/);
      removeDir(dir);
    });

    it('bad inline CA data and a malformed pin are config errors naming the key', async () => {
      const dir = scratchDir();
      const bad = await runCli([
        'client',
        'verify',
        '-c',
        writeFile(dir, 'a.toml', toml({ 'transport.tls.trustedCaData': 'not a certificate' })),
      ]);
      assert.equal(bad.code, 2, bad.output);
      assert.match(bad.output, /a\.toml: transport\.tls\.trustedCaData: expected a PEM certificate/);
      const pin = await runCli([
        'client',
        'verify',
        '-c',
        writeFile(dir, 'b.toml', toml({ 'transport.tls.serverFingerprint': 'md5:1234' })),
      ]);
      assert.equal(pin.code, 2, pin.output);
      assert.match(pin.output, /b\.toml: transport\.tls\.serverFingerprint: expected "sha256:" and 64 hex digits/);
      removeDir(dir);
    });

    it('policy: a port outside allowPorts', async () => {
      const s = await server(
        { 'transport.tls.trustedCaFile': pki.caCrt },
        '[[auth.clients]]\nid = "alice"\nallowPorts = [{ single = 1 }]\n',
      );
      const { file } = await clientConfig(s.port, {
        'transport.tls.certFile': pki.aliceCrt,
        'transport.tls.keyFile': pki.aliceKey,
      });
      const c = new BurrowProcess(['client', '-c', file]);
      await c.waitFor(/proxy refused by server/);
      assert.match(c.output, /port \d+ is not allowed for identity \\"alice\\"/);
      await c.kill();
      await s.proc.kill();
    });
  });
});

/** The fingerprint of the certificate a fresh TLS handshake with 127.0.0.1:port shows. */
function handshakeFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (!cert) reject(new Error('no certificate'));
      else resolve(`sha256:${cert.fingerprint256.replace(/:/g, '').toLowerCase()}`);
    });
    socket.on('error', reject);
  });
}

/** A local service that sends `payload` slowly (so a download is still running during a reload). */
async function startSlowServer(payload: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const CHUNK = 1024 * 1024;
  const INTERVAL_MS = 40;
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    let offset = 0;
    const timer = setInterval(() => {
      if (offset >= payload.length) {
        clearInterval(timer);
        socket.end();
        return;
      }
      socket.write(payload.subarray(offset, offset + CHUNK));
      offset += CHUNK;
    }, INTERVAL_MS);
    socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
