// Tests for issueCert: SAN sorting, EKU, key usage, AKI, validity, index, refusals, CAs made by openssl (SEC1, encrypted, intermediate).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.js';
import {
  DEFAULT_LEAF_DAYS,
  inspectCert,
  issueCert,
  readIndex,
  caPaths,
  splitPemCertificates,
  verifyCert,
  type IssueCertResult,
} from '../../src/pki/index.js';
import { burrowError, makeOpensslChain, makeTestPki, openssl, type TestPki } from './helpers.js';

const DAY_MS = 24 * 3600_000;

describe('issueCert', () => {
  let pki: TestPki;
  let server: IssueCertResult;
  let client: IssueCertResult;
  before(async () => {
    pki = await makeTestPki('issue');
    server = await pki.issue(
      'server',
      [
        'tunnel.example.com',
        '127.0.0.1',
        '::1',
        'localhost',
        'spiffe://example.org/srv',
        'ops@example.com',
        'TUNNEL.example.com',
      ],
      'server',
    );
    client = await pki.issue('client', ['alice'], 'alice');
  });
  after(() => pki.remove());

  it('server: CN = first name, SANs sorted by kind and de-duplicated, EKU serverAuth only', () => {
    const info = inspectCert(server.certPem);
    assert.equal(info.subject, 'CN=tunnel.example.com');
    assert.deepEqual(info.sans, {
      dns: ['tunnel.example.com', 'localhost'],
      ip: ['127.0.0.1', '::1'],
      uri: ['spiffe://example.org/srv'],
      email: ['ops@example.com'],
    });
    assert.deepEqual(info.eku, ['serverAuth']);
    assert.deepEqual(info.keyUsage, ['digitalSignature']);
    assert.equal(info.isCa, false);
    assert.equal(info.keyType, 'EC P-256');
  });

  it('openssl: SANs, EKU, CA:FALSE, AKI = CA SKI; verify -purpose sslserver accepts', () => {
    const text = openssl(['x509', '-in', server.certFile, '-noout', '-text']);
    assert.match(
      text,
      /DNS:tunnel\.example\.com, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, URI:spiffe:\/\/example\.org\/srv, email:ops@example\.com/,
    );
    assert.match(text, /Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n/);
    assert.match(text, /Basic Constraints: critical\s*\n\s*CA:FALSE/);
    const caText = openssl(['x509', '-in', join(pki.caDir, 'ca.crt'), '-noout', '-text']);
    const caSki = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(caText)![1]!;
    assert.match(text, new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${caSki}`));
    assert.match(
      openssl(['verify', '-CAfile', join(pki.caDir, 'ca.crt'), '-purpose', 'sslserver', server.certFile]),
      /: OK/,
    );
    assert.throws(() =>
      openssl(['verify', '-CAfile', join(pki.caDir, 'ca.crt'), '-purpose', 'sslclient', server.certFile]),
    );
  });

  it('client: CN = ID, the ID as DNS SAN when it is a valid name, EKU clientAuth only', () => {
    const info = inspectCert(client.certPem);
    assert.equal(info.subject, 'CN=alice');
    assert.deepEqual(info.sans.dns, ['alice']);
    assert.deepEqual(info.eku, ['clientAuth']);
    assert.match(
      openssl(['verify', '-CAfile', join(pki.caDir, 'ca.crt'), '-purpose', 'sslclient', client.certFile]),
      /: OK/,
    );
  });

  it('client: an ID that is no SAN kind stays CN-only; emails and URIs become SANs', async () => {
    const plain = inspectCert((await pki.issue('client', ['Alice Smith', 'alice@example.com'], 'plain')).certPem);
    assert.equal(plain.subject, 'CN=Alice Smith');
    assert.deepEqual(plain.sans, { dns: [], ip: [], uri: [], email: ['alice@example.com'] });
    const uri = inspectCert((await pki.issue('client', ['spiffe://example.org/agent'], 'uri')).certPem);
    assert.deepEqual(uri.sans.uri, ['spiffe://example.org/agent']);
  });

  it('keys are PKCS#8, 0600, and match their certificates; the leaf stands alone (root CA)', () => {
    for (const r of [server, client]) {
      assert.equal(statSync(r.keyFile).mode & 0o777, 0o600);
      assert.match(r.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.ok(new X509Certificate(r.certPem).checkPrivateKey(createPrivateKey(r.keyPem)));
      assert.equal(splitPemCertificates(readFileSync(r.certFile, 'utf8')).length, 1);
    }
  });

  it('default validity 397 days, --days honoured, random serials differ', async () => {
    const days = (server.notAfter.getTime() - Date.now()) / DAY_MS;
    assert.ok(Math.abs(days - DEFAULT_LEAF_DAYS) < 0.1, `${days}`);
    const short = await pki.issue('server', ['short.example'], 'short', { days: 2 });
    assert.ok(Math.abs((short.notAfter.getTime() - Date.now()) / DAY_MS - 2) < 0.1);
    assert.notEqual(short.serial, server.serial);
    assert.match(server.serial, /^[0-7][0-9a-f]{31}$/);
  });

  it('RSA leaves get keyEncipherment too', async () => {
    const rsa = await issueCert({
      caDir: pki.caDir,
      kind: 'server',
      names: ['rsa.example'],
      out: join(pki.root, 'rsa'),
      keyType: 'rsa-2048',
    });
    const info = inspectCert(rsa.certPem);
    assert.equal(info.keyType, 'RSA 2048');
    assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyEncipherment']);
  });

  it('records every issuance in index.json', async () => {
    const index = await readIndex(caPaths(pki.caDir));
    const entry = index.issued.find((e) => e.serial === server.serial);
    assert.ok(entry);
    assert.equal(entry.kind, 'server');
    assert.equal(entry.fingerprint, server.fingerprint);
    assert.equal(entry.subject, 'CN=tunnel.example.com');
    assert.ok(index.issued.some((e) => e.serial === client.serial && e.kind === 'client'));
  });

  it('a validity past the CA expiry is cut to the CA expiry', async () => {
    const long = await pki.issue('server', ['long.example'], 'long', { days: 36500 });
    assert.ok(long.clippedToCaExpiry);
    assert.equal(long.notAfter.getTime(), Date.parse(new X509Certificate(pki.caPem).validTo));
  });

  it('refuses: existing output (unless overwrite), bad names, no names, bad days', async () => {
    await assert.rejects(
      pki.issue('server', ['x.example'], 'server'),
      burrowError(ErrorCode.PKI, /server\.crt already exists; refusing to overwrite it \(use --force/),
    );
    const again = await issueCert({
      caDir: pki.caDir,
      kind: 'server',
      names: ['x.example'],
      out: join(pki.root, 'server'),
      overwrite: true,
    });
    assert.equal(statSync(again.keyFile).mode & 0o777, 0o600);
    await assert.rejects(
      pki.issue('server', ['bad name'], 'bad'),
      burrowError(ErrorCode.USAGE, /name "bad name" is not an IP address, DNS name, URI/),
    );
    await assert.rejects(
      pki.issue('server', ['ok.example', 'a..b'], 'bad'),
      burrowError(ErrorCode.USAGE, /name "a\.\.b" is not/),
    );
    await assert.rejects(
      pki.issue('client', [], 'none'),
      burrowError(ErrorCode.USAGE, /needs at least one name \(the client ID\)/),
    );
    await assert.rejects(
      pki.issue('server', ['d.example'], 'd', { days: -1 }),
      burrowError(ErrorCode.USAGE, /certificate validity must be a whole number/),
    );
    await assert.rejects(
      issueCert({ caDir: join(pki.root, 'nope'), kind: 'server', names: ['n.example'], out: join(pki.root, 'n') }),
      burrowError(ErrorCode.PKI, /cannot read CA certificate/),
    );
  });
});

describe('issueCert with CAs made elsewhere', () => {
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki('issue-ext');
  });
  after(() => pki.remove());

  it('an openssl intermediate with a SEC1 key: index created, chain appended, verifies to the root', async () => {
    const chain = makeOpensslChain(pki.root);
    const dir = join(pki.root, 'inter-ca');
    mkdirSync(dir);
    copyFileSync(chain.interCrt, join(dir, 'ca.crt'));
    copyFileSync(chain.interKey, join(dir, 'ca.key'));
    assert.match(readFileSync(chain.interKey, 'utf8'), /BEGIN EC PRIVATE KEY/);
    const r = await issueCert({
      caDir: dir,
      kind: 'server',
      names: ['inter.example'],
      out: join(pki.root, 'inter-leaf'),
    });
    assert.equal(splitPemCertificates(r.certPem).length, 2, 'leaf + intermediate');
    assert.deepEqual(
      await verifyCert({
        certPem: r.certPem,
        caPem: readFileSync(chain.rootCrt, 'utf8'),
        host: 'inter.example',
        purpose: 'server',
      }).then((v) => v.ok),
      true,
    );
    assert.match(
      openssl(['verify', '-CAfile', chain.rootCrt, '-untrusted', chain.interCrt, '-purpose', 'sslserver', r.certFile]),
      /: OK/,
    );
    assert.equal((await readIndex(caPaths(dir))).issued.length, 1);
  });

  it('an encrypted CA key needs its passphrase; a wrong one is named', async () => {
    const dir = join(pki.root, 'enc-ca');
    mkdirSync(dir);
    copyFileSync(join(pki.caDir, 'ca.crt'), join(dir, 'ca.crt'));
    const key = createPrivateKey(readFileSync(join(pki.caDir, 'ca.key')));
    writeFileSync(
      join(dir, 'ca.key'),
      key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' }),
    );
    const opts = { caDir: dir, kind: 'client' as const, names: ['bob'], out: join(pki.root, 'bob') };
    await assert.rejects(
      issueCert(opts),
      burrowError(
        ErrorCode.PKI,
        /ca\.key: the private key is encrypted: give its passphrase \(--key-passphrase-file\)/,
      ),
    );
    await assert.rejects(
      issueCert({ ...opts, passphrase: 'wrong' }),
      burrowError(ErrorCode.PKI, /could not decrypt the private key \(wrong passphrase\?\)/),
    );
    const r = await issueCert({ ...opts, passphrase: 'sesame' });
    assert.equal((await verifyCert({ certPem: r.certPem, caPem: pki.caPem, purpose: 'client' })).ok, true);
  });
});
