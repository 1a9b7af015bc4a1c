// Tests for inspectCert (files in every form, openssl-made certificates), inspectRemote (a loopback TLS server), names and serials.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { ErrorCode } from '../../src/errors.js';
import {
  certFingerprint,
  classifyName,
  formatSerial,
  inspectCert,
  inspectRemote,
  isDnsName,
  normalizeSerial,
  pemToDer,
  type IssueCertResult,
} from '../../src/pki/index.js';
import { burrowError, makeTestPki, openssl, type TestPki } from './helpers.js';
import { issueLeaf, makeCa } from '../tls/helpers.js';

describe('inspectCert', () => {
  let pki: TestPki;
  let server: IssueCertResult;
  before(async () => {
    pki = await makeTestPki('inspect');
    server = await pki.issue('server', ['srv.example', '192.0.2.1'], 'server');
  });
  after(() => pki.remove());

  it('reports the CA: CA flag, pathlen, key usage, self-issued, no EKU', () => {
    const ca = inspectCert(pki.caPem);
    assert.equal(ca.isCa, true);
    assert.equal(ca.pathLen, 0);
    assert.equal(ca.selfIssued, true);
    assert.deepEqual(ca.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.deepEqual(ca.eku, []);
    assert.equal(ca.signatureAlgorithm, 'ECDSA SHA-256');
  });

  it('reports a leaf; serial and fingerprint agree with openssl', () => {
    const info = inspectCert(server.certPem);
    assert.equal(info.issuer, 'CN=Test CA');
    assert.equal(info.selfIssued, false);
    assert.deepEqual(info.sans.ip, ['192.0.2.1']);
    const serialOut = openssl(['x509', '-in', server.certFile, '-noout', '-serial']);
    assert.equal(info.serial, normalizeSerial(serialOut.replace('serial=', '').trim()));
    assert.equal(info.fingerprint, certFingerprint(server.certPem));
    assert.ok(info.notBefore < info.notAfter);
  });

  it('takes DER bytes and PEM bytes alike', () => {
    const fromDer = inspectCert(pemToDer(server.certPem));
    assert.deepEqual(fromDer, inspectCert(Buffer.from(server.certPem)));
    assert.deepEqual(fromDer, inspectCert(server.certPem));
  });

  it('reads openssl-made RSA certificates', () => {
    const file = `${pki.root}/rsa.crt`;
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${pki.root}/rsa.key`,
      '-out',
      file,
      '-subj',
      '/O=Acme/CN=rsa.example',
      '-days',
      '2',
    ]);
    const info = inspectCert(readFileSync(file, 'utf8'));
    assert.equal(info.keyType, 'RSA 2048');
    assert.match(info.subject, /CN=rsa\.example/);
    assert.match(info.signatureAlgorithm, /RSASSA-PKCS1-v1_5 SHA-256/);
  });

  it('throws PKI for no certificate or garbage DER', () => {
    assert.throws(
      () => inspectCert('no pem here'),
      burrowError(ErrorCode.PKI, /expected a PEM "CERTIFICATE" block, found none/),
    );
    assert.throws(
      () => inspectCert(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])),
      burrowError(ErrorCode.PKI, /the certificate does not parse/),
    );
  });
});

describe('inspectRemote', () => {
  let pki: TestPki;
  let server: tls.Server;
  let port: number;
  let leafPem: string;
  before(async () => {
    pki = await makeTestPki('remote');
    // Leaf signed by an openssl intermediate-free CA, served with the CA in the chain.
    const ca = makeCa(pki.root, 'remote-ca');
    const leaf = issueLeaf(pki.root, ca, 'remote-leaf', 'DNS:localhost,IP:127.0.0.1', 'serverAuth');
    leafPem = readFileSync(leaf.certFile, 'utf8');
    server = tls.createServer({
      cert: leafPem + readFileSync(ca.certFile, 'utf8'),
      key: readFileSync(leaf.keyFile),
      ALPNProtocols: ['burrow-test'],
      minVersion: 'TLSv1.2',
    });
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    pki.remove();
  });

  it('reports protocol, cipher and the chain the server sent, leaf first', async () => {
    const r = await inspectRemote('127.0.0.1', port, { servername: 'localhost' });
    assert.equal(r.protocol, 'TLSv1.3');
    assert.match(r.cipher, /^TLS_/);
    assert.equal(r.chain.length, 2);
    assert.equal(r.chain[0]!.subject, 'CN=remote-leaf');
    assert.equal(r.chain[1]!.subject, 'CN=remote-ca');
    assert.equal(r.chain[0]!.fingerprint, certFingerprint(leafPem));
    assert.equal(r.chainPem.length, 2);
  });

  it('fails with NETWORK on a closed port and TIMEOUT on a silent one', async () => {
    const closed = tls.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      inspectRemote('127.0.0.1', closedPort),
      burrowError(ErrorCode.NETWORK, /cannot inspect 127\.0\.0\.1:\d+: .*ECONNREFUSED/),
    );

    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      await assert.rejects(
        inspectRemote('127.0.0.1', silentPort, { timeoutMs: 200 }),
        burrowError(ErrorCode.TIMEOUT, /no TLS handshake with 127\.0\.0\.1:\d+ within 200 ms/),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('names and serials', () => {
  it('classifyName sorts IP, URI, email, DNS; rejects the rest', () => {
    assert.deepEqual(classifyName('10.0.0.1'), { kind: 'ip', value: '10.0.0.1' });
    assert.deepEqual(classifyName('fe80::1'), { kind: 'ip', value: 'fe80::1' });
    assert.deepEqual(classifyName('spiffe://td/x'), { kind: 'uri', value: 'spiffe://td/x' });
    assert.deepEqual(classifyName('a@b.example'), { kind: 'email', value: 'a@b.example' });
    assert.deepEqual(classifyName('WWW.Example.com.'), { kind: 'dns', value: 'www.example.com' });
    assert.deepEqual(classifyName('*.example.com'), { kind: 'dns', value: '*.example.com' });
    for (const bad of ['a b', '-a.example', 'a..b', '*', 'x.*.example', 'a'.repeat(64)])
      assert.equal(classifyName(bad), undefined, bad);
    assert.ok(isDnsName('alice'));
  });

  it('normalizeSerial / formatSerial', () => {
    assert.equal(normalizeSerial('00:8F:AB'), '8fab');
    assert.equal(normalizeSerial('0x0abc'), '0abc');
    assert.equal(normalizeSerial('0'), '00');
    assert.equal(formatSerial('8fab'), '8F:AB');
    assert.throws(() => normalizeSerial('zz'), burrowError(ErrorCode.USAGE, /invalid serial "zz"/));
  });
});
