// Offline administration: listing enrolled identities, revoking one (CA index, CRL and its copy, tokens), policy entries; revocation vs. policy and tokens.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clientsFile,
  createEnrollToken,
  findCaDir,
  joinServer,
  listEnrolledClients,
  noAllowances,
  policyEntries,
  readClients,
  revokeIdentity,
} from '../../src/enroll/index.js';
import { findIdentity, markRevoked, type ClientRecord } from '../../src/enroll/clients-store.js';
import { readTokens, tokensFile } from '../../src/enroll/token-store.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { isRevoked, issueCert, readIndex, caPaths } from '../../src/pki/index.js';
import { normalizeSerial } from '../../src/pki/serial.js';
import { IdentityPolicy } from '../../src/server/policy.js';
import { identityOf, type PeerIdentity } from '../../src/tls/index.js';
import {
  makePki,
  removeDir,
  serverConfigFor,
  sleep,
  startEndpoint,
  tempDir,
  until,
  type Endpoint,
  type Pki,
} from './fixtures.js';

/** Rounds of the join-against-revoke race, each starting the join a step later. */
const RACE_ROUNDS = 4;
/** Delay added per round before the racing join starts. */
const RACE_STEP_MS = 15;
/** Most polls while waiting for the file watch (it polls every second). */
const MAX_POLLS = 100;
/** Pause between polls. */
const POLL_MS = 50;

describe('enrollment administration', () => {
  let dir: string;
  let pki: Pki;
  let endpoint: Endpoint;
  const enroll = async (identity: string): Promise<{ certFile: string }> => {
    const token = (
      await createEnrollToken(pki.caDir, {
        identity,
        ttlMs: 60_000,
        allowances: { ...noAllowances(), allowPorts: [{ start: 7000, end: 7000 }] },
      })
    ).text;
    const r = await joinServer({
      server: `127.0.0.1:${endpoint.port}`,
      token,
      fingerprint: pki.caFingerprint,
      dir: join(dir, identity),
    });
    return { certFile: r.files.cert };
  };

  before(async () => {
    dir = tempDir();
    pki = await makePki(dir);
    endpoint = await startEndpoint(pki);
  });
  after(async () => {
    await endpoint.close();
    removeDir(dir);
  });

  it('finds the CA directory beside trustedCaFile, or as given', async () => {
    const config = serverConfigFor(pki);
    assert.deepEqual(await findCaDir(config), {
      dir: pki.caDir,
      source: 'the directory of transport.tls.trustedCaFile',
    });
    assert.deepEqual(await findCaDir(config, '/elsewhere'), { dir: '/elsewhere', source: '--ca-dir' });
    config.transport.tls.trustedCaFile = '';
    config.stateDir = join(dir, 'no-state');
    assert.equal(await findCaDir(config), undefined);
  });

  it('lists identities with their certificate expiry, and revokes one: CA index, CRL (and its copy), policy, tokens', async () => {
    const grace = await enroll('grace');
    await enroll('heidi');
    const pending = (
      await createEnrollToken(pki.caDir, { identity: 'grace', ttlMs: 60_000, allowances: noAllowances() })
    ).text;

    const rows = await listEnrolledClients(pki.caDir);
    assert.deepEqual(
      rows.map((r) => [r.identity, r.status]),
      [
        ['grace', 'active'],
        ['heidi', 'active'],
      ],
    );
    assert.ok(rows[0]!.notAfter && Date.parse(rows[0]!.notAfter) > Date.now());
    assert.ok(rows[0]!.lastSeen, 'the enrollment counts as seen');

    const copy = join(dir, 'server-crl.pem');
    const r = await revokeIdentity({ caDir: pki.caDir, identity: 'grace', serverCrlFile: copy });
    assert.equal(r.serials.length, 1);
    assert.equal(r.copiedTo, copy);
    assert.equal(r.cancelledTokens, 1);
    const crl = readFileSync(r.crlFile, 'utf8');
    assert.deepEqual(readFileSync(copy, 'utf8'), crl);
    assert.ok(isRevoked(readFileSync(grace.certFile, 'utf8'), crl), 'the CRL lists grace');
    const index = await readIndex(caPaths(pki.caDir));
    assert.ok(index.revoked.some((e) => e.serial === r.serials[0]));

    const after = await listEnrolledClients(pki.caDir);
    assert.equal(after.find((x) => x.identity === 'grace')?.status, 'revoked');
    const entries = policyEntries(await readClients(clientsFile(pki.caDir)));
    assert.deepEqual(
      entries.map((e) => e.id),
      ['heidi'],
    );
    assert.deepEqual(entries[0]!.allowPorts, [{ start: 7000, end: 7000 }]);

    await assert.rejects(
      joinServer({
        server: `127.0.0.1:${endpoint.port}`,
        token: pending,
        fingerprint: pki.caFingerprint,
        dir: join(dir, 'grace-again'),
      }),
      /was cancelled at .* \(identity "grace" was revoked\)/,
    );
  });

  it('refuses to revoke an identity that never enrolled', async () => {
    await assert.rejects(
      revokeIdentity({ caDir: pki.caDir, identity: 'nobody', serverCrlFile: '' }),
      (err: unknown) => {
        assert.ok(isBurrowError(err, ErrorCode.USAGE));
        assert.match(err.message, /identity "nobody" is not enrolled/);
        return true;
      },
    );
  });
});

