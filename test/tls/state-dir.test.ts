// Tests for the state directory and the persisted generated server identity.
import { spawn } from 'node:child_process';
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { defaultStateDir, loadOrCreateServerIdentity } from '../../src/tls/index.js';
import { generateSelfSignedServerCert } from '../../src/pki/index.js';
import { openssl, tempDir } from './helpers.js';

/** openssl's "sha256 Fingerprint=AB:CD:…" output in our canonical form. */
function opensslFingerprint(certFile: string): string {
  const out = openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']);
  const m = /Fingerprint=([0-9A-F:]+)/i.exec(out);
  assert.ok(m, `unexpected openssl output: ${out}`);
  return 'sha256:' + m[1]!.replace(/:/g, '').toLowerCase();
}

describe('defaultStateDir', { skip: process.platform === 'win32' }, () => {
  it('prefers $BURROW_STATE_DIR', () => {
    assert.equal(defaultStateDir({ BURROW_STATE_DIR: '/x/y', XDG_STATE_HOME: '/s' }), '/x/y');
  });
  it('uses $XDG_STATE_HOME/burrow when absolute', () => {
    assert.equal(defaultStateDir({ XDG_STATE_HOME: '/s' }), '/s/burrow');
    assert.equal(defaultStateDir({ XDG_STATE_HOME: 'relative', HOME: '/h' }), '/h/.local/state/burrow');
  });
  it('falls back to ~/.local/state/burrow', () => {
    assert.equal(defaultStateDir({ HOME: '/home/u' }), '/home/u/.local/state/burrow');
    assert.equal(defaultStateDir({}), join(homedir(), '.local', 'state', 'burrow'));
  });
});

describe('loadOrCreateServerIdentity', () => {
  const tmp = tempDir('state');
  after(() => tmp.remove());

  it('creates the dir 0700 and key 0600, then reuses them with a stable fingerprint', async () => {
    const stateDir = join(tmp.dir, 'nested', 'state');
    const first = await loadOrCreateServerIdentity(stateDir);
    assert.equal(first.created, true);
    assert.equal(first.certFile, join(stateDir, 'server.crt'));
    assert.equal(first.keyFile, join(stateDir, 'server.key'));
    if (process.platform !== 'win32') {
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      assert.equal(statSync(first.keyFile).mode & 0o777, 0o600);
    }
    assert.match(first.fingerprint, /^sha256:[0-9a-f]{64}$/);
    assert.equal(first.fingerprint, opensslFingerprint(first.certFile));
    assert.equal(readFileSync(first.keyFile, 'utf8'), first.keyPem);
    assert.deepEqual(readdirSync(stateDir).sort(), ['server.crt', 'server.key'], 'no temporary files left');

    const second = await loadOrCreateServerIdentity(stateDir);
    assert.equal(second.created, false);
    assert.equal(second.fingerprint, first.fingerprint);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.keyPem, first.keyPem);
  });

  it('servers starting at once on a fresh state directory agree on one identity', async () => {
    const stateDir = join(tmp.dir, 'race');
    const starts = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateServerIdentity(stateDir)));
    assert.equal(starts.filter((s) => s.created).length, 1, 'exactly one start generated the files');
    assert.deepEqual(new Set(starts.map((s) => s.fingerprint)).size, 1);
    assert.equal(starts[0]!.fingerprint, opensslFingerprint(join(stateDir, 'server.crt')));
    assert.deepEqual(readdirSync(stateDir).sort(), ['server.crt', 'server.key'], 'the lock file is gone');
  });

  it('processes starting at once on a fresh state directory agree on one identity', async () => {
    const stateDir = join(tmp.dir, 'race-processes');
    const script = `import('${new URL('../../src/tls/index.ts', import.meta.url).href}').then(async (m) => { const id = await m.loadOrCreateServerIdentity(process.argv[1]); process.stdout.write(id.fingerprint + ' ' + id.created); })`;
    const runs = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, stateDir], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.on('data', (c: Buffer) => (out += c.toString()));
            child.once('error', reject);
            child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
          }),
      ),
    );
    assert.equal(new Set(runs.map((r) => r.split(' ')[0])).size, 1, runs.join('\n'));
    assert.equal(runs.filter((r) => r.endsWith('true')).length, 1, runs.join('\n'));
  });

  it('the key is PKCS#8 EC and matches the certificate (openssl)', async () => {
    const id = await loadOrCreateServerIdentity(join(tmp.dir, 'k'));
    assert.match(id.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    const keyPub = openssl(['pkey', '-in', id.keyFile, '-pubout']);
    const certPub = openssl(['x509', '-in', id.certFile, '-noout', '-pubkey']);
    assert.equal(keyPub, certPub);
  });

  for (const missing of ['server.key', 'server.crt']) {
    it(`refuses when ${missing} is missing, naming it, and overwrites nothing`, async () => {
      const stateDir = join(tmp.dir, `missing-${missing}`);
      const id = await loadOrCreateServerIdentity(stateDir);
      const other = missing === 'server.key' ? id.certFile : id.keyFile;
      const before = readFileSync(other, 'utf8');
      rmSync(join(stateDir, missing));
      await assert.rejects(loadOrCreateServerIdentity(stateDir), (e: unknown) => {
        assert.ok(isBurrowError(e, ErrorCode.TLS));
        assert.ok(e.message.includes(join(stateDir, missing)), e.message);
        return true;
      });
      assert.equal(readFileSync(other, 'utf8'), before);
    });
  }

  it('refuses a key that does not match the certificate', async () => {
    const stateDir = join(tmp.dir, 'mismatch');
    const id = await loadOrCreateServerIdentity(stateDir);
    const other = await generateSelfSignedServerCert();
    writeFileSync(id.keyFile, other.keyPem);
    await assert.rejects(loadOrCreateServerIdentity(stateDir), (e: unknown) => {
      assert.ok(isBurrowError(e, ErrorCode.TLS));
      assert.equal(e.message, `private key file ${id.keyFile} does not match the certificate in ${id.certFile}`);
      return true;
    });
    assert.equal(readFileSync(id.keyFile, 'utf8'), other.keyPem, 'the key was not overwritten');
  });

  it('refuses files that do not parse, naming them', async () => {
    const stateDir = join(tmp.dir, 'garbage');
    const id = await loadOrCreateServerIdentity(stateDir);
    writeFileSync(id.certFile, 'not a certificate\n');
    await assert.rejects(
      loadOrCreateServerIdentity(stateDir),
      (e: unknown) => isBurrowError(e, ErrorCode.TLS) && e.message.includes(id.certFile),
    );
    writeFileSync(id.certFile, id.certPem);
    writeFileSync(id.keyFile, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await assert.rejects(
      loadOrCreateServerIdentity(stateDir),
      (e: unknown) =>
        isBurrowError(e, ErrorCode.TLS) && e.message.startsWith(`private key file ${id.keyFile} does not parse`),
    );
  });
});
