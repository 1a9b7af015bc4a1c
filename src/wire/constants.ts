// Limits, sizes and type bytes of frp's wire protocol v1 (golib msg/json, frp pkg/msg/msg.go).

/** Default largest JSON body a reader accepts, in bytes (golib's defaultMaxMsgLength). Writers are not limited. */
export const MAX_MESSAGE_SIZE = 10240;

/** Size of a message header: 1 type byte followed by a signed int64 big-endian JSON length. */
export const MESSAGE_HEADER_SIZE = 9;

/** Offset of the int64 length inside a message header (right after the type byte). */
export const MESSAGE_LENGTH_OFFSET = 1;

/**
 * Default deadline for reading one message, in ms: frp gives a peer 10 s to send its Login,
 * LoginResp or NewVisitorConnResp. Pass 0 where frp waits forever (StartWorkConn on a pooled work
 * connection, control messages after login).
 */
export const DEFAULT_READ_TIMEOUT_MS = 10_000;

// Type bytes, one per message (frp pkg/msg/msg.go).
/** Login: client → server, first message of a control connection. */
export const TYPE_LOGIN = 0x6f; // 'o'
/** LoginResp: server → client answer to Login. */
export const TYPE_LOGIN_RESP = 0x31; // '1'
/** NewProxy: client registers a proxy. */
export const TYPE_NEW_PROXY = 0x70; // 'p'
/** NewProxyResp: server answer to NewProxy. */
export const TYPE_NEW_PROXY_RESP = 0x32; // '2'
/** CloseProxy: client removes a proxy. */
export const TYPE_CLOSE_PROXY = 0x63; // 'c'
/** NewWorkConn: first message of a work connection. */
export const TYPE_NEW_WORK_CONN = 0x77; // 'w'
/** ReqWorkConn: server asks the client for one more work connection. */
export const TYPE_REQ_WORK_CONN = 0x72; // 'r'
/** StartWorkConn: server hands a user connection to a pooled work connection. */
export const TYPE_START_WORK_CONN = 0x73; // 's'
/** NewVisitorConn: first message of a visitor connection. */
export const TYPE_NEW_VISITOR_CONN = 0x76; // 'v'
/** NewVisitorConnResp: server answer to NewVisitorConn. */
export const TYPE_NEW_VISITOR_CONN_RESP = 0x33; // '3'
/** Ping: heartbeat (control stream, and UDP work connections). */
export const TYPE_PING = 0x68; // 'h'
/** Pong: heartbeat answer. */
export const TYPE_PONG = 0x34; // '4'
/** UDPPacket: one datagram on a UDP work connection. */
export const TYPE_UDP_PACKET = 0x75; // 'u'
/** NatHoleVisitor (xtcp). */
export const TYPE_NAT_HOLE_VISITOR = 0x69; // 'i'
/** NatHoleClient (xtcp). */
export const TYPE_NAT_HOLE_CLIENT = 0x6e; // 'n'
/** NatHoleResp (xtcp). */
export const TYPE_NAT_HOLE_RESP = 0x6d; // 'm'
/** NatHoleSid (xtcp). */
export const TYPE_NAT_HOLE_SID = 0x35; // '5'
/** NatHoleReport (xtcp). */
export const TYPE_NAT_HOLE_REPORT = 0x36; // '6'