describe('revocation and the identity policy', () => {
  let dir: string;
  let pki: Pki;
  let endpoint: Endpoint;
  const tokenFor = async (identity: string): Promise<string> =>
    (
      await createEnrollToken(pki.caDir, {
        identity,
        ttlMs: 60_000,
        allowances: { ...noAllowances(), allowProxies: [`${identity}-*`] },
      })
    ).text;
  const enrollAs = (token: string, out: string): ReturnType<typeof joinServer> =>
    joinServer({ server: `127.0.0.1:${endpoint.port}`, token, fingerprint: pki.caFingerprint, dir: join(dir, out) });
  const recordOf = async (identity: string): Promise<ClientRecord | undefined> =>
    findIdentity(await readClients(clientsFile(pki.caDir)), identity);
  const identityOfFile = (certFile: string): PeerIdentity => identityOf(new X509Certificate(readFileSync(certFile)));

  before(async () => {
    dir = tempDir();
    pki = await makePki(dir);
    endpoint = await startEndpoint(pki);
  });
  after(async () => {
    await endpoint.close();
    removeDir(dir);
  });

  it('stays enforced when the only identity is revoked: the revoked one opens nothing, nor does any other certificate', async () => {
    const solo = await enrollAs(await tokenFor('solo'), 'solo');
    const service = endpoint.service;
    assert.deepEqual(
      service.policyEntries().map((e) => e.id),
      ['solo'],
    );
    await revokeIdentity({ caDir: pki.caDir, identity: 'solo', serverCrlFile: '' });
    await until(
      'the service to see the revocation',
      () => service.revokedIdentities().includes('solo'),
      MAX_POLLS,
      POLL_MS,
    );
    assert.deepEqual(service.policyEntries(), []);
    assert.equal(service.policyEnforced(), true);
    const soloIdentity = identityOfFile(solo.files.cert);
    assert.equal(service.isRevokedIdentity(soloIdentity), true);
    assert.equal(service.isRevokedIdentity('solo'), true);
    // The server's policy, built as server.ts builds it from the service.
    const policy = new IdentityPolicy(service.policyEntries(), {
      enforce: service.policyEnforced(),
      revoked: service.revokedIdentities(),
    });
    const request = { proxy_type: 'tcp', remote_port: 6000 };
    assert.match(
      policy.refusal(soloIdentity, 'solo-1', request, '') ?? '',
      /client identity CN=solo .*was revoked \(burrow server revoke\): it may open no proxy/,
    );
    const other = join(dir, 'manual');
    await issueCert({ caDir: pki.caDir, kind: 'client', names: ['outsider'], out: other });
    assert.match(
      policy.refusal(identityOfFile(`${other}.crt`), 'any', request, '') ?? '',
      /client identity CN=outsider .*has no \[\[auth.clients\]\] entry/,
    );
  });

  it('refuses a revoked identity a token made before the revocation, and re-enrolls it with a token made after', async () => {
    await enrollAs(await tokenFor('kate'), 'kate');
    const older = await tokenFor('kate');
    // As if the token were used between "marked revoked" and "tokens cancelled".
    await markRevoked(clientsFile(pki.caDir), 'kate', new Date());
    const certsBefore = (await recordOf('kate'))!.certificates.length;
    await assert.rejects(enrollAs(older, 'kate-older'), (err: unknown) => {
      assert.ok(isBurrowError(err, ErrorCode.AUTH), String(err));
      assert.match(
        err.message,
        /\(403\): identity "kate" was revoked at .*; only a token created after that \(burrow server token create\) enrolls it again/,
      );
      return true;
    });
    const still = await recordOf('kate');
    assert.ok(still?.revokedAt, 'still revoked');
    assert.equal(still.certificates.length, certsBefore, 'no certificate issued');

    const fresh = await createEnrollToken(pki.caDir, { identity: 'kate', ttlMs: 60_000, allowances: noAllowances() });
    assert.equal(fresh.revokedAt, still.revokedAt, 'token create says the identity is revoked');
    assert.equal((await recordOf('kate'))?.revokedAt, still.revokedAt, 'creating the token does not reinstate it');
    const back = await enrollAs(fresh.text, 'kate-back');
    const record = await recordOf('kate');
    assert.equal(record?.revokedAt, undefined);
    assert.equal(record?.certificates.at(-1)?.serial, back.serial);
    assert.equal(endpoint.service.isRevokedIdentity('kate'), false);
  });

  it('cancels the tokens before marking the identity revoked', async () => {
    await enrollAs(await tokenFor('liam'), 'liam');
    await tokenFor('liam');
    await revokeIdentity({ caDir: pki.caDir, identity: 'liam', serverCrlFile: '' });
    const cancelled = (await readTokens(tokensFile(pki.caDir))).tokens.find(
      (t) => t.identity === 'liam' && t.cancelledAt !== undefined,
    );
    const revokedAt = (await recordOf('liam'))?.revokedAt;
    assert.ok(cancelled?.cancelledAt && revokedAt);
    assert.ok(
      Date.parse(cancelled.cancelledAt) <= Date.parse(revokedAt),
      `cancelled ${cancelled.cancelledAt}, revoked ${revokedAt}`,
    );
  });

  it('never leaves an identity active with a certificate the CA did not revoke, whatever a join racing the revocation does', async () => {
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const identity = `race-${round}`;
      await enrollAs(await tokenFor(identity), identity);
      const pending = await tokenFor(identity);
      const revoking = revokeIdentity({ caDir: pki.caDir, identity, serverCrlFile: '' });
      await sleep(round * RACE_STEP_MS);
      const joining = enrollAs(pending, `${identity}-again`);
      const [joined] = await Promise.allSettled([joining, revoking]);
      const record = await recordOf(identity);
      assert.ok(record?.revokedAt, `${identity} ends revoked`);
      if (joined.status === 'fulfilled') {
        const index = await readIndex(caPaths(pki.caDir));
        assert.ok(
          index.revoked.some((e) => e.serial === normalizeSerial(joined.value.serial)),
          `round ${round}: the certificate the join got is revoked`,
        );
      }
    }
  });
});
