// frp's JSON shape of a stored proxy or visitor: the fields of frp's Go structs in their order, with Go's omitempty rules.
import { BurrowError, ErrorCode } from '../errors.js';
import type { ProxyType, VisitorType } from '../config/index.js';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * How one field is written, as Go's encoding/json writes the struct field behind it: `omit` fields
 * (omitempty) are left out at their zero value, the others always written (structs, `json:"x"`).
 */
type Kind =
  | { t: 'string' | 'int' | 'bool' | 'strings' | 'strmap'; omit: boolean }
  /** A *bool: absent or null is left out, false is written. */
  | { t: 'boolptr' }
  /** An object burrow passes through as given (plugin options, natTraversal); `omit` = a nil pointer is left out. */
  | { t: 'raw'; omit: boolean }
  | { t: 'object'; fields: Spec }
  | { t: 'list'; fields: Spec; omit: boolean };

type Spec = readonly (readonly [string, Kind])[];

const str = (omit = true): Kind => ({ t: 'string', omit });
const int = (omit = true): Kind => ({ t: 'int', omit });
const bool: Kind = { t: 'bool', omit: true };
const strings: Kind = { t: 'strings', omit: true };
const strmap: Kind = { t: 'strmap', omit: true };
const obj = (fields: Spec): Kind => ({ t: 'object', fields });

/** frp's ProxyBaseConfig (with ProxyBackend embedded), pkg/config/v1/proxy.go. */
const PROXY_BASE: Spec = [
  ['name', str(false)],
  ['type', str(false)],
  ['enabled', { t: 'boolptr' }],
  ['annotations', strmap],
  [
    'transport',
    obj([
      ['useEncryption', bool],
      ['useCompression', bool],
      // A BandwidthQuantity is a struct: omitempty never drops it, it writes "" when unset.
      ['bandwidthLimit', str(false)],
      ['bandwidthLimitMode', str()],
      ['proxyProtocolVersion', str()],
    ]),
  ],
  ['metadatas', strmap],
  [
    'loadBalancer',
    obj([
      ['group', str(false)],
      ['groupKey', str()],
    ]),
  ],
  [
    'healthCheck',
    obj([
      ['type', str(false)],
      ['timeoutSeconds', int()],
      ['maxFailed', int()],
      ['intervalSeconds', int(false)],
      ['path', str()],
      [
        'httpHeaders',
        {
          t: 'list',
          omit: true,
          fields: [
            ['name', str(false)],
            ['value', str(false)],
          ],
        },
      ],
    ]),
  ],
  ['localIP', str()],
  ['localPort', int()],
  // TypedClientPluginOptions is a struct holding an interface: written as null when there is no plugin.
  ['plugin', { t: 'raw', omit: false }],
];

const DOMAIN: Spec = [
  ['customDomains', strings],
  ['subdomain', str()],
];
const HEADERS = obj([['set', strmap]]);
const SECRET_USERS: Spec = [
  ['secretKey', str()],
  ['allowUsers', strings],
];
const NAT_TRAVERSAL: readonly [string, Kind] = ['natTraversal', { t: 'raw', omit: true }];

/** Each proxy type's struct: the base, then its own fields. */
const PROXY_SPECS: Record<ProxyType, Spec> = {
  tcp: [...PROXY_BASE, ['remotePort', int()]],
  udp: [...PROXY_BASE, ['remotePort', int()]],
  http: [
    ...PROXY_BASE,
    ...DOMAIN,
    ['locations', strings],
    ['httpUser', str()],
    ['httpPassword', str()],
    ['hostHeaderRewrite', str()],
    ['requestHeaders', HEADERS],
    ['responseHeaders', HEADERS],
    ['routeByHTTPUser', str()],
  ],
  https: [...PROXY_BASE, ...DOMAIN],
  tcpmux: [
    ...PROXY_BASE,
    ...DOMAIN,
    ['httpUser', str()],
    ['httpPassword', str()],
    ['routeByHTTPUser', str()],
    ['multiplexer', str()],
  ],
  stcp: [...PROXY_BASE, ...SECRET_USERS],
  sudp: [...PROXY_BASE, ...SECRET_USERS],
  xtcp: [...PROXY_BASE, ...SECRET_USERS, NAT_TRAVERSAL],
};

/** frp's VisitorBaseConfig, pkg/config/v1/visitor.go. */
const VISITOR_BASE: Spec = [
  ['name', str(false)],
  ['type', str(false)],
  ['enabled', { t: 'boolptr' }],
  [
    'transport',
    obj([
      ['useEncryption', bool],
      ['useCompression', bool],
    ]),
  ],
  ['secretKey', str()],
  ['serverUser', str()],
  ['serverName', str()],
  ['bindAddr', str()],
  ['bindPort', int()],
  ['plugin', { t: 'raw', omit: false }],
];

