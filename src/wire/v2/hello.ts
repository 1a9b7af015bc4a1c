// v2 ClientHello / ServerHello: Go-identical JSON encoding, Go-like decoding, validation on each side, algorithm order.
import { randomBytes } from 'node:crypto';
import { BurrowError, ErrorCode } from '../../errors.js';
import { describe, goJsonString } from '../go-json.js';
import {
  ALG_AES_256_GCM,
  ALG_XCHACHA20_POLY1305,
  CODEC_JSON,
  RANDOM_SIZE,
  SUPPORTED_ALGORITHMS,
  type AeadAlgorithm,
} from './constants.js';

/** What the client says about how it connected; frps ignores it. frpc leaves false/empty fields out. */
export interface BootstrapInfo {
  transport?: string;
  tls?: boolean;
  tcpMux?: boolean;
}

/** The ClientHello frame's payload. Decoded hellos always have every nested object (Go zero values). */
export interface ClientHello {
  bootstrap: BootstrapInfo;
  capabilities: {
    message: { codecs: string[] };
    crypto: { algorithms: string[]; clientRandom: Buffer };
  };
}

/** The ServerHello frame's payload; `error` set means the server refused the ClientHello. */
export interface ServerHello {
  selected: {
    message: { codec: string };
    crypto: { algorithm: string; serverRandom: Buffer };
  };
  error?: string;
}

/**
 * The peer's ClientHello is not acceptable (frp's wording in `reason`). The server answers it with
 * writeServerHelloError(stream, err.reason) and closes, as frps does.
 */
export class HelloError extends BurrowError {
  /** The reason to send back in the ServerHello's `error`, worded as frps words it. */
  readonly reason: string;

  constructor(reason: string, message = `invalid v2 ClientHello: ${reason}`) {
    super(ErrorCode.PROTOCOL, message);
    this.name = 'HelloError';
    this.reason = reason;
  }
}

/** Architectures whose CPUs (as Node builds for them) have AES instructions: frpc lists AES-GCM first there. */
const AES_FIRST_ARCHS: ReadonlySet<string> = new Set(['x64', 'arm64', 's390x', 'ppc64']);

/**
 * The algorithm order a client offers. frpc puts aes-256-gcm first when the CPU has AES hardware
 * (it checks CPU feature flags). Node cannot read those flags, so burrow decides by architecture:
 * every x64 and arm64 CPU Node runs on in practice has AES instructions (AES-NI+PCLMULQDQ, ARMv8
 * crypto extensions), s390x and ppc64 (POWER8+) too, as frp assumes; other architectures get
 * xchacha20-poly1305 first. Callers override this with their own list (see checkAlgorithmList).
 */
export function preferredAlgorithms(arch: string = process.arch): AeadAlgorithm[] {
  return AES_FIRST_ARCHS.has(arch)
    ? [ALG_AES_256_GCM, ALG_XCHACHA20_POLY1305]
    : [ALG_XCHACHA20_POLY1305, ALG_AES_256_GCM];
}

/** True when burrow implements `name`. */
export function isSupportedAlgorithm(name: string): name is AeadAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly string[]).includes(name);
}

/** Check a configured algorithm list (non-empty, known names, no repeats); CONFIG error otherwise. */
export function checkAlgorithmList(list: readonly string[]): AeadAlgorithm[] {
  if (list.length === 0)
    throw new BurrowError(
      ErrorCode.CONFIG,
      `v2 AEAD algorithm list is empty; expected some of ${SUPPORTED_ALGORITHMS.join(', ')}`,
    );
  const out: AeadAlgorithm[] = [];
  for (const name of list) {
    if (!isSupportedAlgorithm(name)) {
      throw new BurrowError(
        ErrorCode.CONFIG,
        `unknown v2 AEAD algorithm "${name}"; expected one of ${SUPPORTED_ALGORITHMS.join(', ')}`,
      );
    }
    if (out.includes(name)) throw new BurrowError(ErrorCode.CONFIG, `v2 AEAD algorithm "${name}" is listed twice`);
    out.push(name);
  }
  return out;
}

/** A fresh ClientHello as frpc builds it: codec json, the given algorithms, 32 random bytes. */
export function newClientHello(
  bootstrap: BootstrapInfo,
  algorithms: readonly string[],
  clientRandom: Buffer = randomBytes(RANDOM_SIZE),
): ClientHello {
  return {
    bootstrap: { ...bootstrap },
    capabilities: { message: { codecs: [CODEC_JSON] }, crypto: { algorithms: [...algorithms], clientRandom } },
  };
}

