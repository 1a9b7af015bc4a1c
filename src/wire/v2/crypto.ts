// v2 key schedule: the SHA-256 transcript of the two hellos and the HKDF-SHA256 key of each direction.
import { createHash, hkdfSync } from 'node:crypto';
import {
  AEAD_KEY_SIZE,
  DIRECTION_CLIENT_TO_SERVER,
  DIRECTION_SERVER_TO_CLIENT,
  HKDF_INFO_PREFIX,
  TRANSCRIPT_CLIENT_LABEL,
  TRANSCRIPT_LABEL,
  TRANSCRIPT_SERVER_LABEL,
  type AeadAlgorithm,
} from './constants.js';

/** Size of the big-endian length written before each hello in the transcript. */
const TRANSCRIPT_LENGTH_SIZE = 8;

/** The two control-stream keys; each side sends with its own direction's key and reads with the other. */
export interface ControlKeys {
  clientToServer: Buffer;
  serverToClient: Buffer;
}

/**
 * SHA-256 over: the label, then for each hello `00 ‖ "client hello"|"server hello" ‖ 00 ‖ uint64 BE
 * length ‖ payload`. The payloads must be the exact bytes that were sent in the two hello frames.
 */
export function transcriptHash(clientHelloPayload: Buffer, serverHelloPayload: Buffer): Buffer {
  const h = createHash('sha256');
  h.update(TRANSCRIPT_LABEL, 'latin1');
  for (const [label, payload] of [
    [TRANSCRIPT_CLIENT_LABEL, clientHelloPayload],
    [TRANSCRIPT_SERVER_LABEL, serverHelloPayload],
  ] as const) {
    const length = Buffer.alloc(TRANSCRIPT_LENGTH_SIZE);
    length.writeBigUInt64BE(BigInt(payload.length));
    h.update(Buffer.from([0]));
    h.update(label, 'latin1');
    h.update(Buffer.from([0]));
    h.update(length);
    h.update(payload);
  }
  return h.digest();
}

/** The HKDF info string of one direction: "frp wire v2 control aead <algorithm> <direction>". */
export function hkdfInfo(
  algorithm: AeadAlgorithm,
  direction: typeof DIRECTION_CLIENT_TO_SERVER | typeof DIRECTION_SERVER_TO_CLIENT,
): string {
  return `${HKDF_INFO_PREFIX} ${algorithm} ${direction}`;
}

/**
 * Both direction keys: HKDF-SHA256(IKM = the raw token bytes, salt = transcript hash,
 * info = hkdfInfo(algorithm, direction)), 32 bytes each.
 */
export function deriveControlKeys(token: string | Buffer, algorithm: AeadAlgorithm, transcript: Buffer): ControlKeys {
  const ikm = typeof token === 'string' ? Buffer.from(token, 'utf8') : token;
  const derive = (direction: typeof DIRECTION_CLIENT_TO_SERVER | typeof DIRECTION_SERVER_TO_CLIENT): Buffer =>
    Buffer.from(hkdfSync('sha256', ikm, transcript, hkdfInfo(algorithm, direction), AEAD_KEY_SIZE));
  return { clientToServer: derive(DIRECTION_CLIENT_TO_SERVER), serverToClient: derive(DIRECTION_SERVER_TO_CLIENT) };
}
