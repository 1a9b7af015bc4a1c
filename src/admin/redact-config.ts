// Masks secrets in a client's config text for GET /api/config, and puts them back into a PUT that kept the mask.
import { HttpError } from './http.js';
import { parse as parseToml } from 'smol-toml';
import { isSecretKey, isValueMapKey, looksLikeKeyMaterial, REDACTED } from '../observe/index.js';
import { isIniText, walkIni, walkYaml, yamlDocument } from './redact-formats.js';

/** The mask as it is written into TOML or JSON text. */
const MASK_LITERAL = JSON.stringify(REDACTED);

/** One key part: bare, "basic" or 'literal'. */
const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
/** A dotted key. */
const DOTTED_KEY = String.raw`${KEY_PART}(?:\s*\.\s*${KEY_PART})*`;
/** A one-line string value. */
const STRING_VALUE = String.raw`"(?:[^"\\]|\\.)*"|'[^']*'`;
const TABLE_ARRAY_LINE = new RegExp(String.raw`^\s*\[\[\s*(${DOTTED_KEY})\s*\]\]`);
const TABLE_LINE = new RegExp(String.raw`^\s*\[\s*(${DOTTED_KEY})\s*\]`);
const KEY_VALUE_LINE = new RegExp(String.raw`^(\s*)(${DOTTED_KEY})(\s*=\s*)(.*)$`);
const STRING_AT_START = new RegExp(String.raw`^(?:${STRING_VALUE})`);
const INLINE_PAIR = new RegExp(String.raw`(${DOTTED_KEY})(\s*=\s*)(${STRING_VALUE})`, 'g');

/** Called for each secret value found: gets its path and raw text, returns the raw text to write. */
type OnSecret = (path: string, raw: string) => string;

/** The parts of a dotted key, unquoted. */
function keyParts(dotted: string): string[] {
  const parts: string[] = [];
  for (const m of dotted.matchAll(new RegExp(KEY_PART, 'g'))) {
    const p = m[0];
    parts.push(p.startsWith('"') ? (JSON.parse(p) as string) : p.startsWith("'") ? p.slice(1, -1) : p);
  }
  return parts;
}

/** True when the value at this path is a secret: a secret key, or anything under a header/meta map. */
function sensitive(path: string[]): boolean {
  const last = path[path.length - 1] ?? '';
  // healthCheck.httpHeaders = [{ name, value }]: the names are shown, as a map's keys are.
  if (last === 'name' && isValueMapKey(path[path.length - 3] ?? '')) return false;
  return isSecretKey(last) || path.slice(0, -1).some(isValueMapKey);
}

/** True when every "[" of `text` outside string literals has its "]" (a TOML array written over several lines). */
function bracketsClosed(text: string): boolean {
  const bare = text.replace(new RegExp(STRING_VALUE, 'g'), '');
  return (bare.match(/\[/g)?.length ?? 0) <= (bare.match(/\]/g)?.length ?? 0);
}

/** True when a value is to be masked: a secret path, key material, or a mask already (so a PUT can restore it). */
function maskable(path: string[], value: string): boolean {
  return sensitive(path) || looksLikeKeyMaterial(value) || value === REDACTED;
}

/** The raw text of a string literal (quotes included) as its value, for the key-material check. */
function literalValue(raw: string): string {
  try {
    return raw.startsWith('"') ? (JSON.parse(raw.replace(/\n/g, '\\n')) as string) : raw.slice(1, -1);
  } catch {
    return raw;
  }
}

/**
 * Walks TOML text line by line, tracking the table each key is in ([[proxies]] counted, so the
 * second proxy's keys are "proxies.1.…"), and lets `onSecret` rewrite every sensitive string value.
 * Comments, layout and every other line are kept as they are.
 */
