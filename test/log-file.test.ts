// The daily-rotated log file: golib's names (NAME.YYYYMMDD-HHMMSS.EXT), rotation across midnight on an injected clock, log.maxDays deletion.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { expiredFiles, RotatingLogFile, rotatedName, rotatedTime } from '../src/log-file.js';
import { createLogger } from '../src/log.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'burrow-log-file-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshDir(): string {
  const dir = path.join(root, String(n++));
  mkdirSync(dir);
  return dir;
}

it('names rotated files as golib does and reads the time back; other names are not rotated files', () => {
  const t = new Date(2026, 11, 4, 0, 0, 0);
  assert.equal(rotatedName('/var/log/frps.log', t), '/var/log/frps.20261204-000000.log');
  assert.equal(rotatedName('logs/burrow', t), path.join('logs', 'burrow.20261204-000000'));
  assert.equal(rotatedTime('/var/log/frps.log', 'frps.20261204-000000.log')?.getTime(), t.getTime());
  for (const name of [
    'frps.log',
    'frps.20261399-000000.log',
    'frps.2026124-000000.log',
    'frpc.20261204-000000.log',
    'frps.20261204-000000.txt',
  ])
    assert.equal(rotatedTime('/var/log/frps.log', name), undefined, name);
});

it('expiredFiles: rotated files older than maxDays, none when maxDays <= 0', () => {
  const now = new Date(2026, 11, 10, 12, 0, 0);
  const names = ['x.20261205-000000.log', 'x.20261208-000000.log', 'x.log', 'notes.20260101-000000.log'];
  assert.deepEqual(expiredFiles('x.log', names, now, 3), ['x.20261205-000000.log']);
  assert.deepEqual(expiredFiles('x.log', names, now, 0), []);
  assert.deepEqual(expiredFiles('x.log', names, now, -1), []);
});

it('rotates at the first write after local midnight and deletes what maxDays expires', () => {
  const dir = freshDir();
  const file = path.join(dir, 'frps.log');
  // Past dates: a new file's real mtime is later, so the clock alone decides the day.
  let now = new Date(2020, 0, 1, 23, 59, 59);
  const log = new RotatingLogFile(file, { maxDays: 3, now: () => now });
  log.write('day one\n');
  now = new Date(2020, 0, 2, 0, 0, 1);
  log.write('day two\n');
  assert.deepEqual(readdirSync(dir).sort(), ['frps.20200102-000000.log', 'frps.log']);
  assert.equal(readFileSync(path.join(dir, 'frps.20200102-000000.log'), 'utf8'), 'day one\n');
  assert.equal(readFileSync(file, 'utf8'), 'day two\n');
  // Quiet for days: the next line rotates the file under the midnight that ended its day, and the
  // first rotated file, now more than 3 days old, is deleted.
  now = new Date(2020, 0, 5, 0, 0, 2);
  log.write('day five\n');
  assert.deepEqual(readdirSync(dir).sort(), ['frps.20200103-000000.log', 'frps.log']);
  assert.equal(readFileSync(path.join(dir, 'frps.20200103-000000.log'), 'utf8'), 'day two\n');
  assert.equal(readFileSync(file, 'utf8'), 'day five\n');
  log.close();
});

it('at open: a file last written on an earlier day is rotated, expired files are deleted, a taken name is not overwritten', () => {
  const dir = freshDir();
  const file = path.join(dir, 'burrow.log');
  const now = new Date();
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  writeFileSync(file, 'yesterday\n');
  const yesterday = new Date(today.getTime() - 12 * 60 * 60 * 1000);
  utimesSync(file, yesterday, yesterday);
  const taken = rotatedName(file, today);
  writeFileSync(taken, 'taken\n');
  const old = rotatedName(file, new Date(today.getTime() - 10 * 24 * 60 * 60 * 1000));
  writeFileSync(old, 'old\n');
  const folder = rotatedName(file, new Date(2001, 0, 1));
  mkdirSync(folder);
  const log = new RotatingLogFile(file, { maxDays: 3 });
  log.write('today\n');
  log.close();
  const next = rotatedName(file, new Date(today.getTime() + 1000));
  assert.deepEqual(
    readdirSync(dir).sort(),
    [path.basename(folder), path.basename(file), path.basename(taken), path.basename(next)].sort(),
  );
  assert.equal(readFileSync(taken, 'utf8'), 'taken\n');
  assert.equal(readFileSync(next, 'utf8'), 'yesterday\n');
  assert.equal(readFileSync(file, 'utf8'), 'today\n');
});

it('createLogger rotates its log.to file on the clock it is given, in a folder it creates', () => {
  const dir = path.join(freshDir(), 'new', 'logs');
  const file = path.join(dir, 'server.log');
  let now = new Date(2020, 5, 1, 23, 0, 0);
  const logger = createLogger({ to: file, format: 'json', maxDays: 3, now: () => now });
  logger.info('before');
  now = new Date(2020, 5, 2, 0, 30, 0);
  logger.info('after');
  assert.match(readFileSync(path.join(dir, 'server.20200602-000000.log'), 'utf8'), /"msg":"before"/);
  assert.match(readFileSync(file, 'utf8'), /"msg":"after"/);
});
