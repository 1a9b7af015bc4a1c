// Sizes, limits, identifiers and labels of frp's wire protocol v2 (frp pkg/proto/wire, pkg/msg/wire_v2.go, golib crypto/aead_stream.go).
import type { MessageName } from '../messages.js';

/** The 7 bytes a v2 peer writes first on every logical connection: "FRP\0\x02\r\n". */
export const MAGIC = Buffer.from([0x46, 0x52, 0x50, 0x00, 0x02, 0x0d, 0x0a]);
/** Length of MAGIC; also how many bytes a server sniffs before it knows the version. */
export const MAGIC_SIZE = 7;
/** Deadline for the server to receive the magic (frps: 10 s for the magic and the first message). */
export const MAGIC_READ_TIMEOUT_MS = 10_000;

/** Frame type: ClientHello (client → server, control connections only, in clear). */
export const FRAME_CLIENT_HELLO = 1;
/** Frame type: ServerHello (server → client answer to a ClientHello, in clear). */
export const FRAME_SERVER_HELLO = 2;
/** Frame type: one frp message, payload = [uint16 BE message id][v1 JSON]. */
export const FRAME_MESSAGE = 16;
/** Every frame type a v2 peer knows. */
export const FRAME_TYPES: ReadonlySet<number> = new Set([FRAME_CLIENT_HELLO, FRAME_SERVER_HELLO, FRAME_MESSAGE]);
/** Human names of the frame types, for error messages. */
export const FRAME_TYPE_NAMES: Readonly<Record<number, string>> = {
  [FRAME_CLIENT_HELLO]: 'ClientHello',
  [FRAME_SERVER_HELLO]: 'ServerHello',
  [FRAME_MESSAGE]: 'Message',
};

/** Frame header: uint16 type, uint16 flags (must be 0), uint32 payload length, all big-endian. */
export const FRAME_HEADER_SIZE = 8;
/** Offset of the flags field in the frame header. */
export const FRAME_FLAGS_OFFSET = 2;
/** Offset of the payload length field in the frame header. */
export const FRAME_LENGTH_OFFSET = 4;
/** Largest frame payload either side accepts or writes (frp DefaultMaxFramePayloadSize, 64 KiB). */
export const MAX_FRAME_PAYLOAD = 65536;
/** Size of the message id that starts a Message frame's payload. */
export const MESSAGE_ID_SIZE = 2;

/** The v2 message id of each frp message (frp pkg/msg/wire_v2.go). */
export const MESSAGE_ID: Readonly<Record<MessageName, number>> = {
  Login: 1,
  LoginResp: 2,
  NewProxy: 3,
  NewProxyResp: 4,
  CloseProxy: 5,
  NewWorkConn: 6,
  ReqWorkConn: 7,
  StartWorkConn: 8,
  NewVisitorConn: 9,
  NewVisitorConnResp: 10,
  Ping: 11,
  Pong: 12,
  UDPPacket: 13,
  NatHoleVisitor: 14,
  NatHoleClient: 15,
  NatHoleResp: 16,
  NatHoleSid: 17,
  NatHoleReport: 18,
};

/** The only message codec v2 defines. */
export const CODEC_JSON = 'json';

/** AEAD algorithm names as they appear in the hellos. */
export const ALG_AES_256_GCM = 'aes-256-gcm';
/** XChaCha20-Poly1305 (24-byte nonce), chosen first by frpc on CPUs without AES instructions. */
export const ALG_XCHACHA20_POLY1305 = 'xchacha20-poly1305';
/** The algorithms burrow supports, in frp's own order. */
export const SUPPORTED_ALGORITHMS = [ALG_AES_256_GCM, ALG_XCHACHA20_POLY1305] as const;
/** One of the supported AEAD algorithms. */
export type AeadAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** Size of clientRandom and serverRandom in the hellos. */
export const RANDOM_SIZE = 32;
/** AEAD key size for both algorithms (HKDF output length). */
export const AEAD_KEY_SIZE = 32;
/** Authentication tag size for both algorithms. */
export const AEAD_TAG_SIZE = 16;
/** Stream nonce size of AES-256-GCM. */
export const AES_GCM_NONCE_SIZE = 12;
/** Stream nonce size of XChaCha20-Poly1305. */
export const XCHACHA_NONCE_SIZE = 24;
/** Size of an AEAD record's length field (uint32 BE = plaintext length + tag). */
export const AEAD_RECORD_HEADER_SIZE = 4;
/** Largest plaintext in one AEAD record (golib DefaultAEADMaxPayloadSize); larger writes are split. */
export const AEAD_MAX_PLAINTEXT = 65536;
/** Smallest valid record length: an empty plaintext plus the tag. */
export const AEAD_MIN_RECORD = AEAD_TAG_SIZE;
/** Largest valid record length: a full plaintext plus the tag. */
export const AEAD_MAX_RECORD = AEAD_MAX_PLAINTEXT + AEAD_TAG_SIZE;
/** AES-GCM records allowed per direction with one key and a counter nonce (golib: 2^32). */
export const AES_GCM_MAX_RECORDS = 2 ** 32;

/** First bytes of the transcript hash input (29 ASCII bytes, no terminator). */
export const TRANSCRIPT_LABEL = 'frp wire v2 crypto transcript';
/** Label of the ClientHello part of the transcript. */
export const TRANSCRIPT_CLIENT_LABEL = 'client hello';
/** Label of the ServerHello part of the transcript. */
export const TRANSCRIPT_SERVER_LABEL = 'server hello';
/** HKDF info prefix; the full info is `${prefix} ${algorithm} ${direction}`. */
export const HKDF_INFO_PREFIX = 'frp wire v2 control aead';
/** HKDF direction label of the client's sending key. */
export const DIRECTION_CLIENT_TO_SERVER = 'client-to-server';
/** HKDF direction label of the server's sending key. */
export const DIRECTION_SERVER_TO_CLIENT = 'server-to-client';
