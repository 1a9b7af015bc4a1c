// The per-proxy wrapping of a work connection: frp's useEncryption and useCompression.
import type { Duplex } from 'node:stream';
import { createEncryptedStream } from './cipher.js';
import { createCompressedStream } from './snappy/index.js';

/** Which wrappings a proxy (or visitor) asked for. */
export interface WorkTransportOptions {
  useEncryption?: boolean;
  useCompression?: boolean;
}

/**
 * Wraps a work connection as frp does right after StartWorkConn: on the wire the bytes are
 * AES-128-CFB( snappy-framing( payload ) ), so the sender compresses first, then encrypts.
 * `key` is the cipher key (deriveCipherKey of the token, or of the stcp secretKey for visitors).
 */
export function wrapWorkConn(conn: Duplex, options: WorkTransportOptions, key: Buffer): Duplex {
  let stream = conn;
  if (options.useEncryption) stream = createEncryptedStream(stream, key);
  if (options.useCompression) stream = createCompressedStream(stream);
  return stream;
}
