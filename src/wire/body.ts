// The JSON body of one message: Go-compatible encoding (field order, omitempty) and type-checked decoding.
import { isIP } from 'node:net';
import { BurrowError, ErrorCode } from '../errors.js';
import {
  describe,
  goJsonInt,
  goJsonOpaque,
  goJsonString,
  goJsonStringList,
  goJsonStringMap,
  isEmptyValue,
} from './go-json.js';
import type { Message, MessageName } from './messages.js';
import { MESSAGE_FIELDS, type FieldKind } from './schema.js';

/** Largest value of a uint16 field (StartWorkConn ports). */
const UINT16_MAX = 0xffff;

type JsonObject = Record<string, unknown>;

/** The JSON text of a message body, byte-identical to what frp's Go code writes for the same values. */
export function encodeBody(msg: Message): string {
  const body = msg.body as JsonObject;
  const parts: string[] = [];
  for (const [name, kind] of MESSAGE_FIELDS[msg.type]) {
    const value = body[name];
    const where = `${msg.type}.${name}`;
    if (kind === 'clientSpec' || kind === 'struct') {
      // Go never omits a struct-typed field, even under omitempty.
      const obj = isObject(value) ? value : {};
      parts.push(`"${name}":${kind === 'clientSpec' ? encodeClientSpec(obj) : goJsonOpaque(obj)}`);
      continue;
    }
    if (kind === 'udpAddr' ? value === undefined || value === null : isEmptyValue(value)) continue;
    parts.push(`"${name}":${encodeField(kind, value, where)}`);
  }
  return `{${parts.join(',')}}`;
}

function encodeField(kind: FieldKind, value: unknown, where: string): string {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw encodeError(where, 'a string', value);
      return goJsonString(value);
    case 'bool':
      if (typeof value !== 'boolean') throw encodeError(where, 'a boolean', value);
      return 'true'; // false is empty, so it never gets here
    case 'int':
    case 'uint16':
      return goJsonInt(value, where);
    case 'stringMap':
      if (!isObject(value)) throw encodeError(where, 'a map of strings', value);
      return goJsonStringMap(value, where);
    case 'stringList':
      if (!Array.isArray(value)) throw encodeError(where, 'a list of strings', value);
      return goJsonStringList(value, where);
    case 'udpAddr': {
      if (!isObject(value)) throw encodeError(where, 'an {IP, Port, Zone} address', value);
      // Go's net.UDPAddr has no omitempty tags: all three fields are always written.
      const ip = value.IP ?? '';
      const zone = value.Zone ?? '';
      if (typeof ip !== 'string' || typeof zone !== 'string') throw encodeError(where, 'string IP and Zone', value);
      return `{"IP":${goJsonString(ip)},"Port":${goJsonInt(value.Port ?? 0, `${where}.Port`)},"Zone":${goJsonString(zone)}}`;
    }
    default:
      return goJsonOpaque(value);
  }
}

function encodeClientSpec(spec: JsonObject): string {
  const parts: string[] = [];
  if (typeof spec.type === 'string' && spec.type !== '') parts.push(`"type":${goJsonString(spec.type)}`);
  if (spec.always_auth_pass === true) parts.push('"always_auth_pass":true');
  return `{${parts.join(',')}}`;
}

function encodeError(where: string, expected: string, got: unknown): BurrowError {
  return new BurrowError(ErrorCode.INTERNAL, `${where}: expected ${expected} to encode, got ${describe(got)}`);
}

/**
 * A message body from parsed JSON: known fields are type-checked as Go's decoder would (a mismatch
 * is a PROTOCOL error), null or missing fields stay absent, unknown fields are dropped.
 */
export function decodeBody(name: MessageName, json: unknown): Message {
  if (!isObject(json)) {
    throw new BurrowError(ErrorCode.PROTOCOL, `${name}: expected a JSON object as message body, got ${describe(json)}`);
  }
  const body: JsonObject = {};
  for (const [field, kind] of MESSAGE_FIELDS[name]) {
    const value = json[field];
    if (value === undefined || value === null) continue;
    body[field] = decodeField(kind, value, `${name}.${field}`);
  }
  return { type: name, body } as Message;
}

function decodeField(kind: FieldKind, value: unknown, where: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw decodeError(where, 'a string', value);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw decodeError(where, 'a boolean', value);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw decodeError(where, 'an integer', value);
      return value;
    case 'uint16':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > UINT16_MAX) {
        throw decodeError(where, 'an integer from 0 to 65535', value);
      }
      return value;
    case 'stringMap': {
      if (!isObject(value)) throw decodeError(where, 'a map of strings', value);
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== null && typeof v !== 'string') throw decodeError(`${where}.${k}`, 'a string', v);
        out[k] = v ?? '';
      }
      return out;
    }
    case 'stringList':
      if (!Array.isArray(value)) throw decodeError(where, 'a list of strings', value);
      return value.map((v: unknown, i) => {
        if (v !== null && typeof v !== 'string') throw decodeError(`${where}[${i}]`, 'a string', v);
        return v ?? '';
      });
    case 'udpAddr':
      return decodeUdpAddr(value, where);
    case 'clientSpec': {
      if (!isObject(value)) throw decodeError(where, 'an object', value);
      const spec: JsonObject = {};
      if (value.type !== undefined && value.type !== null)
        spec.type = decodeField('string', value.type, `${where}.type`);
      if (value.always_auth_pass !== undefined && value.always_auth_pass !== null) {
        spec.always_auth_pass = decodeField('bool', value.always_auth_pass, `${where}.always_auth_pass`);
      }
      return spec;
    }
    default:
      return value;
  }
}

function decodeUdpAddr(value: unknown, where: string): unknown {
  if (!isObject(value)) throw decodeError(where, 'an {IP, Port, Zone} address', value);
  const ip = value.IP ?? '';
  // Go parses IP as net.IP text: empty or a valid IPv4/IPv6 literal.
  if (typeof ip !== 'string' || (ip !== '' && isIP(ip) === 0))
    throw decodeError(`${where}.IP`, 'an IP address string', ip);
  const port = value.Port ?? 0;
  if (typeof port !== 'number' || !Number.isSafeInteger(port)) throw decodeError(`${where}.Port`, 'an integer', port);
  const zone = value.Zone ?? '';
  if (typeof zone !== 'string') throw decodeError(`${where}.Zone`, 'a string', zone);
  return { IP: ip, Port: port, Zone: zone };
}

function decodeError(where: string, expected: string, got: unknown): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `${where}: expected ${expected}, got ${describe(got)}`);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
