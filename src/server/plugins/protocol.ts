// frp's server-plugin RPC (pkg/plugin/server/types.go): the ops, the request envelope and the checked answer.
import { BurrowError, ErrorCode } from '../../errors.js';
import { HTTP_PLUGIN_OPS } from '../../config/schema.js';
import { goJsonString } from '../../wire/go-json.js';

/** frp's plugin API version, sent as `version` in the query and the body (plugin.go APIVersion). */
export const PLUGIN_API_VERSION = '0.1.0';

/** One of frp's six plugin operations. */
export type PluginOp = (typeof HTTP_PLUGIN_OPS)[number];

/** A plugin's answer, checked: frp's Response with its Go zero values filled in. */
export interface PluginResponse {
  reject: boolean;
  rejectReason: string;
  unchange: boolean;
  /** The `content` value as sent (undefined when absent); read only when `unchange` is false. */
  content: unknown;
}

/** The request body, as Go's json.Marshal writes frp's Request: `{"version","op","content"}`. */
export function requestBody(op: PluginOp, contentJson: string): string {
  return `{"version":${goJsonString(PLUGIN_API_VERSION)},"op":${goJsonString(op)},"content":${contentJson}}`;
}

/** The query frp appends (url.Values.Encode sorts by key): `op=…&version=0.1.0`. */
export function requestQuery(op: PluginOp): string {
  return `op=${encodeURIComponent(op)}&version=${encodeURIComponent(PLUGIN_API_VERSION)}`;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field as Go's decoder finds it: the exact key, else the first key equal to it ignoring case. */
function goField(obj: JsonObject, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : obj[key];
}

function garbage(what: string): BurrowError {
  return new BurrowError(ErrorCode.PLUGIN_FAILED, `answer is not a plugin response: ${what}`);
}

/** A boolean field; null or absent is false (Go's zero value), another type is an error as in Go. */
function boolField(obj: JsonObject, name: string): boolean {
  const v = goField(obj, name);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw garbage(`${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Checks a plugin's answer text as Go's json.Unmarshal into frp's Response would: a JSON object whose
 * `reject`/`unchange` are booleans and `reject_reason` a string (absent = false/""), anything else a
 * PLUGIN_FAILED error. `unchange` absent means false, as in frp: the content is then replaced.
 */
export function parseResponse(text: string): PluginResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw garbage(`invalid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(json)) throw garbage('expected a JSON object');
  const reason = goField(json, 'reject_reason');
  if (reason !== undefined && reason !== null && typeof reason !== 'string') {
    throw garbage(`reject_reason must be a string, got ${JSON.stringify(reason)}`);
  }
  return {
    reject: boolField(json, 'reject'),
    rejectReason: typeof reason === 'string' ? reason : '',
    unchange: boolField(json, 'unchange'),
    content: goField(json, 'content'),
  };
}
