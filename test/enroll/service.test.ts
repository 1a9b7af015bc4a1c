// The enrollment endpoint over real loopback TLS: join, refusals (reused, expired, forged, wrong identity, wrong name), renewal, limits.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadClientConfig } from '../../src/config/index.js';
import {
  createEnrollService,
  createEnrollToken,
  joinServer,
  noAllowances,
  RequestRateLimiter,
  readClients,
  clientsFile,
  renewCertificate,
  revokeIdentity,
  type Allowances,
} from '../../src/enroll/index.js';
import { createCsr } from '../../src/enroll/csr.js';
import { createToken, tokensFile } from '../../src/enroll/token-store.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { inspectCert, issueCert, verifyCert } from '../../src/pki/index.js';
import {
  makePki,
  post,
  rawRequest,
  removeDir,
  serverConfigFor,
  startEndpoint,
  tempDir,
  type Endpoint,
  type Pki,
} from './fixtures.js';

const MINUTE = 60_000;
/** Most polls while waiting for the file watch (it polls every second). */
const MAX_POLLS = 100;
/** Pause between polls. */
const POLL_MS = 50;
const allowWeb: Allowances = { ...noAllowances(), allowProxies: ['web-*'], allowPorts: [{ start: 6000, end: 6010 }] };

describe('enrollment endpoint', () => {
  let dir: string;
  let pki: Pki;
  let endpoint: Endpoint;
  let n = 0;
  const nextDir = (): string => join(dir, `client-${++n}`);
  const token = async (identity: string, allowances: Allowances = noAllowances()): Promise<string> =>
    (await createEnrollToken(pki.caDir, { identity, ttlMs: 15 * MINUTE, allowances })).text;
  const joinWith = (tok: string, out = nextDir()): ReturnType<typeof joinServer> =>
    joinServer({ server: `127.0.0.1:${endpoint.port}`, token: tok, fingerprint: pki.caFingerprint, dir: out });

  before(async () => {
    dir = tempDir();
    pki = await makePki(dir);
    endpoint = await startEndpoint(pki);
  });
  after(async () => {
    await endpoint.close();
    removeDir(dir);
  });

  it('enrolls: key 0600 made here, a clientAuth certificate for the identity, the CA, a frpc.toml that loads; the policy gets the allowances', async () => {
    const changed = new Promise<unknown>((resolve) => endpoint.service.once('policyChanged', resolve));
    const out = nextDir();
    const r = await joinWith(await token('alice', allowWeb), out);
    assert.equal(r.identity, 'alice');
    assert.equal(statSync(r.files.key).mode & 0o777, 0o600);
    assert.equal(statSync(r.files.config).mode & 0o777, 0o600);
    const certPem = readFileSync(r.files.cert, 'utf8');
    const verdict = await verifyCert({ certPem, caPem: readFileSync(pki.caCert, 'utf8'), purpose: 'client' });
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.reason);
    const info = inspectCert(certPem);
    assert.equal(info.subject, 'CN=alice');
    assert.deepEqual(info.eku, ['clientAuth']);
    assert.deepEqual(readFileSync(r.files.ca), readFileSync(pki.caCert));
    const { config } = await loadClientConfig(r.files.config);
    assert.equal(config.serverAddr, '127.0.0.1');
    assert.equal(config.serverPort, endpoint.port);
    assert.equal(config.auth.token, 'secret-auth-token');
    assert.equal(config.transport.tls.certFile, r.files.cert);
    assert.equal(config.transport.tls.trustedCaFile, r.files.ca);
    assert.match(readFileSync(r.files.config, 'utf8'), /# name = "web-1"[\s\S]*# remotePort = 6000/);
    await changed;
    const policy = endpoint.service.policyEntries().find((p) => p.id === 'alice');
    assert.deepEqual(policy, {
      id: 'alice',
      allowProxies: ['web-*'],
      allowPorts: [{ start: 6000, end: 6010 }],
      allowDomains: [],
    });
    const stored = (await readClients(clientsFile(pki.caDir))).clients.find((c) => c.identity === 'alice');
    assert.equal(stored?.certificates[0]?.serial, r.serial);
  });

  it('refuses a reused token, and writes nothing', async () => {
    const tok = await token('reuse');
    await joinWith(tok);
    const out = nextDir();
    await assert.rejects(joinWith(tok, out), (err: unknown) => {
      assert.ok(isBurrowError(err, ErrorCode.AUTH), String(err));
      assert.match(err.message, /the server refused \(403\): enrollment token [0-9a-f]+ was already used/);
      return true;
    });
    assert.equal(existsSync(out), false);
  });

  it('refuses an expired token', async () => {
    const created = await createToken(tokensFile(pki.caDir), {
      identity: 'late',
      ttlMs: MINUTE,
      ...noAllowances(),
      now: Date.now() - 2 * MINUTE,
    });
    await assert.rejects(joinWith(created.text), /\(403\): enrollment token [0-9a-f]+ expired at /);
  });

  it('refuses a forged token (right id, wrong secret)', async () => {
    const parts = (await token('forge')).split('.');
    const forged = [...parts.slice(0, 3), Buffer.alloc(32, 1).toString('base64url')].join('.');
    await assert.rejects(joinWith(forged), /\(403\): enrollment token [0-9a-f]+ is forged: its secret does not match/);
  });

  it('refuses a token whose identity was changed', async () => {
    const parts = (await token('carol')).split('.');
    const changed = [parts[0], Buffer.from('mallory').toString('base64url'), parts[2], parts[3]].join('.');
    await assert.rejects(
      joinWith(changed),
      /\(403\): enrollment token [0-9a-f]+ is bound to identity "carol", not "mallory"/,
    );
  });

  it('refuses a CSR for another name, and the token stays usable', async () => {
    const tok = await token('dave');
    const csr = await createCsr('root');
    const res = await rawRequest(endpoint.port, post('/~!burrow/enroll', { token: tok, csr: csr.csrPem }));
    assert.equal(res.status, 400);
    assert.match(res.body.error ?? '', /asks for subject "CN=root", but this enrollment is for identity "dave"/);
    assert.equal((await joinWith(tok)).identity, 'dave');
  });

  it('renews over mTLS with the current certificate (new key, same identity); a revoked identity cannot', async () => {
    const first = await joinWith(await token('erin'));
    const { config } = await loadClientConfig(first.files.config);
    const oldKey = readFileSync(first.files.key, 'utf8');
    const renewed = await renewCertificate(config);
    assert.equal(renewed.identity, 'erin');
    assert.notEqual(renewed.serial, first.serial);
    assert.notEqual(readFileSync(first.files.key, 'utf8'), oldKey, 'a new key');
    assert.equal(inspectCert(readFileSync(first.files.cert, 'utf8')).serial, renewed.serial);
    const record = (await readClients(clientsFile(pki.caDir))).clients.find((c) => c.identity === 'erin');
    assert.equal(record?.certificates.length, 2);

    await revokeIdentity({ caDir: pki.caDir, identity: 'erin', serverCrlFile: '' });
    await assert.rejects(renewCertificate(config), (err: unknown) => {
      assert.ok(isBurrowError(err, ErrorCode.AUTH), String(err));
      assert.match(err.message, /\(403\): identity "erin" was revoked at .*; it cannot renew/);
      return true;
    });
  });

  it('refuses a renewal without a client certificate, or with one enrollment did not issue', async () => {
    const csr = (await createCsr('frank')).csrPem;
    const none = await rawRequest(endpoint.port, post('/~!burrow/renew', { csr }));
    assert.equal(none.status, 401);
    assert.match(none.body.error ?? '', /renewal needs the current client certificate/);
    const out = join(dir, 'manual');
    await issueCert({ caDir: pki.caDir, kind: 'client', names: ['frank'], out });
    const manual = await rawRequest(endpoint.port, post('/~!burrow/renew', { csr }), {
      cert: `${out}.crt`,
      key: `${out}.key`,
    });
    assert.equal(manual.status, 403);
    assert.match(manual.body.error ?? '', /CN=frank .* was not issued by enrollment on this server/);
  });

  it('answers bad requests precisely: unknown path, wrong type, too large, not JSON', async () => {
    const notFound = await rawRequest(endpoint.port, post('/~!burrow/nope', {}));
    assert.equal(notFound.status, 404);
    const json = JSON.stringify({ token: 'x', csr: 'y' });
    const wrongType = await rawRequest(
      endpoint.port,
      `POST /~!burrow/enroll HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
    );
    assert.equal(wrongType.status, 415);
    const tooLarge = await rawRequest(
      endpoint.port,
      'POST /~!burrow/enroll HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 999999\r\n\r\n',
    );
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.body.error ?? '', /at most 32768 are accepted/);
    const garbage = await rawRequest(
      endpoint.port,
      'POST /~!burrow/enroll HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{{{',
    );
    assert.equal(garbage.status, 400);
    const malformed = await rawRequest(endpoint.port, post('/~!burrow/enroll', { token: 'brw1.nope', csr: 'x' }));
    assert.equal(malformed.status, 403);
    assert.match(malformed.body.error ?? '', /malformed enrollment token/);
  });
  it('refuses what is not one bounded request: an oversized head, a chunked body, a malformed head', async () => {
    const huge = await rawRequest(endpoint.port, `POST /~!burrow/enroll HTTP/1.1\r\nX: ${'a'.repeat(9000)}\r\n\r\n`);
    assert.equal(huge.status, 431);
    assert.match(huge.body.error ?? '', /request head longer than 8192 bytes/);
    const chunked = await rawRequest(
      endpoint.port,
      'POST /~!burrow/enroll HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.equal(chunked.status, 411);
    const badLine = await rawRequest(endpoint.port, 'POST /~!burrow/enroll HTTP/1.1\r\nbad line\r\n\r\n');
    assert.equal(badLine.status, 400);
    const twoLengths = await rawRequest(
      endpoint.port,
      'POST /~!burrow/enroll HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    );
    assert.equal(twoLengths.status, 400);
    // The endpoint still serves after each of them.
    assert.equal((await rawRequest(endpoint.port, post('/~!burrow/nope', {}))).status, 404);
  });
});

describe('enrollment endpoint limits and set-up', () => {
  let dir: string;
  let pki: Pki;
  before(async () => {
    dir = tempDir();
    pki = await makePki(dir);
  });
  after(() => removeDir(dir));

  it('rate-limits attempts per IP', async () => {
    const endpoint = await startEndpoint(pki, { rateLimiter: new RequestRateLimiter(2, MINUTE) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (await rawRequest(endpoint.port, post('/~!burrow/enroll', { token: 'brw1.x', csr: 'x' }))).status,
        );
      assert.deepEqual(statuses, [403, 403, 429]);
      const last = await rawRequest(endpoint.port, post('/~!burrow/enroll', {}));
      assert.match(last.body.error ?? '', /too many enrollment attempts from 127\.0\.0\.1; try again in \d+ s/);
    } finally {
      await endpoint.close();
    }
  });

  it('is enabled for a server whose certificate and client CA are the CA directory, and says why not otherwise', async () => {
    const ready = await createEnrollService(serverConfigFor(pki));
    assert.equal(ready.enabled, true);
    assert.equal(ready.caDir, pki.caDir);
    ready.close();

    const noClientCa = serverConfigFor(pki);
    noClientCa.transport.tls.trustedCaFile = '';
    const off = await createEnrollService(noClientCa, { caDir: pki.caDir });
    assert.equal(off.enabled, false);
    assert.match(
      off.disabledReason ?? '',
      /does not verify client certificates with this CA: set transport\.tls\.trustedCaFile/,
    );

    const generated = serverConfigFor(pki);
    generated.transport.tls.certFile = '';
    generated.transport.tls.keyFile = '';
    const off2 = await createEnrollService(generated);
    assert.match(off2.disabledReason ?? '', /uses its generated certificate, which the CA did not issue/);

    const other = await makePki(dir, 'other-ca');
    const foreign = serverConfigFor(pki);
    foreign.transport.tls.certFile = other.serverCert;
    foreign.transport.tls.keyFile = other.serverKey;
    const off3 = await createEnrollService(foreign);
    assert.match(off3.disabledReason ?? '', /does not verify with the CA in .*: not signed by the given CA/);
  });

  it('is in use (routed, handshakes without a certificate) only once a token was created', async () => {
    const fresh = await makePki(join(dir, 'fresh'));
    const service = await createEnrollService(serverConfigFor(fresh));
    try {
      assert.equal(service.enabled, true);
      assert.equal(service.accepting, false, 'no token yet: the server behaves as before');
      await createEnrollToken(fresh.caDir, { identity: 'kim', ttlMs: MINUTE, allowances: noAllowances() });
      for (let i = 0; i < MAX_POLLS && !service.accepting; i++) await new Promise((r) => setTimeout(r, POLL_MS));
      assert.equal(service.accepting, true, 'the file watch saw the token store appear');
    } finally {
      service.close();
    }
  });

  it('answers 503 with the reason when enrollment is off', async () => {
    const endpoint = await startEndpoint(pki, { caDir: '' });
    try {
      const res = await rawRequest(endpoint.port, post('/~!burrow/enroll', { token: 'x', csr: 'y' }));
      assert.equal(res.status, 503);
      assert.match(res.body.error ?? '', /enrollment is not enabled on this server; the server's log says why/);
      assert.doesNotMatch(res.body.error ?? '', /\//, 'no server path in the answer');
    } finally {
      await endpoint.close();
    }
  });
});
