// e2e: `burrow ca …` / `burrow cert …` through the built CLI, cross-checked with the real openssl and curl binaries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { removeDir, runCli, scratchDir } from './harness.js';

/** Longest a single openssl or curl run may take. */
const TOOL_TIMEOUT_MS = 15_000;

/** Result of an external tool run. */
interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a binary asynchronously (the HTTPS server under test lives in this process, so a
 * synchronous child would deadlock it); stdin gets `input` and is then closed.
 */
function tool(cmd: string, args: string[], input = ''): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // The tool may exit before reading stdin; that is not a failure of the test.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Runs a tool that must succeed; returns its stdout. */
async function ok(cmd: string, args: string[]): Promise<string> {
  const r = await tool(cmd, args);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('burrow ca / burrow cert through the real CLI', () => {
  let dir: string;
  let caDir: string;
  let caCrt: string;
  let server: https.Server;
  let port: number;
  const f = (name: string): string => join(dir, name);

  before(async () => {
    dir = scratchDir();
    caDir = join(dir, 'ca');
    caCrt = join(caDir, 'ca.crt');
    const init = await runCli(['ca', 'init', '--dir', caDir, '--name', 'E2E CA']);
    assert.equal(init.code, 0, init.output);
    const srv = await runCli([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      caDir,
      '--out',
      f('server'),
      'localhost',
      '127.0.0.1',
    ]);
    assert.equal(srv.code, 0, srv.output);
    const cli = await runCli(['cert', 'issue', 'client', '--ca-dir', caDir, '--out', f('client'), 'alice']);
    assert.equal(cli.code, 0, cli.output);

    // seed 004's server: mTLS required, TLS 1.2 minimum.
    server = https.createServer(
      {
        cert: readFileSync(f('server.crt')),
        key: readFileSync(f('server.key')),
        ca: readFileSync(caCrt),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(`hello ${peer.subject?.CN ?? 'nobody'}\n`);
      },
    );
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeDir(dir);
  });

  it('ca init prints what it wrote; key files are 0600, the CA dir 0700', async () => {
    for (const key of [join(caDir, 'ca.key'), f('server.key'), f('client.key')]) {
      assert.equal(statSync(key).mode & 0o777, 0o600, key);
    }
    assert.equal(statSync(caDir).mode & 0o777, 0o700);
    const other = await runCli(['ca', 'init', '--dir', join(dir, 'ca2'), '--key-type', 'ec-p384', '--days', '30']);
    assert.equal(other.code, 0, other.output);
    assert.match(other.output, /CA created: CN=burrow CA \(ec-p384\), valid until \d{4}-/);
    assert.match(other.output, /sha256\s+([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  });

  it('refuses to overwrite a CA (exit 1, names the file)', async () => {
    const before = readFileSync(caCrt, 'utf8');
    const r = await runCli(['ca', 'init', '--dir', caDir]);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /burrow: .*ca\.crt already exists; refusing to overwrite an existing CA/);
    assert.equal(readFileSync(caCrt, 'utf8'), before);
  });

  it('bad usage exits 2: unknown key type, bad days, a name that is no SAN', async () => {
    const kt = await runCli(['ca', 'init', '--dir', join(dir, 'x'), '--key-type', 'dsa']);
    assert.equal(kt.code, 2, kt.output);
    assert.match(kt.output, /unknown key type "dsa"/);
    const days = await runCli([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      caDir,
      '--out',
      f('x'),
      '--days',
      'soon',
      'x.example',
    ]);
    assert.equal(days.code, 2, days.output);
    assert.match(days.output, /expected a whole number of days, got "soon"/);
    const name = await runCli(['cert', 'issue', 'server', '--ca-dir', caDir, '--out', f('x'), 'not a name']);
    assert.equal(name.code, 2, name.output);
    assert.match(name.output, /name "not a name" is not an IP address, DNS name, URI/);
  });

  it('openssl verify accepts the server cert for sslserver and the client cert for sslclient, not the other way round', async () => {
    assert.match(
      await ok('openssl', ['verify', '-CAfile', caCrt, '-purpose', 'sslserver', f('server.crt')]),
      /server\.crt: OK/,
    );
    assert.match(
      await ok('openssl', ['verify', '-CAfile', caCrt, '-purpose', 'sslclient', f('client.crt')]),
      /client\.crt: OK/,
    );
    const wrong = await tool('openssl', ['verify', '-CAfile', caCrt, '-purpose', 'sslserver', f('client.crt')]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout + wrong.stderr, /unsuitable certificate purpose/);
  });

  it('openssl x509 -text shows the SANs and EKU', async () => {
    const srv = await ok('openssl', ['x509', '-in', f('server.crt'), '-noout', '-text']);
    assert.match(srv, /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(srv, /Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n/);
    const cli = await ok('openssl', ['x509', '-in', f('client.crt'), '-noout', '-text']);
    assert.match(cli, /Subject: CN\s?=\s?alice/);
    assert.match(cli, /Extended Key Usage:\s*\n\s*TLS Web Client Authentication\n/);
  });

  it('cert inspect prints the facts; --json parses; inspect HOST:PORT shows the served chain', async () => {
    const text = await runCli(['cert', 'inspect', f('server.crt')]);
    assert.equal(text.code, 0, text.output);
    assert.match(text.output, /subject\s+CN=localhost/);
    assert.match(text.output, /SANs\s+DNS:localhost, IP:127\.0\.0\.1/);
    assert.match(text.output, /EKU\s+serverAuth/);
    assert.match(text.output, /key\s+EC P-256/);
    const json = await runCli(['cert', 'inspect', f('client.crt'), '--json']);
    assert.equal(json.code, 0, json.output);
    const parsed = JSON.parse(json.output) as {
      certificates: { subject: string; eku: string[]; fingerprint: string }[];
    };
    assert.equal(parsed.certificates[0]!.subject, 'CN=alice');
    assert.deepEqual(parsed.certificates[0]!.eku, ['clientAuth']);
    const fp = (await ok('openssl', ['x509', '-in', f('client.crt'), '-noout', '-fingerprint', '-sha256']))
      .split('=')[1]!
      .trim();
    assert.equal(parsed.certificates[0]!.fingerprint, `sha256:${fp.replace(/:/g, '').toLowerCase()}`);
    const remote = await runCli(['cert', 'inspect', `127.0.0.1:${port}`]);
    assert.equal(remote.code, 0, remote.output);
    // Node's server appends the CA from its `ca` option to the chain it sends.
    assert.match(remote.output, /127\.0\.0\.1:\d+: TLSv1\.3, TLS_\w+, 2 certificates sent/);
    assert.match(remote.output, /certificate 0 \(leaf\)\n\s+subject\s+CN=localhost/);
    assert.match(remote.output, /certificate 1 \(chain\)\n\s+subject\s+CN=E2E CA/);
  });

  it('cert verify: OK exits 0; wrong purpose, wrong host, foreign CA exit 1 with the reason', async () => {
    const good = await runCli([
      'cert',
      'verify',
      f('server.crt'),
      '--ca',
      caCrt,
      '--host',
      '127.0.0.1',
      '--purpose',
      'server',
    ]);
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /server\.crt: OK/);
    const purpose = await runCli(['cert', 'verify', f('client.crt'), '--ca', caCrt, '--purpose', 'server']);
    assert.equal(purpose.code, 1, purpose.output);
    assert.match(purpose.output, /wrong purpose: certificate has EKU clientAuth, server use needs serverAuth/);
    const host = await runCli(['cert', 'verify', f('server.crt'), '--ca', caCrt, '--host', 'example.com']);
    assert.equal(host.code, 1, host.output);
    assert.match(
      host.output,
      /hostname example\.com does not match the certificate's SANs \(DNS:localhost, IP:127\.0\.0\.1\)/,
    );
    const foreign = await runCli(['cert', 'verify', f('server.crt'), '--ca', join(dir, 'ca2', 'ca.crt')]);
    assert.equal(foreign.code, 1, foreign.output);
    assert.match(foreign.output, /not signed by the given CA/);
  });

  it('curl with --cacert --cert --key reaches the mTLS server; without --cert it is refused', async () => {
    const url = `https://127.0.0.1:${port}/`;
    const good = await tool('curl', [
      '-sS',
      '--max-time',
      '10',
      '--cacert',
      caCrt,
      '--cert',
      f('client.crt'),
      '--key',
      f('client.key'),
      url,
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'hello alice\n');
    const noCert = await tool('curl', ['-sS', '--max-time', '10', '--cacert', caCrt, url]);
    assert.notEqual(noCert.code, 0, noCert.stdout);
    // And curl itself rejects the server when it trusts another CA.
    const otherCa = await tool('curl', [
      '-sS',
      '--max-time',
      '10',
      '--cacert',
      join(dir, 'ca2', 'ca.crt'),
      '--cert',
      f('client.crt'),
      '--key',
      f('client.key'),
      url,
    ]);
    assert.equal(otherCa.code, 60, otherCa.stderr);
  });

  it('openssl s_client verifies the chain (return code 0) and is refused with TLS 1.1', async () => {
    const base = [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-CAfile',
      caCrt,
      '-verify_return_error',
      '-verify_ip',
      '127.0.0.1',
      '-cert',
      f('client.crt'),
      '-key',
      f('client.key'),
    ];
    const good = await tool('openssl', base, 'Q\n');
    assert.match(good.stdout, /Verify return code: 0 \(ok\)/, good.stdout + good.stderr);
    // OpenSSL 3 refuses TLS 1.1 at the default security level by itself; lower it so the server's refusal is what we test.
    const old = await tool('openssl', [...base, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'], 'Q\n');
    assert.notEqual(old.code, 0, old.stdout);
    // The server answers the TLS 1.1 ClientHello with a protocol_version alert (70); no cipher is agreed.
    assert.match(old.stderr, /tlsv1 alert protocol version/, old.stderr);
    assert.match(old.stdout, /Cipher is \(NONE\)/);
  });

  it('revoke + crl: openssl lists the serial and rejects the revoked cert; cert verify --crl says revoked on', async () => {
    const victim = await runCli(['cert', 'issue', 'client', '--ca-dir', caDir, '--out', f('mallory'), 'mallory']);
    assert.equal(victim.code, 0, victim.output);
    const serial = (await ok('openssl', ['x509', '-in', f('mallory.crt'), '-noout', '-serial']))
      .replace('serial=', '')
      .trim();
    const rev = await runCli(['ca', 'revoke', '--dir', caDir, f('mallory.crt')]);
    assert.equal(rev.code, 0, rev.output);
    assert.match(rev.output, /revoked serial ([0-9A-F]{2}:)+[0-9A-F]{2} on \d{4}-/);
    const again = await runCli(['ca', 'revoke', '--dir', caDir, serial]);
    assert.equal(again.code, 1, again.output);
    assert.match(again.output, /was already revoked on/);
    const crl = await runCli(['ca', 'crl', '--dir', caDir]);
    assert.equal(crl.code, 0, crl.output);
    assert.match(crl.output, /CRL #1 written to .*crl\.pem: 1 revoked certificate/);
    const crlFile = join(caDir, 'crl.pem');
    const text = await ok('openssl', ['crl', '-in', crlFile, '-noout', '-text']);
    assert.match(text, new RegExp(`Serial Number: ${serial}`, 'i'));
    const rejected = await tool('openssl', [
      'verify',
      '-crl_check',
      '-CRLfile',
      crlFile,
      '-CAfile',
      caCrt,
      f('mallory.crt'),
    ]);
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stdout + rejected.stderr, /certificate revoked/);
    assert.match(
      await ok('openssl', ['verify', '-crl_check', '-CRLfile', crlFile, '-CAfile', caCrt, f('client.crt')]),
      /: OK/,
    );
    const ours = await runCli(['cert', 'verify', f('mallory.crt'), '--ca', caCrt, '--crl', crlFile]);
    assert.equal(ours.code, 1, ours.output);
    assert.match(ours.output, /mallory\.crt: revoked on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  });

  it('ca export hex and base64 round-trip to the DER openssl sees', async () => {
    const der = await new Promise<Buffer>((resolve, reject) =>
      execFile(
        'openssl',
        ['x509', '-in', caCrt, '-outform', 'DER'],
        { encoding: 'buffer', timeout: TOOL_TIMEOUT_MS },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    const hex = await runCli(['ca', 'export', '--dir', caDir, '--format', 'hex']);
    assert.equal(hex.code, 0, hex.output);
    assert.deepEqual(Buffer.from(hex.output.trim().replace(/^hex:/, ''), 'hex'), der);
    const b64 = await runCli(['ca', 'export', '--dir', caDir, '--format', 'base64']);
    assert.deepEqual(Buffer.from(b64.output.trim().replace(/^base64:/, ''), 'base64'), der);
    const pem = await runCli(['ca', 'export', '--dir', caDir, '--format', 'pem']);
    assert.equal(`${pem.output}\n`, readFileSync(caCrt, 'utf8'));
  });

  it('--key-passphrase-file unlocks an encrypted CA key', async () => {
    const encDir = join(dir, 'enc');
    assert.equal((await runCli(['ca', 'init', '--dir', encDir])).code, 0);
    const key = createPrivateKey(readFileSync(join(encDir, 'ca.key')));
    writeFileSync(
      join(encDir, 'ca.key'),
      key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' }),
      { mode: 0o600 },
    );
    writeFileSync(f('pass.txt'), 'open sesame\n', { mode: 0o600 });
    const args = ['cert', 'issue', 'client', '--ca-dir', encDir, '--out', f('bob'), 'bob'];
    const locked = await runCli(args);
    assert.equal(locked.code, 1, locked.output);
    assert.match(locked.output, /the private key is encrypted: give its passphrase \(--key-passphrase-file\)/);
    const unlocked = await runCli([...args, '--key-passphrase-file', f('pass.txt')]);
    assert.equal(unlocked.code, 0, unlocked.output);
    assert.match(
      await ok('openssl', ['verify', '-CAfile', join(encDir, 'ca.crt'), '-purpose', 'sslclient', f('bob.crt')]),
      /: OK/,
    );
  });
});
