// TLS ClientHello reader for https vhosts: the SNI host name, without terminating TLS; bounded and strict.
import { BurrowError, ErrorCode } from '../../errors.js';

/** TLS record content type of handshake records. */
export const TLS_HANDSHAKE_RECORD = 0x16;
/** Record header: type (1), legacy version (2), length (2). */
const RECORD_HEADER_SIZE = 5;
/** Where the 16-bit fragment length sits in a record header (after type and version). */
const RECORD_LENGTH_OFFSET = 3;
/** Largest plaintext record fragment (RFC 8446 §5.1: 2^14). */
const MAX_RECORD_FRAGMENT = 16384;
/** All record versions a ClientHello may carry have major version 3 (SSL 3.0 .. TLS 1.3). */
const RECORD_VERSION_MAJOR = 0x03;
/** Handshake header: type (1), length (3). */
const HANDSHAKE_HEADER_SIZE = 4;
/** Handshake type ClientHello. */
const HANDSHAKE_CLIENT_HELLO = 0x01;
/** Largest ClientHello accepted, as Go's crypto/tls (maxHandshake = 65536); frp reads it with Go's TLS. */
export const MAX_CLIENT_HELLO_SIZE = 65536;
/** Bytes that can hold the largest ClientHello: its records, each with a 5-byte header. */
export const MAX_CLIENT_HELLO_BYTES =
  MAX_CLIENT_HELLO_SIZE +
  HANDSHAKE_HEADER_SIZE +
  RECORD_HEADER_SIZE * Math.ceil((MAX_CLIENT_HELLO_SIZE + HANDSHAKE_HEADER_SIZE) / MAX_RECORD_FRAGMENT);
/** Fixed ClientHello fields: legacy_version (2) + random (32). */
const HELLO_FIXED_SIZE = 34;
/** Longest legacy_session_id. */
const MAX_SESSION_ID = 32;
/** Extension type server_name (RFC 6066 §3). */
const EXT_SERVER_NAME = 0x0000;
/** ServerNameList entry type host_name. */
const NAME_TYPE_HOST_NAME = 0x00;
/** Longest DNS name (RFC 1035: 253 characters in text form, 255 octets on the wire). */
const MAX_HOST_NAME = 255;
/** Host names: LDH labels plus "_" (seen in the wild), dot-separated, no empty label, no trailing dot (Go rejects one). */
const HOST_NAME = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/;

/** Result of reading a ClientHello. */
export type TlsClientHelloResult =
  | { complete: false }
  | {
      complete: true;
      /** The SNI host name, lower-cased (undefined: the client sent none, e.g. connecting to an IP). */
      sni?: string;
      /** Bytes of the records that held the ClientHello. */
      helloBytes: number;
    };

function bad(detail: string): BurrowError {
  return new BurrowError(ErrorCode.PROTOCOL, `TLS ClientHello: ${detail}`);
}

/** Cursor over the ClientHello body with bounds-checked reads. */
class Reader {
  #off = 0;
  constructor(readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.#off;
  }
  bytes(n: number, what: string): Buffer {
    if (n > this.remaining) throw bad(`${what}: needs ${n} bytes, ${this.remaining} left`);
    const out = this.buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return out;
  }
  u8(what: string): number {
    return this.bytes(1, what).readUInt8(0);
  }
  u16(what: string): number {
    return this.bytes(2, what).readUInt16BE(0);
  }
  vec8(what: string): Buffer {
    return this.bytes(this.u8(`${what} length`), what);
  }
  vec16(what: string): Buffer {
    return this.bytes(this.u16(`${what} length`), what);
  }
}

