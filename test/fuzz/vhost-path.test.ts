// Short CI fuzz pass over locationPath (the path vhost locations match on): typed errors only, a clean and stable result, no growth.
import fc from 'fast-check';
import { locationPath } from '../../src/server/vhost/location-path.js';
import { fuzzTests } from './lib/property.js';
import { check, typed, type FuzzTarget } from './lib/target.js';

/** Longest request-target fed (Node's vhost caps a whole head at 16 KiB). */
const MAX_TARGET_BYTES = 2048;

const piece = fc.oneof(
  fc.constantFrom(
    '/',
    '//',
    '\\',
    '.',
    '..',
    ';',
    ';x=1',
    '%2f',
    '%2F',
    '%2e',
    '%2e%2e',
    '%25',
    '%252f',
    '%5c',
    '%3b',
    '%zz',
    '%',
    '?',
    '#',
    'admin',
    'ADMIN',
    'é',
    '%C3%A9',
    '%ff',
  ),
  fc.string({ maxLength: 4 }),
);
const targetArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(fc.constantFrom('/', 'http://h', '', '*'), fc.array(piece, { maxLength: 12 }))
  .map(([lead, pieces]) => Buffer.from(lead + pieces.join(''), 'latin1'));

function run(input: Buffer): void {
  const target = input.toString('latin1');
  const path = typed(() => locationPath(target), 'locationPath');
  if (path === undefined) return;
  check(path.length <= target.length + 2, `${JSON.stringify(target)} grew to ${JSON.stringify(path)}`);
  if (!path.startsWith('/')) return;
  check(
    !path.includes('//') && !path.includes('\\') && !path.includes(';'),
    `${JSON.stringify(path)} keeps an empty segment, a backslash or ;params`,
  );
  check(!path.split('/').some((s) => s === '.' || s === '..'), `${JSON.stringify(path)} keeps a dot segment`);
  if (!path.includes('%') && !path.includes('?'))
    check(locationPath(path) === path, `${JSON.stringify(path)} is not stable`);
}

const vhostPathTarget: FuzzTarget = {
  name: 'vhost-path',
  about:
    'locationPath on generated request-targets: BurrowError only, no empty/dot segments, ;params or backslashes left, stable, no growth',
  arbitrary: targetArbitrary,
  maxInputBytes: MAX_TARGET_BYTES,
  ciRuns: 2000,
  seeds: () =>
    ['/', '//admin', '/;/admin', '/%2fadmin', '/a/../admin', 'http://h//admin?x', '/%252e%252e/admin'].map((s) =>
      Buffer.from(s, 'latin1'),
    ),
  run,
};

fuzzTests(vhostPathTarget);
