// webServer.assetsDir: request paths that would leave the folder are refused, symbolic links out of it are not followed, folders serve index.html.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { assetSegments, assetsRoot, resolveAsset } from '../../src/admin/dashboard/assets-dir.js';
import { matchRoute } from '../../src/admin/router.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'burrow-assets-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('assetSegments: decoded names; dot segments, encoded separators, NUL and bad escapes refused', () => {
  assert.deepEqual(assetSegments('/css/app%20x.css'), ['css', 'app x.css']);
  assert.deepEqual(assetSegments('//a///b/'), ['a', 'b']);
  assert.deepEqual(assetSegments('/'), []);
  for (const bad of [
    '/..',
    '/a/../b',
    '/%2e%2e/x',
    '/%2E%2E',
    '/.',
    '/a%2f..%2fb',
    '/..%5c..%5cwin.ini',
    '/a%00b',
    '/%zz',
  ])
    assert.equal(assetSegments(bad), undefined, bad);
});

test('resolveAsset: a file, a folder as its index.html, nothing outside the root through a link', async () => {
  const root = path.join(base, 'site');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(path.join(root, 'empty'));
  writeFileSync(path.join(root, 'index.html'), 'home');
  writeFileSync(path.join(root, 'sub', 'index.html'), 'sub home');
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'out.txt'));
  symlinkSync(base, path.join(root, 'up'));
  symlinkSync(path.join(root, 'index.html'), path.join(root, 'in.html'));
  const real = assetsRoot(root);
  assert.equal(await resolveAsset(real, []), path.join(real, 'index.html'));
  assert.equal(await resolveAsset(real, ['sub']), path.join(real, 'sub', 'index.html'));
  assert.equal(await resolveAsset(real, ['in.html']), path.join(real, 'index.html'));
  assert.equal(await resolveAsset(real, ['empty']), undefined);
  assert.equal(await resolveAsset(real, ['missing.js']), undefined);
  assert.equal(await resolveAsset(real, ['index.html', 'x']), undefined);
  assert.equal(await resolveAsset(real, ['out.txt']), undefined);
  assert.equal(await resolveAsset(real, ['up', 'secret.txt']), undefined);
  assert.equal(realpathSync(path.join(real, 'up')), realpathSync(base));
});

test('assetsRoot: a missing folder or a file is a config error naming the key', () => {
  writeFileSync(path.join(base, 'file'), '');
  assert.throws(() => assetsRoot(path.join(base, 'nope')), {
    code: 'ERR_CONFIG',
    message: /^webServer\.assetsDir: ".*nope": ENOENT/,
  });
  assert.throws(() => assetsRoot(path.join(base, 'file')), { message: /webServer\.assetsDir: .*not a directory/ });
});

test('a route ending in "*" matches its prefix with any rest, and nothing else', () => {
  const routes = [{ method: 'GET' as const, pattern: '/static/*', handler: () => ({ status: 200 }) }];
  for (const p of ['/static', '/static/', '/static/a', '/static/a/b/c.js'])
    assert.equal(matchRoute(routes, 'GET', p).kind, 'found', p);
  for (const p of ['/', '/statics/a', '/api/static']) assert.equal(matchRoute(routes, 'GET', p).kind, 'none', p);
});
