// The v2 control-stream cipher: a Duplex of AEAD records (golib's aead_stream format) over another Duplex.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import { LayeredStream } from '../layered-stream.js';
import { createRecordAead, incrementNonce, nonceSize, type RecordAead } from './aead.js';
import {
  AEAD_MAX_PLAINTEXT,
  AEAD_MAX_RECORD,
  AEAD_MIN_RECORD,
  AEAD_RECORD_HEADER_SIZE,
  AEAD_TAG_SIZE,
  AES_GCM_MAX_RECORDS,
  ALG_AES_256_GCM,
  type AeadAlgorithm,
} from './constants.js';

/** Options of createAeadStream. */
export interface AeadStreamOptions {
  algorithm: AeadAlgorithm;
  /** 32-byte key for what we write (our direction's HKDF key). */
  sendKey: Buffer;
  /** 32-byte key for what we read (the peer's direction's HKDF key). */
  recvKey: Buffer;
  /** Our stream nonce. Tests only (known answers): a nonce must never repeat under one key. Default: random. */
  sendNonce?: Buffer;
}

/**
 * Wrap `inner` in the v2 AEAD stream, one independent stream per direction. Writing: a random stream
 * nonce in clear before the first record (same write), then per record `uint32 BE (plaintext + 16)`
 * and ciphertext ‖ tag, with nonce = stream nonce + i and AAD = stream nonce ‖ length field;
 * writes over 64 KiB are split; each record is one `inner.write`. Reading: the peer's nonce, then
 * records; a length below 16 or above 65552, a tag that does not verify, or the AES-GCM record cap
 * destroys the stream with PROTOCOL; EOF inside the nonce or a record with UNEXPECTED_EOF; EOF on a
 * record boundary ends it normally. Consumes `inner` from the moment it is called (bytes already
 * buffered in it included). Backpressure, end, errors and destroy propagate both ways.
 */
export function createAeadStream(inner: Duplex, opts: AeadStreamOptions): Duplex {
  return new AeadStream(inner, opts);
}

/** What the reader waits for next. */
type ReadState = 'nonce' | 'length' | 'body';

