// Observe layer (below server, client and admin): the one place that decides which view fields are secrets, and strips them.

/** What a secret value is replaced by where the key itself is kept (header and meta values, config text). */
export const REDACTED = '<redacted>';

/** Keys (lower-case, without "_", "-" and ".") whose value is a secret: dropped from JSON, masked in config text. */
const SECRET_KEYS = new Set([
  'sk',
  'secretkey',
  'signkey',
  'token',
  'privilegekey',
  'httppwd',
  'httppassword',
  'password',
  'passwd',
  'pwd',
  'groupkey',
  'apikey',
  'clientsecret',
  'privatekey',
  'keydata',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  // transport.proxyURL may carry the proxy's user and password (http://user:pass@host:port).
  'proxyurl',
]);

/** Suffixes that make any key a secret one (e.g. `oidcClientSecret`, `adminPassword`, `refreshToken`). */
const SECRET_SUFFIXES = ['password', 'passwd', 'secret', 'token', 'secretkey', 'privatekey'];

/**
 * Keys whose value is a map of free-form strings (HTTP headers, metas, OIDC endpoint params):
 * any of them may carry a credential (an Authorization header, a bearer token in a meta), so every
 * value under them is masked and only the names are shown.
 */
const VALUE_MAP_KEYS = new Set([
  'headers',
  'requestheaders',
  'responseheaders',
  'metas',
  'metadatas',
  'additionalendpointparams',
  'additionalauthparams',
  // healthCheck.httpHeaders = [{ name, value }]: the list's strings (an Authorization value among them).
  'httpheaders',
]);

/** A key as compared: lower case, separators removed ("http_pwd", "httpPassword" → "httppwd", "httppassword"). */
function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** True when a key names a secret value. */
export function isSecretKey(key: string): boolean {
  const k = normalise(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/** True when every value under this key is to be masked (header and meta maps). */
export function isValueMapKey(key: string): boolean {
  return VALUE_MAP_KEYS.has(normalise(key));
}

/** True for text that carries private key material (a PEM private key pasted inline). */
export function looksLikeKeyMaterial(value: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(value);
}

/** Every string leaf of `value` replaced by REDACTED (maps of headers or metas). */
function maskLeaves(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskLeaves(v);
    return out;
  }
  return value;
}

/**
 * A deep copy of a JSON value without its secrets: secret keys are left out (as frp leaves them out
 * of a proxy's `conf`), values of header and meta maps become REDACTED, and any string holding a
 * PEM private key becomes REDACTED. Every JSON answer of the admin API goes through this.
 */
export function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return looksLikeKeyMaterial(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretKey(k)) continue;
      out[k] = isValueMapKey(k) ? maskLeaves(v) : redactJson(v);
    }
    return out;
  }
  return value;
}

/** A proxy's conf without its secrets (sk, http_pwd, group_key dropped; header and meta values masked). */
export function redactConf(conf: Record<string, unknown>): Record<string, unknown> {
  return redactJson(conf) as Record<string, unknown>;
}
