// custom404Page: the file's content as the 404 page, the built-in page (and a warning) for a missing, unreadable or oversized file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { MAX_CUSTOM_PAGE_BYTES, notFoundPage, VhostPage } from '../../../src/server/vhost/http-pages.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-pages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A logger whose lines are kept for assertions. */
function recorder(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }), lines };
}

test('the file is the page; "" is the built-in page without a warning', () => {
  const file = path.join(dir, 'page.html');
  writeFileSync(file, '<h1>gone fishing – ünïcode</h1>\n');
  const { logger, lines } = recorder();
  assert.equal(notFoundPage(file, logger), '<h1>gone fishing – ünïcode</h1>\n');
  assert.equal(notFoundPage('', logger), VhostPage.notFound);
  assert.deepEqual(lines, []);
});

test('a missing file, a folder or a file over the limit: the built-in page, and one warning naming the key', () => {
  const big = path.join(dir, 'big.html');
  writeFileSync(big, Buffer.alloc(MAX_CUSTOM_PAGE_BYTES + 1, 0x61));
  for (const file of [path.join(dir, 'missing.html'), dir, big]) {
    const { logger, lines } = recorder();
    assert.equal(notFoundPage(file, logger), VhostPage.notFound, file);
    assert.equal(lines.length, 1, file);
    assert.match(lines[0]!, /custom404Page: /);
  }
});
