// yamux protocol constants (hashicorp/yamux v0.1.1 wire format) and burrow's defaults (frp's settings).

/** The only frame version yamux defines; any other value is a protocol error. */
export const PROTOCOL_VERSION = 0;

/** Frame types: the second byte of every header. */
export const FrameType = {
  /** Payload of `length` bytes follows the header; counts against the stream's window. */
  Data: 0,
  /** `length` is a window increment for the stream; with length 0 it carries only flags (FIN/RST). */
  WindowUpdate: 1,
  /** Stream 0; `length` is an opaque id echoed back: SYN = request, ACK = reply. */
  Ping: 2,
  /** Stream 0; `length` is a GoAwayCode: the sender accepts no new streams. */
  GoAway: 3,
} as const;
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** Highest defined frame type; anything above is a protocol error. */
export const MAX_FRAME_TYPE = FrameType.GoAway;

/** Header flags (a bit set, big-endian u16 at offset 2). */
export const Flag = {
  /** Opens a stream (also marks a ping request). */
  SYN: 1,
  /** Accepts a stream (also marks a ping reply). */
  ACK: 2,
  /** Half-close: the sender will send no more data on the stream. */
  FIN: 4,
  /** Resets the stream at once (also rejects a SYN). */
  RST: 8,
} as const;

/** Go Away reasons, carried in the length field. */
export const GoAwayCode = {
  /** Orderly shutdown: no new streams, existing ones continue. */
  Normal: 0,
  /** The peer broke the protocol (bad frame, window overrun, duplicate stream). */
  ProtocolError: 1,
  /** The sender failed internally. */
  InternalError: 2,
} as const;
export type GoAwayCodeValue = (typeof GoAwayCode)[keyof typeof GoAwayCode];

/** Bytes in every frame header: version(1) type(1) flags(2) stream id(4) length(4). */
export const HEADER_SIZE = 12;

/** Every stream starts with this window in each direction, before any window update. */
export const INITIAL_STREAM_WINDOW = 256 * 1024;

/** frp's MaxStreamWindowSize: the window each side grants through the SYN/ACK window update. */
export const DEFAULT_MAX_STREAM_WINDOW = 6 * 1024 * 1024;

/** Incoming streams queued while nobody listens for 'stream'; SYNs beyond it get RST (yamux default). */
export const DEFAULT_ACCEPT_BACKLOG = 256;

/** Interval between keepalive pings (yamux default; frp's tcpMuxKeepaliveInterval overrides it). */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 30_000;

/** yamux ConnectionWriteTimeout; burrow uses it as the ping-reply deadline and the close-flush grace. */
export const DEFAULT_CONNECTION_WRITE_TIMEOUT_MS = 10_000;

/** An opened stream not ACKed within this closes the whole session (yamux/frp behaviour). */
export const DEFAULT_STREAM_OPEN_TIMEOUT_MS = 75_000;

/** After our FIN, a peer that does not FIN within this gets RST and the stream is dropped. */
export const DEFAULT_STREAM_CLOSE_TIMEOUT_MS = 300_000;

/**
 * burrow's limit on concurrently open streams per session; SYNs beyond it get RST. yamux and frp
 * have none; with tcpMux every user connection of a client is one stream, so this is sized for
 * tens of thousands of them (an idle stream costs a few KB) while still bounding a flooding peer.
 */
export const DEFAULT_MAX_STREAMS = 65_536;

/** Largest Data frame payload we send: big enough to amortise headers, small enough for fairness. */
export const MAX_DATA_FRAME_PAYLOAD = 128 * 1024;

/** Highest stream id before ids are exhausted (u32; yamux stops at 2^32 - 2). */
export const MAX_STREAM_ID = 0xffff_fffe;

/** Largest value of the u32 length field (ping ids wrap at it). */
export const MAX_U32 = 0xffff_ffff;

/** Bytes of frames waiting in a batch that make the session send them without waiting for the loop's check phase. */
export const FLUSH_BATCH_BYTES = 16 * 1024;

/**
 * A stream's Node writable buffer before write() returns false to its producer. Above a 64 KiB
 * socket read, so that a relay feeding it one read at a time is not paused and resumed (a
 * readStop/readStart pair of syscalls) after every read while the conn is not blocked.
 */
export const STREAM_WRITABLE_HIGH_WATER_MARK = 256 * 1024;

/** A stream's Node readable buffer target; the yamux window, not this, bounds what the peer sends. */
export const STREAM_READABLE_HIGH_WATER_MARK = 64 * 1024;

/**
 * Bytes the conn may hold unsent before we stop reading from it: only control frames (ping replies,
 * window updates, RSTs) pass the drain gate, so reaching this means a peer that floods us with
 * requests while never reading the answers.
 */
export const MAX_CONN_CONTROL_BACKLOG = 4 * 1024 * 1024;

/**
 * Bytes of unsent control frames an unauthenticated session may pile up before we stop reading
 * from it (instead of MAX_CONN_CONTROL_BACKLOG): a peer that has not logged in gets no more
 * server memory for ping replies and RSTs than this.
 */
export const PREAUTH_CONN_CONTROL_BACKLOG = 64 * 1024;