class AeadStream extends LayeredStream {
  readonly #algorithm: AeadAlgorithm;
  // Sending direction.
  readonly #sealer: RecordAead;
  readonly #sendStreamNonce: Buffer;
  readonly #sendNonce: Buffer;
  #sentRecords = 0;
  #nonceSent = false;
  // Receiving direction.
  readonly #opener: RecordAead;
  readonly #recvStreamNonce: Buffer;
  readonly #recvNonce: Buffer;
  #recvRecords = 0;
  #state: ReadState = 'nonce';
  #need: number;
  #lengthField: Buffer = Buffer.alloc(0);
  readonly #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(inner: Duplex, opts: AeadStreamOptions) {
    const size = nonceSize(opts.algorithm);
    const sendNonce = opts.sendNonce ?? randomBytes(size);
    if (sendNonce.length !== size) {
      throw new BurrowError(
        ErrorCode.INTERNAL,
        `${opts.algorithm} stream nonce must be ${size} bytes, got ${sendNonce.length}`,
      );
    }
    // Everything that can throw comes before super(), which starts consuming inner.
    const sealer = createRecordAead(opts.algorithm, opts.sendKey);
    const opener = createRecordAead(opts.algorithm, opts.recvKey);
    super(inner, 'aead stream');
    this.#algorithm = opts.algorithm;
    this.#sealer = sealer;
    this.#opener = opener;
    this.#sendStreamNonce = Buffer.from(sendNonce);
    this.#sendNonce = Buffer.from(sendNonce);
    this.#recvStreamNonce = Buffer.alloc(size);
    this.#recvNonce = Buffer.alloc(size);
    this.#need = size;
  }

  // ---- reading ----

  protected decode(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    while (!this.destroyed && this.#pendingLength >= this.#need) this.#consume(this.#take(this.#need));
  }

  // The next n buffered bytes: a view when one chunk holds them, else one bounded copy (n ≤ 65552).
  // Called only when #pendingLength ≥ n, so the chunks read below exist.
  #take(n: number): Buffer {
    const first = this.#pending[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#pending.shift();
      else this.#pending[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const head = this.#pending[0]!; // filled < n ≤ #pendingLength: a chunk is left
        const take = Math.min(head.length, n - filled);
        head.copy(out, filled, 0, take);
        filled += take;
        if (take === head.length) this.#pending.shift();
        else this.#pending[0] = head.subarray(take);
      }
    }
    this.#pendingLength -= n;
    return out;
  }

  #consume(unit: Buffer): void {
    switch (this.#state) {
      case 'nonce':
        unit.copy(this.#recvStreamNonce);
        unit.copy(this.#recvNonce);
        this.#state = 'length';
        this.#need = AEAD_RECORD_HEADER_SIZE;
        return;
      case 'length': {
        const length = unit.readUInt32BE(0);
        const index = this.#recvRecords;
        if (this.#algorithm === ALG_AES_256_GCM && index >= AES_GCM_MAX_RECORDS) {
          throw new BurrowError(
            ErrorCode.PROTOCOL,
            `aead stream: record limit of ${AES_GCM_MAX_RECORDS} for ${this.#algorithm} exceeded`,
          );
        }
        if (length < AEAD_MIN_RECORD) {
          throw new BurrowError(
            ErrorCode.PROTOCOL,
            `aead stream record ${index}: length ${length} is smaller than the ${AEAD_TAG_SIZE}-byte tag`,
          );
        }
        if (length > AEAD_MAX_RECORD) {
          throw new BurrowError(
            ErrorCode.PROTOCOL,
            `aead stream record ${index}: length ${length} exceeds the limit of ${AEAD_MAX_RECORD} bytes`,
          );
        }
        this.#lengthField = Buffer.from(unit); // a copy: it is part of the AAD, and unit may be a view of a reused chunk
        this.#state = 'body';
        this.#need = length;
        return;
      }
      case 'body': {
        const index = this.#recvRecords;
        const aad = Buffer.concat([this.#recvStreamNonce, this.#lengthField]);
        const plain = this.#opener.open(this.#recvNonce, unit, aad);
        if (plain === null) {
          throw new BurrowError(
            ErrorCode.PROTOCOL,
            `aead stream record ${index}: ${this.#algorithm} authentication tag does not verify (wrong key, or the bytes were altered, reordered or replayed)`,
          );
        }
        if (!incrementNonce(this.#recvNonce))
          throw new BurrowError(ErrorCode.PROTOCOL, 'aead stream: record nonce counter exhausted');
        this.#recvRecords++;
        this.#state = 'length';
        this.#need = AEAD_RECORD_HEADER_SIZE;
        this.deliver(plain);
        return;
      }
    }
  }

  protected checkEnd(): void {
    const midNonce = this.#state === 'nonce' && this.#pendingLength > 0;
    if (midNonce || this.#state === 'body' || this.#pendingLength > 0) {
      const where = midNonce ? 'stream nonce' : `record ${this.#recvRecords}`;
      throw new BurrowError(
        ErrorCode.UNEXPECTED_EOF,
        `aead stream ended inside the ${where} (${this.#pendingLength} of ${this.#need} bytes of its ${this.#state})`,
      );
    }
  }

  // ---- writing ----

  protected encode(chunk: Buffer): Buffer[] {
    const records: Buffer[] = [];
    for (let pos = 0; pos < chunk.length; pos += AEAD_MAX_PLAINTEXT) {
      records.push(this.#sealRecord(chunk.subarray(pos, pos + AEAD_MAX_PLAINTEXT)));
    }
    return records;
  }

  // One record ready for the wire: [stream nonce, first record only] ‖ length ‖ ciphertext ‖ tag.
  #sealRecord(plaintext: Buffer): Buffer {
    if (this.#algorithm === ALG_AES_256_GCM && this.#sentRecords >= AES_GCM_MAX_RECORDS) {
      throw new BurrowError(
        ErrorCode.PROTOCOL,
        `aead stream: record limit of ${AES_GCM_MAX_RECORDS} for ${this.#algorithm} exceeded`,
      );
    }
    const header = Buffer.allocUnsafe(AEAD_RECORD_HEADER_SIZE);
    header.writeUInt32BE(plaintext.length + AEAD_TAG_SIZE);
    const body = this.#sealer.seal(this.#sendNonce, plaintext, Buffer.concat([this.#sendStreamNonce, header]));
    if (!incrementNonce(this.#sendNonce))
      throw new BurrowError(ErrorCode.PROTOCOL, 'aead stream: record nonce counter exhausted');
    this.#sentRecords++;
    if (this.#nonceSent) return Buffer.concat([header, body]);
    this.#nonceSent = true;
    return Buffer.concat([this.#sendStreamNonce, header, body]);
  }
}