/** The ServerHello that accepts a hello with `algorithm`, with 32 fresh random bytes. */
export function newServerHello(algorithm: AeadAlgorithm, serverRandom: Buffer = randomBytes(RANDOM_SIZE)): ServerHello {
  return { selected: { message: { codec: CODEC_JSON }, crypto: { algorithm, serverRandom } } };
}

/** The ServerHello frps sends to refuse a hello: codec json, empty crypto selection, and the reason. */
export function serverHelloError(reason: string): ServerHello {
  return {
    selected: { message: { codec: CODEC_JSON }, crypto: { algorithm: '', serverRandom: Buffer.alloc(0) } },
    error: reason,
  };
}

/**
 * Server side: check a ClientHello as frps does and pick the algorithm (the first of the client's
 * list burrow supports). Throws HelloError with frps's wording: codec json missing, clientRandom
 * not 32 bytes, or no supported algorithm, checked in that order.
 */
export function selectAlgorithm(hello: ClientHello): AeadAlgorithm {
  if (!hello.capabilities.message.codecs.includes(CODEC_JSON)) throw new HelloError('unsupported message codec');
  const random = hello.capabilities.crypto.clientRandom;
  if (random.length !== RANDOM_SIZE) {
    throw new HelloError(`invalid crypto client random length ${random.length}, want ${RANDOM_SIZE}`);
  }
  const algorithm = hello.capabilities.crypto.algorithms.find(isSupportedAlgorithm);
  if (algorithm === undefined) throw new HelloError('no supported crypto algorithm');
  return algorithm;
}

/**
 * Client side: check the server's answer to our hello and return the selected algorithm. PROTOCOL
 * errors: the server set `error`, codec not json, algorithm unknown or not offered by us, or
 * serverRandom not 32 bytes.
 */
export function checkServerHello(sent: ClientHello, got: ServerHello): AeadAlgorithm {
  if (got.error !== undefined && got.error !== '') {
    throw new BurrowError(ErrorCode.PROTOCOL, `the server refused the v2 ClientHello: ${got.error}`);
  }
  const fail = (what: string): BurrowError => new BurrowError(ErrorCode.PROTOCOL, `invalid v2 ServerHello: ${what}`);
  const { codec } = got.selected.message;
  if (codec !== CODEC_JSON) throw fail(`unsupported selected message codec "${codec}", expected "${CODEC_JSON}"`);
  const { algorithm, serverRandom } = got.selected.crypto;
  if (!isSupportedAlgorithm(algorithm)) throw fail(`unknown selected crypto algorithm "${algorithm}"`);
  const offered = sent.capabilities.crypto.algorithms;
  if (!offered.includes(algorithm)) {
    throw fail(
      `selected crypto algorithm ${algorithm} was not advertised by the client (offered: ${offered.join(', ')})`,
    );
  }
  if (serverRandom.length !== RANDOM_SIZE)
    throw fail(`invalid crypto server random length ${serverRandom.length}, want ${RANDOM_SIZE}`);
  return algorithm;
}

/** The ClientHello payload bytes exactly as Go's json.Marshal writes them (field order, omitempty, base64). */
export function encodeClientHello(hello: ClientHello): Buffer {
  const b = hello.bootstrap;
  const bootstrap = fields([
    ['transport', b.transport ? goJsonString(b.transport) : undefined],
    ['tls', b.tls === true ? 'true' : undefined],
    ['tcpMux', b.tcpMux === true ? 'true' : undefined],
  ]);
  const { message, crypto } = hello.capabilities;
  const msg = fields([['codecs', stringList(message.codecs)]]);
  const cry = fields([
    ['algorithms', stringList(crypto.algorithms)],
    ['clientRandom', bytes(crypto.clientRandom)],
  ]);
  return Buffer.from(`{"bootstrap":${bootstrap},"capabilities":{"message":${msg},"crypto":${cry}}}`, 'utf8');
}

/** The ServerHello payload bytes exactly as Go's json.Marshal writes them. */
export function encodeServerHello(hello: ServerHello): Buffer {
  const { message, crypto } = hello.selected;
  const msg = fields([['codec', message.codec ? goJsonString(message.codec) : undefined]]);
  const cry = fields([
    ['algorithm', crypto.algorithm ? goJsonString(crypto.algorithm) : undefined],
    ['serverRandom', bytes(crypto.serverRandom)],
  ]);
  const error = hello.error ? `,"error":${goJsonString(hello.error)}` : '';
  return Buffer.from(`{"selected":{"message":${msg},"crypto":${cry}}${error}}`, 'utf8');
}

