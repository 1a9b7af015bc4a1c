// Unit tests of the legacy INI parser: gopkg.in/ini.v1's rules as frp's loader sets them, and its bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/config/config-error.js';
import {
  DEFAULT_SECTION,
  IniSyntaxError,
  MAX_INI_SECTIONS,
  isLegacyIni,
  parseIni,
  parseIniFile,
} from '../../../src/config/legacy/ini.js';

const LOOSE = { allowBooleanKeys: true };

/** Section name → { key: value }. */
function flat(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of parseIni(text, LOOSE)) out[s.name] = Object.fromEntries([...s.keys].map(([k, v]) => [k, v.value]));
  return out;
}

test('sections, both delimiters, spacing, whole-line comments; # after a value is part of it', () => {
  const text = [
    '# comment',
    '; another',
    '  [common]  ',
    'server_addr=127.0.0.1',
    '  server_port  :  7000  ',
    'token = abc # not a comment',
    '[ssh]',
    'local_port = 22',
  ].join('\n');
  assert.deepEqual(flat(text), {
    [DEFAULT_SECTION]: {},
    common: { server_addr: '127.0.0.1', server_port: '7000', token: 'abc # not a comment' },
    ssh: { local_port: '22' },
  });
});

test('quotes are stripped in pairs, """ spans lines, a trailing backslash continues the value', () => {
  const text = [
    '[a]',
    'q1 = "  spaced  "',
    "q2 = 'single'",
    'q3 = "unbalanced',
    'q4 = "a"b"',
    'tick = `raw "x"`',
    'multi = """line one',
    'line two"""',
    'cont = first \\',
    '   second',
    '"quoted = key" = v',
  ].join('\n');
  assert.deepEqual(flat(text).a, {
    q1: '  spaced  ',
    q2: 'single',
    q3: '"unbalanced',
    q4: '"a"b"',
    tick: 'raw "x"',
    multi: 'line one\nline two',
    cont: 'first second',
    'quoted = key': 'v',
  });
});

test('a key without delimiter is "true" with boolean keys, an error without; lines are counted', () => {
  assert.deepEqual(flat('[a]\ntls_enable\n').a, { tls_enable: 'true' });
  assert.throws(
    () => parseIni('[a]\n\nflag\n', { allowBooleanKeys: false }),
    (err: unknown) => err instanceof IniSyntaxError && err.line === 3,
  );
  const [, a] = parseIni('\n[a]\n\nk = v\n', LOOSE);
  assert.equal(a?.line, 2);
  assert.equal(a?.keys.get('k')?.line, 4);
});

test('a section written twice is merged and a key written twice keeps its last value (ini.v1)', () => {
  assert.deepEqual(flat('[a]\nx = 1\ny = 1\n[b]\n[a]\nx = 2\n').a, { x: '2', y: '1' });
  assert.deepEqual(
    parseIni('[a]\n[b]\n[a]\n', LOOSE).map((s) => s.name),
    [DEFAULT_SECTION, 'a', 'b'],
  );
});

test('section names keep their spaces, as ini.v1 does: "[ common ]" is not [common]', () => {
  assert.deepEqual(Object.keys(flat('[ common ]\nx = 1\n')), [DEFAULT_SECTION, ' common ']);
  assert.equal(isLegacyIni('[ common ]\nx = 1\n'), false);
});

test('keys before any section go to DEFAULT; a BOM and CRLF are accepted', () => {
  assert.deepEqual(flat('\uFEFFx = 1\r\n[common]\r\ny = 2\r\n'), { [DEFAULT_SECTION]: { x: '1' }, common: { y: '2' } });
});

test('syntax errors: unclosed header, empty names, unclosed """; as ConfigError they name file and line', () => {
  for (const [text, reason] of [
    ['[common\n', /unclosed section header/],
    ['[]\n', /empty section name/],
    ['[a]\n= v\n', /empty key name/],
    ['[a]\nk = """never closed\n', /unclosed """/],
    ['[a]\n"k = v\n', /unclosed quoted key/],
  ] as const) {
    assert.throws(
      () => parseIni(text, LOOSE),
      (err: unknown) => err instanceof IniSyntaxError && reason.test(err.reason),
    );
  }
  assert.throws(
    () => parseIniFile('[a]\nok = 1\n[b\n', 'frpc.ini'),
    (err: unknown) =>
      err instanceof ConfigError && err.message === 'frpc.ini: line 3: invalid INI: unclosed section header (no "]")',
  );
});

test('bounds: too many sections is refused, not parsed', () => {
  const text = Array.from({ length: MAX_INI_SECTIONS + 1 }, (_, i) => `[s${i}]`).join('\n');
  assert.throws(() => parseIni(text, LOOSE), /more than 20000 sections/);
});

test("isLegacyIni is frp's DetectLegacyINIFormat: INI text with a [common] section", () => {
  assert.equal(isLegacyIni('[common]\nbind_port = 7000\n'), true);
  assert.equal(isLegacyIni('bindPort = 7000\n'), false);
  assert.equal(isLegacyIni('[common]\nports = [\n  7000,\n]\n'), false, 'not INI: a line without delimiter');
  assert.equal(isLegacyIni('[ssh]\nlocal_port = 22\n'), false, 'INI without [common]');
  assert.equal(isLegacyIni('{"bindPort": 7000}'), false);
});
