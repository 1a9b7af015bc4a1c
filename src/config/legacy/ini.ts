// A bounded INI parser with the semantics of Go's gopkg.in/ini.v1 as frp's legacy loader configures it.
import { ConfigError } from '../config-error.js';

/** Largest INI text read (frp's full examples are ~10 KiB; this leaves room and bounds memory). */
export const MAX_INI_BYTES = 4 * 1024 * 1024;
/** Most lines one INI text may hold. */
export const MAX_INI_LINES = 200_000;
/** Most sections one INI text may hold. */
export const MAX_INI_SECTIONS = 20_000;
/** Longest value a continued (`\`) or triple-quoted value may grow to, in characters. */
export const MAX_INI_VALUE_CHARS = 64 * 1024;

/** ini.v1's name for the keys written before the first section. */
export const DEFAULT_SECTION = 'DEFAULT';

/** One `key = value` line. */
export interface IniKey {
  readonly value: string;
  /** 1-based line of the key. */
  readonly line: number;
}

/** One section: sections written twice are merged (ini.v1's rule), a key written twice keeps its last value. */
export interface IniSection {
  readonly name: string;
  /** 1-based line of the section's first header. */
  readonly line: number;
  /** Keys in the order first written. */
  readonly keys: Map<string, IniKey>;
}

/** Parser switches, named as ini.v1's LoadOptions. */
export interface IniOptions {
  /** A line without "=" or ":" is a key whose value is "true" (frp's legacy loader sets it). */
  readonly allowBooleanKeys: boolean;
}

/** ini.v1's key/value delimiters. */
const DELIMITERS = '=:';
const TRIPLE_QUOTE = '"""';
const BACKTICK = '`';

/** Thrown for text ini.v1 would refuse; `line` is 1-based. */
export class IniSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'IniSyntaxError';
  }
}

/** True when `quote` opens and closes the value and appears nowhere else (ini.v1's hasSurroundedQuote). */
function surrounded(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote) && value.split(quote).length === 3;
}

/** Strips one pair of quotes around a value, as ini.v1 does ("..." or '...' with no other such quote inside). */
function unquote(value: string): string {
  return surrounded(value, '"') || surrounded(value, "'") ? value.slice(1, -1) : value;
}

/** The key name and the rest of the line, or undefined when the line has no delimiter. */
function splitKey(line: string, lineNo: number): { name: string; rest: string } | undefined {
  const quote = line[0];
  if (quote === '"' || quote === '`') {
    // A quoted key name may hold the delimiters themselves.
    const close = line.indexOf(quote, 1);
    if (close < 0) throw new IniSyntaxError(lineNo, 'unclosed quoted key name');
    const after = line.slice(close + 1).trimStart();
    if (after === '' || !DELIMITERS.includes(after[0]!)) return undefined;
    return { name: line.slice(1, close), rest: after.slice(1) };
  }
  let at = -1;
  for (let i = 0; i < line.length; i++) {
    if (DELIMITERS.includes(line[i]!)) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  return { name: line.slice(0, at).trim(), rest: line.slice(at + 1) };
}

/**
 * Parses INI text: `[section]` headers, `key = value` or `key: value`, whole-line comments starting with
 * `#` or `;` (frp sets IgnoreInlineComment, so `#` after a value is part of it), values in matching quotes
 * or `"""` across lines, and a trailing `\` continuing a value on the next line.
 */
export function parseIni(text: string, options: IniOptions): IniSection[] {
  if (text.length > MAX_INI_BYTES) throw new IniSyntaxError(1, `larger than ${MAX_INI_BYTES} bytes`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > MAX_INI_LINES) throw new IniSyntaxError(MAX_INI_LINES, `more than ${MAX_INI_LINES} lines`);
  const byName = new Map<string, IniSection>();
  const order: IniSection[] = [];
  const section = (name: string, line: number): IniSection => {
    let s = byName.get(name);
    if (s === undefined) {
      if (order.length >= MAX_INI_SECTIONS) throw new IniSyntaxError(line, `more than ${MAX_INI_SECTIONS} sections`);
      s = { name, line, keys: new Map() };
      byName.set(name, s);
      order.push(s);
    }
    return s;
  };
  let current = section(DEFAULT_SECTION, 1);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const close = line.lastIndexOf(']');
      if (close < 0) throw new IniSyntaxError(lineNo, 'unclosed section header (no "]")');
      // ini.v1 keeps the spaces inside the brackets: "[ common ]" is not [common] (frp agrees).
      const name = line.slice(1, close);
      if (name === '') throw new IniSyntaxError(lineNo, 'empty section name');
      current = section(name, lineNo);
      continue;
    }
    const kv = splitKey(line, lineNo);
    if (kv === undefined) {
      if (!options.allowBooleanKeys) throw new IniSyntaxError(lineNo, 'no "=" or ":" after the key name');
      current.keys.set(line, { value: 'true', line: lineNo });
      continue;
    }
    if (kv.name === '') throw new IniSyntaxError(lineNo, 'empty key name');
    let value = kv.rest.trim();
    const quote =
      value.length > TRIPLE_QUOTE.length && value.startsWith(TRIPLE_QUOTE)
        ? TRIPLE_QUOTE
        : value.startsWith(BACKTICK)
          ? BACKTICK
          : '';
    if (quote !== '') {
      // A """ or ` value runs to the last such quote on its line, or on to the next line holding one.
      let body = value.slice(quote.length);
      while (!body.includes(quote)) {
        i++;
        if (i >= lines.length) throw new IniSyntaxError(lineNo, `unclosed ${quote} value`);
        body += `\n${lines[i]!}`;
        if (body.length > MAX_INI_VALUE_CHARS)
          throw new IniSyntaxError(lineNo, `value longer than ${MAX_INI_VALUE_CHARS} characters`);
      }
      value = body.slice(0, body.lastIndexOf(quote));
    } else if (value.endsWith('\\')) {
      // Continued lines are joined as written; ini.v1 strips no quotes from them.
      while (value.endsWith('\\') && i + 1 < lines.length) {
        i++;
        value = value.slice(0, -1) + lines[i]!.trim();
        if (value.length > MAX_INI_VALUE_CHARS)
          throw new IniSyntaxError(lineNo, `value longer than ${MAX_INI_VALUE_CHARS} characters`);
      }
    } else {
      value = unquote(value);
    }
    current.keys.set(kv.name, { value, line: lineNo });
  }
  return order;
}

/** frp's DetectLegacyINIFormat: the text parses as INI (ini.v1's default options) and has a [common] section. */
export function isLegacyIni(text: string): boolean {
  try {
    return parseIni(text, { allowBooleanKeys: false }).some((s) => s.name === 'common');
  } catch (err) {
    if (err instanceof IniSyntaxError) return false;
    throw err;
  }
}

/** parseIni with its syntax errors as a ConfigError naming `file`. */
export function parseIniFile(text: string, file: string): IniSection[] {
  try {
    return parseIni(text, { allowBooleanKeys: true });
  } catch (err) {
    if (err instanceof IniSyntaxError) {
      throw new ConfigError(file, [`${file}: line ${err.line}: invalid INI: ${err.reason}`], undefined, { cause: err });
    }
    throw err;
  }
}
