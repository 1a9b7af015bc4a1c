// Log lines: the text format (time, level, role, message, key fields, secrets redacted) and log.format for a log.to file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { createLogger, formatLine } from '../src/log.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'burrow-log-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('formatLine: frp-like fields in order, quoting values with spaces, errors by their message', () => {
  const time = new Date(2026, 11, 3, 19, 17, 25, 123).getTime();
  const line = formatLine(
    JSON.stringify({
      level: 40,
      time,
      role: 'client',
      msg: 'login failed',
      server: '127.0.0.1:7000',
      reason: 'a b',
      err: { message: 'boom', stack: 'x' },
    }),
  );
  assert.equal(
    line,
    '2026-12-03 19:17:25.123 [W] [client] login failed server=127.0.0.1:7000 reason="a b" err="boom"\n',
  );
  assert.ok(formatLine(JSON.stringify({ level: 50, time, msg: 'x' }), true).includes('\u001b[31m[E]\u001b[0m x'));
});

it('log.to file: JSON by default, text with format "text", secrets redacted in both', () => {
  for (const format of ['auto', 'json', 'text'] as const) {
    const file = path.join(dir, `${format}.log`);
    createLogger({ to: file, format, base: { role: 'server' } }).info({ proxy: 'web', token: 'hunter2' }, 'proxy up');
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /hunter2/, format);
    if (format === 'text')
      assert.match(
        text,
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[I\] \[server\] proxy up proxy=web token=\[redacted\]\n$/,
      );
    else assert.equal((JSON.parse(text) as { msg: string }).msg, 'proxy up', format);
  }
});
