// Writing a key and certificate all or nothing: a rename failing half-way puts the old pair back (renewal) or removes the new files (join).
import { describe, it, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { writeAllOrNothing } from '../../src/enroll/client-files.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { removeDir, tempDir } from './fixtures.js';

/** Mode of a key file. */
const KEY_MODE = 0o600;
/** Mode of a certificate file. */
const CERT_MODE = 0o644;

/** Runs `body` while renaming a temporary file onto `target` fails with EIO (the real rename otherwise). */
async function withFailingRename(target: string, body: () => Promise<void>): Promise<void> {
  const realRename = fsp.rename;
  mock.method(fsp, 'rename', async (from: string, to: string) => {
    if (to === target && from.endsWith('.tmp'))
      throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
    return realRename(from, to);
  });
  // The module under test imported `rename` by name: let that binding see the mock.
  syncBuiltinESMExports();
  try {
    await body();
  } finally {
    mock.restoreAll();
    syncBuiltinESMExports();
  }
}

describe('writeAllOrNothing', () => {
  let dir: string;
  let n = 0;
  const nextDir = (): string => {
    const d = join(dir, `case-${++n}`);
    mkdirSync(d);
    return d;
  };
  before(() => {
    dir = tempDir();
  });
  after(() => removeDir(dir));

  it('replaces both files and leaves no temporary or backup file', async () => {
    const d = nextDir();
    writeFileSync(join(d, 'client.key'), 'old key');
    writeFileSync(join(d, 'client.crt'), 'old cert');
    await writeAllOrNothing([
      { path: join(d, 'client.key'), data: 'new key', mode: KEY_MODE },
      { path: join(d, 'client.crt'), data: 'new cert', mode: CERT_MODE },
    ]);
    assert.equal(readFileSync(join(d, 'client.key'), 'utf8'), 'new key');
    assert.equal(readFileSync(join(d, 'client.crt'), 'utf8'), 'new cert');
    assert.deepEqual(readdirSync(d).sort(), ['client.crt', 'client.key']);
  });

  it('puts the old key back when the certificate cannot be renamed into place (never a mismatched pair)', async () => {
    const d = nextDir();
    const key = join(d, 'client.key');
    const cert = join(d, 'client.crt');
    writeFileSync(key, 'old key');
    writeFileSync(cert, 'old cert');
    await withFailingRename(cert, async () => {
      await assert.rejects(
        writeAllOrNothing([
          { path: key, data: 'new key', mode: KEY_MODE },
          { path: cert, data: 'new cert', mode: CERT_MODE },
        ]),
        (err: unknown) => {
          assert.ok(isBurrowError(err, ErrorCode.PKI), String(err));
          assert.match(err.message, /^cannot write .*client\.crt: EIO: i\/o error/);
          assert.doesNotMatch(err.message, /could not put back/);
          return true;
        },
      );
    });
    assert.equal(readFileSync(key, 'utf8'), 'old key');
    assert.equal(readFileSync(cert, 'utf8'), 'old cert');
    assert.deepEqual(readdirSync(d).sort(), ['client.crt', 'client.key'], 'no temporary or backup file left');
  });

  it('removes the new files it placed when a later one fails (a first join)', async () => {
    const d = nextDir();
    const key = join(d, 'client.key');
    const cert = join(d, 'client.crt');
    await withFailingRename(cert, async () => {
      await assert.rejects(
        writeAllOrNothing([
          { path: key, data: 'new key', mode: KEY_MODE },
          { path: cert, data: 'new cert', mode: CERT_MODE },
        ]),
        /cannot write .*client\.crt/,
      );
    });
    assert.equal(existsSync(key), false);
    assert.deepEqual(readdirSync(d), []);
  });
});