const VISITOR_SPECS: Record<VisitorType, Spec> = {
  stcp: VISITOR_BASE,
  sudp: VISITOR_BASE,
  xtcp: [
    ...VISITOR_BASE,
    ['protocol', str()],
    ['keepTunnelOpen', bool],
    ['maxRetriesAnHour', int()],
    ['minRetryInterval', int()],
    ['fallbackTo', str()],
    ['fallbackTimeoutMs', int()],
    NAT_TRAVERSAL,
  ],
};

/** The error for a value Go's decoder would refuse (frp answers 400 "parse JSON error: …"). */
function typeError(path: string, want: string, got: unknown): BurrowError {
  const kind = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  return new BurrowError(
    ErrorCode.CONFIG,
    `parse JSON error: cannot unmarshal ${kind} into field ${path} of type ${want}`,
  );
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` in `input`: the exact key, else one equal ignoring case (Go's rule for struct fields). */
export function fieldOf(input: JsonObject, key: string): unknown {
  if (Object.hasOwn(input, key)) return input[key];
  const folded = key.toLowerCase();
  for (const [k, v] of Object.entries(input)) if (k.toLowerCase() === folded) return v;
  return undefined;
}

/** One field's value as Go would write it, or undefined when omitempty leaves it out. */
function encodeField(kind: Kind, value: unknown, path: string): unknown {
  const absent = value === undefined || value === null;
  switch (kind.t) {
    case 'string': {
      if (!absent && typeof value !== 'string') throw typeError(path, 'string', value);
      const v = absent ? '' : value;
      return kind.omit && v === '' ? undefined : v;
    }
    case 'int': {
      if (!absent && !Number.isSafeInteger(value)) throw typeError(path, 'int', value);
      const v = absent ? 0 : (value as number);
      return kind.omit && v === 0 ? undefined : v;
    }
    case 'bool': {
      if (!absent && typeof value !== 'boolean') throw typeError(path, 'bool', value);
      const v = absent ? false : value;
      return kind.omit && !v ? undefined : v;
    }
    case 'boolptr':
      if (absent) return undefined;
      if (typeof value !== 'boolean') throw typeError(path, 'bool', value);
      return value;
    case 'strings': {
      if (absent) return undefined;
      if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw typeError(path, '[]string', value);
      return value.length === 0 ? undefined : [...(value as string[])];
    }
    case 'strmap': {
      if (absent) return undefined;
      if (!isJsonObject(value) || !Object.values(value).every((s) => typeof s === 'string'))
        throw typeError(path, 'map[string]string', value);
      return Object.keys(value).length === 0 ? undefined : { ...value };
    }
    case 'raw':
      if (absent) return kind.omit ? undefined : null;
      if (!isJsonObject(value)) throw typeError(path, 'object', value);
      return structuredClone(value);
    case 'object':
      if (!absent && !isJsonObject(value)) throw typeError(path, 'object', value);
      return encodeObject(kind.fields, absent ? {} : value, path);
    case 'list': {
      if (absent) return kind.omit ? undefined : null;
      if (!Array.isArray(value)) throw typeError(path, 'array', value);
      if (kind.omit && value.length === 0) return undefined;
      return value.map((item: unknown, i) => {
        if (!isJsonObject(item)) throw typeError(`${path}[${i}]`, 'object', item);
        return encodeObject(kind.fields, item, `${path}[${i}]`);
      });
    }
  }
}

/** An object with `spec`'s fields in order; keys the spec does not know are dropped, as Go's decoder drops them. */
function encodeObject(spec: Spec, input: JsonObject, path: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, kind] of spec) {
    const v = encodeField(kind, fieldOf(input, key), path === '' ? key : `${path}.${key}`);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A proxy of `type` in frp's JSON shape, named `name`; throws BurrowError CONFIG on a value of the wrong JSON type. */
export function encodeProxy(type: ProxyType, name: string, input: JsonObject, path: string = type): JsonObject {
  return encodeObject(PROXY_SPECS[type], { ...input, name, type }, path);
}

/** A visitor of `type` in frp's JSON shape, named `name` (see encodeProxy). */
export function encodeVisitor(type: VisitorType, name: string, input: JsonObject, path: string = type): JsonObject {
  return encodeObject(VISITOR_SPECS[type], { ...input, name, type }, path);
}

/** Fields holding free-form string maps: their values are data, kept as written. */
const MAP_FIELDS = new Set(['annotations', 'metadatas', 'set']);

/**
 * The entry without the zero values frp writes for every entry (bandwidthLimit "", loadBalancer.group "",
 * healthCheck { type "", intervalSeconds 0 }, plugin null), for burrow's config loader: they must not read
 * as keys that were set. `false` stays (only `enabled` is written false), and maps are kept as they are.
 */
export function withoutZeroValues(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === '' || v === 0) continue;
    if (isJsonObject(v) && !MAP_FIELDS.has(k)) {
      const inner = withoutZeroValues(v);
      if (Object.keys(inner).length > 0) out[k] = inner;
      continue;
    }
    out[k] = v;
  }
  return out;
}