function hex8(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * Collect the handshake bytes of the 0x16 records at the start of `buf`, checking each header as
 * soon as it is present. Returns the ClientHello message (header included) once complete, and the
 * record bytes it took; or `partial` when more bytes are needed.
 */
function gatherHandshake(buf: Buffer): { data: Buffer; used: number; partial: boolean } {
  const fragments: Buffer[] = [];
  let have = 0;
  let off = 0;
  let need: number | undefined; // total handshake bytes, once its header is known
  const checkHead = (): void => {
    if (need !== undefined || have === 0) return;
    const first = fragments.find((f) => f.length > 0);
    if (first !== undefined && first[0] !== HANDSHAKE_CLIENT_HELLO)
      throw bad(`handshake type ${first[0]} is not ClientHello (1)`);
    if (have < HANDSHAKE_HEADER_SIZE) return;
    const bodyLen = Buffer.concat(fragments).readUIntBE(1, 3);
    if (bodyLen > MAX_CLIENT_HELLO_SIZE)
      throw bad(`ClientHello of ${bodyLen} bytes exceeds the limit of ${MAX_CLIENT_HELLO_SIZE}`);
    need = HANDSHAKE_HEADER_SIZE + bodyLen;
  };
  for (;;) {
    checkHead();
    // The last record may carry bytes after the ClientHello (another handshake message): ignored, as frp does.
    if (need !== undefined && have >= need)
      return { data: Buffer.concat(fragments).subarray(0, need), used: off, partial: false };
    const avail = buf.length - off;
    if (avail < 1) return { data: Buffer.alloc(0), used: off, partial: true };
    if (buf[off] !== TLS_HANDSHAKE_RECORD) {
      throw bad(
        off === 0
          ? `first byte ${hex8(buf.readUInt8(0))} is not a TLS handshake record (0x16)`
          : `record at byte ${off} has type ${hex8(buf.readUInt8(off))}, expected the rest of the ClientHello (0x16)`,
      );
    }
    if (avail >= 2 && buf[off + 1] !== RECORD_VERSION_MAJOR)
      throw bad(`record version major ${buf[off + 1]} is not 3 (SSL 3.0 .. TLS 1.3)`);
    if (avail < RECORD_HEADER_SIZE) return { data: Buffer.alloc(0), used: off, partial: true };
    const len = buf.readUInt16BE(off + RECORD_LENGTH_OFFSET);
    if (len === 0) throw bad(`empty handshake record at byte ${off}`);
    if (len > MAX_RECORD_FRAGMENT) throw bad(`record length ${len} exceeds the TLS maximum of ${MAX_RECORD_FRAGMENT}`);
    const fragment = buf.subarray(off + RECORD_HEADER_SIZE, Math.min(buf.length, off + RECORD_HEADER_SIZE + len));
    fragments.push(fragment);
    have += fragment.length;
    if (fragment.length < len) {
      checkHead(); // fail fast on a bad handshake header inside a partial record
      return { data: Buffer.alloc(0), used: off, partial: true };
    }
    off += RECORD_HEADER_SIZE + len;
  }
}

function parseServerName(ext: Buffer): string | undefined {
  const r = new Reader(ext);
  const list = new Reader(r.vec16('server_name list'));
  if (r.remaining !== 0) throw bad(`server_name extension has ${r.remaining} bytes after its list`);
  if (list.remaining === 0) throw bad('server_name list is empty');
  let host: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8('server_name type');
    const name = list.vec16('server_name');
    if (type !== NAME_TYPE_HOST_NAME) continue; // other name types are ignored, as Go does
    if (host !== undefined) throw bad('server_name has more than one host_name');
    const text = name.toString('latin1');
    if (name.length === 0 || name.length > MAX_HOST_NAME || !HOST_NAME.test(text)) {
      throw bad(`server_name ${JSON.stringify(text.slice(0, 64))} is not a valid host name`);
    }
    host = text.toLowerCase();
  }
  return host;
}

/**
 * Where the TLS record being received ends: a ClientHello parser is only worth running once that
 * many bytes are here (walking record headers is cheap; re-parsing on every tiny packet is not).
 */
export function tlsRecordBoundary(buf: Buffer): number {
  let off = 0;
  while (off + RECORD_HEADER_SIZE <= buf.length) {
    const end = off + RECORD_HEADER_SIZE + buf.readUInt16BE(off + RECORD_LENGTH_OFFSET);
    if (end > buf.length) return end;
    off = end;
  }
  return off + RECORD_HEADER_SIZE;
}

/**
 * Read the ClientHello at the start of `buf` (one or more 0x16 records; Go's crypto/tls, which frp
 * uses, reassembles a ClientHello split across records, so this does too) and return its SNI host
 * name, lower-cased. Returns {complete: false} while more bytes are needed; record and handshake
 * headers are checked as soon as they arrive, so non-TLS input fails fast. Reads at most
 * MAX_CLIENT_HELLO_BYTES: a ClientHello whose records need more is BurrowError MESSAGE_TOO_LARGE.
 * Throws BurrowError PROTOCOL on a non-handshake record, a record version
 * other than 3.x, an oversize record or ClientHello, a handshake other than ClientHello, any
 * length that runs past its container, duplicate extensions, or a malformed server_name.
 */
export function parseTlsClientHelloSni(buf: Buffer): TlsClientHelloResult {
  const { data, used, partial } = gatherHandshake(buf);
  // Tiny records can spread a legal-size ClientHello over more bytes than a reader should hold.
  if (used > MAX_CLIENT_HELLO_BYTES || (partial && buf.length >= MAX_CLIENT_HELLO_BYTES)) {
    throw new BurrowError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `TLS ClientHello: not complete within ${MAX_CLIENT_HELLO_BYTES} bytes of records`,
    );
  }
  if (partial) return { complete: false };
  const r = new Reader(data.subarray(HANDSHAKE_HEADER_SIZE));
  r.bytes(HELLO_FIXED_SIZE, 'version and random');
  const sessionId = r.vec8('session id');
  if (sessionId.length > MAX_SESSION_ID) throw bad(`session id of ${sessionId.length} bytes exceeds ${MAX_SESSION_ID}`);
  const suites = r.vec16('cipher suites');
  if (suites.length === 0 || suites.length % 2 !== 0)
    throw bad(`cipher suites length ${suites.length} is not a positive even number`);
  const compression = r.vec8('compression methods');
  if (compression.length === 0) throw bad('no compression methods');
  if (r.remaining === 0) return { complete: true, helloBytes: used }; // no extensions at all
  const exts = new Reader(r.vec16('extensions'));
  if (r.remaining !== 0) throw bad(`${r.remaining} bytes after the extensions`);
  const seen = new Set<number>();
  let sni: string | undefined;
  while (exts.remaining > 0) {
    const type = exts.u16('extension type');
    const body = exts.vec16(`extension 0x${type.toString(16).padStart(4, '0')}`);
    if (seen.has(type)) throw bad(`duplicate extension 0x${type.toString(16).padStart(4, '0')}`);
    seen.add(type);
    if (type === EXT_SERVER_NAME) sni = parseServerName(body);
  }
  return sni === undefined ? { complete: true, helloBytes: used } : { complete: true, sni, helloBytes: used };
}
