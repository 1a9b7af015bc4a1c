// Offline administration: listing enrolled identities, revoking one (CA index, CRL and its copy, tokens), policy entries.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { isRevoked, readIndex, caPaths } from '../../src/pki/index.js';
import { makePki, removeDir, serverConfigFor, startEndpoint, tempDir, type Endpoint, type Pki } from './fixtures.js';

describe('enrollment administration', () => {
  let dir: string;
  let pki: Pki;
  let endpoint: Endpoint;
  const enroll = async (identity: string): Promise<{ certFile: string }> => {
    const token = (await createEnrollToken(pki.caDir, { identity, ttlMs: 60_000, allowances: { ...noAllowances(), allowPorts: [{ start: 7000, end: 7000 }] } })).text;
    const r = await joinServer({ server: `127.0.0.1:${endpoint.port}`, token, fingerprint: pki.caFingerprint, dir: join(dir, identity) });
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
    assert.deepEqual(await findCaDir(config), { dir: pki.caDir, source: 'the directory of transport.tls.trustedCaFile' });
    assert.deepEqual(await findCaDir(config, '/elsewhere'), { dir: '/elsewhere', source: '--ca-dir' });
    config.transport.tls.trustedCaFile = '';
    config.stateDir = join(dir, 'no-state');
    assert.equal(await findCaDir(config), undefined);
  });

  it('lists identities with their certificate expiry, and revokes one: CA index, CRL (and its copy), policy, tokens', async () => {
    const grace = await enroll('grace');
    await enroll('heidi');
    const pending = (await createEnrollToken(pki.caDir, { identity: 'grace', ttlMs: 60_000, allowances: noAllowances() })).text;

    const rows = await listEnrolledClients(pki.caDir);
    assert.deepEqual(rows.map((r) => [r.identity, r.status]), [['grace', 'active'], ['heidi', 'active']]);
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
    assert.deepEqual(entries.map((e) => e.id), ['heidi']);
    assert.deepEqual(entries[0]!.allowPorts, [{ start: 7000, end: 7000 }]);

    await assert.rejects(
      joinServer({ server: `127.0.0.1:${endpoint.port}`, token: pending, fingerprint: pki.caFingerprint, dir: join(dir, 'grace-again') }),
      /was cancelled at .* \(identity "grace" was revoked\)/,
    );
  });

  it('refuses to revoke an identity that never enrolled', async () => {
    await assert.rejects(revokeIdentity({ caDir: pki.caDir, identity: 'nobody', serverCrlFile: '' }), (err: unknown) => {
      assert.ok(isBurrowError(err, ErrorCode.USAGE));
      assert.match(err.message, /identity "nobody" is not enrolled/);
      return true;
    });
  });
});
