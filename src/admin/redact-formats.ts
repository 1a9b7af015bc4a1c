// Secret masking for the config formats other than TOML and JSON: frp's legacy INI (line by line, layout kept)
// and YAML (through yaml's Document, comments kept), for GET /api/config and the PUT that sends masks back.
import { isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { isLegacyIni } from '../config/legacy/ini.js';
import { isSecretKey, isValueMapKey, looksLikeKeyMaterial, REDACTED } from '../observe/index.js';

/** Gets a secret's path and its value as written, returns the value to write. */
export type OnSecretValue = (path: string, value: string) => string;

/** legacy INI keys whose every value is free-form and may carry a credential (metas, headers, OIDC params). */
const INI_VALUE_MAP_PREFIXES = ['meta_', 'header_', 'plugin_header_', 'oidc_additional_'];
/** legacy INI password keys the v1 names do not cover (admin_pwd, dashboard_pwd). */
const INI_PASSWORD_SUFFIX = '_pwd';

const INI_SECTION_LINE = /^\s*\[([^\]]*)\]/;
const INI_KEY_LINE = /^(\s*)([^=:\s#;[][^=:]*?)(\s*[=:]\s*)(.*?)(\s*)$/;

/** True when an INI value is a secret to mask. */
function iniSecret(key: string, value: string): boolean {
  return (
    isSecretKey(key) ||
    key.endsWith(INI_PASSWORD_SUFFIX) ||
    INI_VALUE_MAP_PREFIXES.some((p) => key.startsWith(p)) ||
    looksLikeKeyMaterial(value) ||
    value === REDACTED
  );
}

/** True for frp's legacy INI text (a [common] section), which walkIni handles. */
export function isIniText(text: string): boolean {
  return isLegacyIni(text);
}

/** Walks INI text line by line; `onSecret` rewrites each secret value (path `section.key`). Other lines stay. */
export function walkIni(text: string, onSecret: OnSecretValue): string {
  let section = '';
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed.startsWith('#') || trimmed.startsWith(';')) return line;
      const header = INI_SECTION_LINE.exec(line);
      if (header) {
        section = header[1]!;
        return line;
      }
      const kv = INI_KEY_LINE.exec(line);
      if (!kv) return line;
      const [, indent, key, eq, value, tail] = kv as unknown as [string, string, string, string, string, string];
      if (value === '' || !iniSecret(key.trim(), value)) return line;
      return indent + key + eq + onSecret(`${section}.${key.trim()}`, value) + tail;
    })
    .join('\n');
}

/** True when a YAML scalar at `path` is a secret (as for TOML: a secret key, under a value map, or key material). */
function yamlSecret(path: readonly string[], value: string): boolean {
  const last = path[path.length - 1] ?? '';
  return (
    isSecretKey(last) || path.slice(0, -1).some(isValueMapKey) || looksLikeKeyMaterial(value) || value === REDACTED
  );
}

/** The YAML text's document when it is YAML without errors (and not TOML, which the caller tried first). */
export function yamlDocument(text: string): ReturnType<typeof parseDocument> | undefined {
  const doc = parseDocument(text, { version: '1.1', merge: true });
  return doc.errors.length === 0 && isMap(doc.contents) ? doc : undefined;
}

/** Walks a YAML document; `onSecret` rewrites each secret string scalar. Returns the text, comments kept. */
export function walkYaml(doc: ReturnType<typeof parseDocument>, onSecret: OnSecretValue): string {
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string') return;
      const path: string[] = [];
      let prev: unknown = undefined;
      for (const a of [...ancestors, node]) {
        if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
        else if (isSeq(prev) && !isPair(a)) path.push(String(prev.items.indexOf(a as never)));
        prev = a;
      }
      // A key scalar is no value: only the value side of a pair is masked.
      const parent = ancestors[ancestors.length - 1];
      if (isPair(parent) && parent.key === node) return;
      if (yamlSecret(path, node.value)) node.value = onSecret(path.join('.'), node.value);
    },
  });
  return doc.toString();
}
