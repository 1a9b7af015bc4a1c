// The version the CLI prints is package.json's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { BURROW_VERSION } from '../src/version.js';

it('BURROW_VERSION equals package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(BURROW_VERSION, pkg.version);
});