function walkToml(text: string, onSecret: OnSecret): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let table: string[] = [];
  const arrayCounts = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const arrayHeader = TABLE_ARRAY_LINE.exec(line);
    const header = arrayHeader ? undefined : TABLE_LINE.exec(line);
    if (arrayHeader || header) {
      const parts = keyParts((arrayHeader ?? header)![1] as string);
      table = indexed(parts, arrayCounts, arrayHeader !== null);
      out.push(line);
      continue;
    }
    const kv = KEY_VALUE_LINE.exec(line);
    if (!kv) {
      out.push(line);
      continue;
    }
    const [, indent, key, eq, rest] = kv as unknown as [string, string, string, string, string];
    const path = [...table, ...keyParts(key)];
    const triple = rest.startsWith('"""') ? '"""' : rest.startsWith("'''") ? "'''" : undefined;
    if (triple) {
      // A multi-line string: take every line up to its closing quotes as one value.
      let raw = rest;
      while (raw.indexOf(triple, 3) < 0 && i + 1 < lines.length) raw += '\n' + (lines[++i] as string);
      const end = raw.indexOf(triple, 3);
      const literal = end < 0 ? raw : raw.slice(0, end + 3);
      const tail = end < 0 ? '' : raw.slice(end + 3);
      const secret = maskable(path, literal);
      out.push(indent + key + eq + (secret ? onSecret(path.join('.'), literal) : literal) + tail);
      continue;
    }
    const str = STRING_AT_START.exec(rest);
    if (str) {
      const literal = str[0];
      const secret = maskable(path, literalValue(literal));
      out.push(indent + key + eq + (secret ? onSecret(path.join('.'), literal) : literal) + rest.slice(literal.length));
      continue;
    }
    if (rest.startsWith('[')) {
      // An array, perhaps over several lines; its inline tables (httpHeaders = [{ name, value }]) are walked by index.
      let raw = rest;
      while (!bracketsClosed(raw) && i + 1 < lines.length) raw += '\n' + (lines[++i] as string);
      let index = -1;
      const walked = raw.replace(/\{[^{}]*\}/g, (inlineTable: string) => {
        index += 1;
        return inlineTable.replace(INLINE_PAIR, (whole: string, k: string, e: string, v: string) => {
          const inner = [...path, String(index), ...keyParts(k)];
          return maskable(inner, literalValue(v)) ? k + e + onSecret(inner.join('.'), v) : whole;
        });
      });
      out.push(indent + key + eq + walked);
      continue;
    }
    if (rest.startsWith('{')) {
      // An inline table, e.g. requestHeaders.set = { Authorization = "…" }: each of its string pairs.
      const inline = rest.replace(INLINE_PAIR, (whole: string, k: string, e: string, v: string) => {
        const inner = [...path, ...keyParts(k)];
        return maskable(inner, literalValue(v)) ? k + e + onSecret(inner.join('.'), v) : whole;
      });
      out.push(indent + key + eq + inline);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A table header's path with the current index of every array of tables in it. */
function indexed(parts: string[], counts: Map<string, number>, isArray: boolean): string[] {
  const joined = parts.join('.');
  if (isArray) counts.set(joined, (counts.get(joined) ?? -1) + 1);
  const out: string[] = [];
  for (let n = 1; n <= parts.length; n++) {
    out.push(parts[n - 1] as string);
    const count = counts.get(parts.slice(0, n).join('.'));
    if (count !== undefined) out.push(String(count));
  }
  return out;
}

/** Walks a parsed JSON config the same way: every sensitive string leaf is rewritten by `onSecret`. */
function walkJson(value: unknown, path: string[], onSecret: (path: string, value: string) => string): unknown {
  if (typeof value === 'string') {
    return path.length > 0 && maskable(path, value) ? onSecret(path.join('.'), value) : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => walkJson(v, [...path, String(i)], onSecret));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walkJson(v, [...path, k], onSecret);
    return out;
  }
  return value;
}

/** The text parsed as a JSON object, or undefined when it is not JSON (then it is TOML). */
function asJson(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config text with every secret value (auth.token, webServer.password, visitor and proxy
 * secret keys, httpPassword, plugin passwords, header and meta values, inline private keys)
 * replaced by "<redacted>"; everything else, comments included, as it was.
 */
export function redactConfigText(text: string): string {
  const other = otherFormat(text);
  if (other) return other.walk(() => REDACTED);
  const json = asJson(text);
  if (json)
    return (
      JSON.stringify(
        walkJson(json, [], () => REDACTED),
        null,
        2,
      ) + '\n'
    );
  return walkToml(text, () => MASK_LITERAL);
}

/**
 * A PUT body with every "<redacted>" mask that sits where a secret was put back to the secret
 * that `current` (the config now on disk) holds at the same place, so a config fetched, edited
 * and sent back keeps its secrets. Throws HttpError 400 when a mask sits where `current` has none.
 */
export function restoreConfigText(text: string, current: string): string {
  const otherCurrent = otherFormat(current);
  const other = otherFormat(text);
  if (otherCurrent && other) {
    const secrets = new Map<string, string>();
    otherCurrent.walk((p, v) => (secrets.set(p, v), v));
    return other.walk((p, v) => {
      if (v !== REDACTED) return v;
      const original = secrets.get(p);
      if (original === undefined) {
        throw new HttpError(
          400,
          `${p} is "${REDACTED}", the mask GET /api/config shows in place of a secret, and the config in use has no value there to keep: write the value itself`,
        );
      }
      return original;
    });
  }
  const json = asJson(text);
  const originals = new Map<string, string>();
  const currentJson = asJson(current);
  if (currentJson) walkJson(currentJson, [], (p, v) => (originals.set(p, JSON.stringify(v)), v));
  else walkToml(current, (p, raw) => (originals.set(p, raw), raw));
  const restore = (path: string, raw: string, isMask: boolean): string => {
    if (!isMask) return raw;
    const original = originals.get(path);
    if (original === undefined) {
      throw new HttpError(
        400,
        `${path} is "${REDACTED}", the mask GET /api/config shows in place of a secret, and the config in use has no value there to keep: write the value itself`,
      );
    }
    return original;
  };
  if (json) {
    const restored = walkJson(json, [], (p, v) => {
      const raw = restore(p, JSON.stringify(v), v === REDACTED);
      return literalValue(raw);
    });
    return JSON.stringify(restored, null, 2) + '\n';
  }
  return walkToml(text, (p, raw) => restore(p, raw, literalValue(raw) === REDACTED));
}

/** For frp's legacy INI and for YAML text (neither TOML nor JSON): a walk over its secret values. */
function otherFormat(
  text: string,
): { walk: (onSecret: (path: string, value: string) => string) => string } | undefined {
  if (isIniText(text)) return { walk: (onSecret) => walkIni(text, onSecret) };
  if (asJson(text)) return undefined;
  try {
    parseToml(text);
    return undefined;
  } catch {
    // Not TOML: YAML when it parses as YAML, else the TOML walk still masks what it can.
  }
  const doc = yamlDocument(text);
  return doc === undefined ? undefined : { walk: (onSecret) => walkYaml(yamlDocument(text)!, onSecret) };
}