/** Parse a ClientHello payload as Go would (null = zero value, unknown keys ignored); PROTOCOL on bad JSON or types. */
export function decodeClientHello(payload: Buffer): ClientHello {
  const root = obj(parseJson(payload, 'ClientHello'), 'ClientHello');
  const boot = obj(field(root, 'bootstrap'), 'ClientHello.bootstrap');
  const caps = obj(field(root, 'capabilities'), 'ClientHello.capabilities');
  const message = obj(field(caps, 'message'), 'ClientHello.capabilities.message');
  const crypto = obj(field(caps, 'crypto'), 'ClientHello.capabilities.crypto');
  const bootstrap: BootstrapInfo = {};
  const transport = str(field(boot, 'transport'), 'ClientHello.bootstrap.transport');
  if (transport !== '') bootstrap.transport = transport;
  if (bool(field(boot, 'tls'), 'ClientHello.bootstrap.tls')) bootstrap.tls = true;
  if (bool(field(boot, 'tcpMux'), 'ClientHello.bootstrap.tcpMux')) bootstrap.tcpMux = true;
  return {
    bootstrap,
    capabilities: {
      message: { codecs: strList(field(message, 'codecs'), 'ClientHello.capabilities.message.codecs') },
      crypto: {
        algorithms: strList(field(crypto, 'algorithms'), 'ClientHello.capabilities.crypto.algorithms'),
        clientRandom: b64(field(crypto, 'clientRandom'), 'ClientHello.capabilities.crypto.clientRandom'),
      },
    },
  };
}

/** Parse a ServerHello payload as Go would; PROTOCOL on bad JSON or types. */
export function decodeServerHello(payload: Buffer): ServerHello {
  const root = obj(parseJson(payload, 'ServerHello'), 'ServerHello');
  const selected = obj(field(root, 'selected'), 'ServerHello.selected');
  const message = obj(field(selected, 'message'), 'ServerHello.selected.message');
  const crypto = obj(field(selected, 'crypto'), 'ServerHello.selected.crypto');
  const hello: ServerHello = {
    selected: {
      message: { codec: str(field(message, 'codec'), 'ServerHello.selected.message.codec') },
      crypto: {
        algorithm: str(field(crypto, 'algorithm'), 'ServerHello.selected.crypto.algorithm'),
        serverRandom: b64(field(crypto, 'serverRandom'), 'ServerHello.selected.crypto.serverRandom'),
      },
    },
  };
  const error = str(field(root, 'error'), 'ServerHello.error');
  if (error !== '') hello.error = error;
  return hello;
}

// ---- Go-compatible JSON writing helpers ----

// An object from [name, encoded value | undefined (omitted)] pairs, in order.
function fields(entries: [string, string | undefined][]): string {
  return `{${entries
    .filter((e) => e[1] !== undefined)
    .map(([k, v]) => `"${k}":${v as string}`)
    .join(',')}}`;
}

function stringList(list: readonly string[]): string | undefined {
  return list.length === 0 ? undefined : `[${list.map(goJsonString).join(',')}]`;
}

function bytes(b: Buffer): string | undefined {
  return b.length === 0 ? undefined : `"${b.toString('base64')}"`;
}

// ---- Go-like JSON reading helpers ----

type JsonObject = Record<string, unknown>;

/** Standard padded base64, the only form Go's encoding/json accepts for []byte. */
const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseJson(payload: Buffer, what: string): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new BurrowError(ErrorCode.PROTOCOL, `decode ${what}: payload is not valid JSON (${payload.length} bytes)`, {
      cause: err,
    });
  }
}

// Go matches keys exactly or case-insensitively, and a later key overrides an earlier one.
function field(o: JsonObject, name: string): unknown {
  let value: unknown;
  const lower = name.toLowerCase();
  for (const key of Object.keys(o)) if (key === name || key.toLowerCase() === lower) value = o[key];
  return value;
}

function obj(v: unknown, where: string): JsonObject {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as JsonObject;
  throw typeError(where, 'an object', v);
}

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  throw typeError(where, 'a string', v);
}

function bool(v: unknown, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw typeError(where, 'a boolean', v);
}

function strList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw typeError(where, 'a list of strings', v);
  return v.map((item: unknown, i) => str(item, `${where}[${i}]`));
}

function b64(v: unknown, where: string): Buffer {
  const text = str(v, where);
  if (!BASE64_STD.test(text)) throw typeError(where, 'standard padded base64', v);
  return Buffer.from(text, 'base64');
}

function typeError(where: string, expected: string, got: unknown): BurrowError {
  return new BurrowError(
    ErrorCode.PROTOCOL,
    `decode ${where.split('.')[0]}: ${where}: expected ${expected}, got ${describe(got)}`,
  );
}
