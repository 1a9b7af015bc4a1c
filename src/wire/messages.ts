// The v1 message bodies as TypeScript types (JSON names as on the wire), and type byte <-> name maps.
import {
  TYPE_CLOSE_PROXY,
  TYPE_LOGIN,
  TYPE_LOGIN_RESP,
  TYPE_NAT_HOLE_CLIENT,
  TYPE_NAT_HOLE_REPORT,
  TYPE_NAT_HOLE_RESP,
  TYPE_NAT_HOLE_SID,
  TYPE_NAT_HOLE_VISITOR,
  TYPE_NEW_PROXY,
  TYPE_NEW_PROXY_RESP,
  TYPE_NEW_VISITOR_CONN,
  TYPE_NEW_VISITOR_CONN_RESP,
  TYPE_NEW_WORK_CONN,
  TYPE_PING,
  TYPE_PONG,
  TYPE_REQ_WORK_CONN,
  TYPE_START_WORK_CONN,
  TYPE_UDP_PACKET,
} from './constants.js';

/** Login's client_spec (frp-internal SSH tunnel use). Always present on the wire, often `{}`. */
export interface ClientSpec {
  type?: string;
  always_auth_pass?: boolean;
}

/** Client → server, first message of the control connection, sent in clear. */
export interface Login {
  version?: string;
  hostname?: string;
  os?: string;
  arch?: string;
  user?: string;
  /** lowercase hex md5(token + timestamp); see auth.ts. */
  privilege_key?: string;
  /** Unix seconds. */
  timestamp?: number;
  /** Empty on first login, the previous run_id when reconnecting. */
  run_id?: string;
  client_id?: string;
  metas?: Record<string, string>;
  /** A Go struct, so frp always sends it (`{}` when empty); the encoder does the same. */
  client_spec?: ClientSpec;
  pool_count?: number;
}

/** Server → client answer to Login, sent in clear. A non-empty `error` means refused. */
export interface LoginResp {
  version?: string;
  run_id?: string;
  error?: string;
  /**
   * burrow's own, only in answer to a Login that announced the login proof (login-proof.ts): a fresh
   * random server nonce, standard base64 of 32 bytes. frpc and Go's json ignore unknown fields.
   */
  burrow_nonce?: string;
}

/** Client → server: register one proxy. */
export interface NewProxy {
  proxy_name?: string;
  proxy_type?: string;
  use_encryption?: boolean;
  use_compression?: boolean;
  bandwidth_limit?: string;
  bandwidth_limit_mode?: string;
  group?: string;
  group_key?: string;
  metas?: Record<string, string>;
  annotations?: Record<string, string>;
  /** tcp and udp only; 0 = the server picks. */
  remote_port?: number;
  custom_domains?: string[];
  subdomain?: string;
  locations?: string[];
  http_user?: string;
  http_pwd?: string;
  host_header_rewrite?: string;
  headers?: Record<string, string>;
  response_headers?: Record<string, string>;
  route_by_http_user?: string;
  /** stcp/sudp/xtcp secret key. */
  sk?: string;
  allow_users?: string[];
  multiplexer?: string;
}

/** Server → client answer to NewProxy. */
export interface NewProxyResp {
  proxy_name?: string;
  /** tcp/udp `":6000"`; http/https comma-joined `domain[:port]`. */
  remote_addr?: string;
  error?: string;
}

/** Client → server: remove a proxy. */
export interface CloseProxy {
  proxy_name?: string;
}

/** Client → server, first message of a work connection (never control-encrypted). */
export interface NewWorkConn {
  run_id?: string;
  privilege_key?: string;
  timestamp?: number;
}

/** Server → client: open one more work connection. Always `{}` on the wire. */
export type ReqWorkConn = Record<string, never>;

/** Server → client on a work connection: relay the user connection that follows. */
export interface StartWorkConn {
  proxy_name?: string;
  src_addr?: string;
  dst_addr?: string;
  /** uint16. */
  src_port?: number;
  /** uint16. */
  dst_port?: number;
  error?: string;
}

/** Visitor client → server, first message of a visitor connection. */
export interface NewVisitorConn {
  run_id?: string;
  proxy_name?: string;
  sign_key?: string;
  timestamp?: number;
  use_encryption?: boolean;
  use_compression?: boolean;
}

/** Server → visitor client answer to NewVisitorConn. */
export interface NewVisitorConnResp {
  proxy_name?: string;
  error?: string;
}

/** Heartbeat. `privilege_key`/`timestamp` only with the HeartBeats auth scope. */
export interface Ping {
  privilege_key?: string;
  timestamp?: number;
}

/** Heartbeat answer; a non-empty `error` makes frpc close the session. */
export interface Pong {
  error?: string;
}

/** Go's net.UDPAddr as JSON: all three fields are always written. */
export interface UDPAddr {
  IP: string;
  Port: number;
  Zone?: string;
}

/** One datagram on a UDP work connection. */
export interface UDPPacket {
  /** Payload, standard padded base64. */
  c?: string;
  /** Local address (frp never sets it). */
  l?: UDPAddr;
  /** The user's address; the client echoes it in replies. */
  r?: UDPAddr;
}

/** xtcp NAT hole punching messages: out of scope, carried as opaque records so they decode. */
export type NatHoleVisitor = Record<string, unknown>;
/** xtcp: opaque. */
export type NatHoleClient = Record<string, unknown>;
/** xtcp: opaque. */
export type NatHoleResp = Record<string, unknown>;
/** xtcp: opaque. */
export type NatHoleSid = Record<string, unknown>;
/** xtcp: opaque. */
export type NatHoleReport = Record<string, unknown>;

/** Every message name and its body type. */
export interface MessageBodies {
  Login: Login;
  LoginResp: LoginResp;
  NewProxy: NewProxy;
  NewProxyResp: NewProxyResp;
  CloseProxy: CloseProxy;
  NewWorkConn: NewWorkConn;
  ReqWorkConn: ReqWorkConn;
  StartWorkConn: StartWorkConn;
  NewVisitorConn: NewVisitorConn;
  NewVisitorConnResp: NewVisitorConnResp;
  Ping: Ping;
  Pong: Pong;
  UDPPacket: UDPPacket;
  NatHoleVisitor: NatHoleVisitor;
  NatHoleClient: NatHoleClient;
  NatHoleResp: NatHoleResp;
  NatHoleSid: NatHoleSid;
  NatHoleReport: NatHoleReport;
}

/** The name of a message type, e.g. 'Login'. */
export type MessageName = keyof MessageBodies;

/** A decoded message: its name and its body, discriminated on `type`. */
export type Message = { [K in MessageName]: { type: K; body: MessageBodies[K] } }[MessageName];

/** The type byte of each message on the wire. */
export const TYPE_BYTE: Record<MessageName, number> = {
  Login: TYPE_LOGIN,
  LoginResp: TYPE_LOGIN_RESP,
  NewProxy: TYPE_NEW_PROXY,
  NewProxyResp: TYPE_NEW_PROXY_RESP,
  CloseProxy: TYPE_CLOSE_PROXY,
  NewWorkConn: TYPE_NEW_WORK_CONN,
  ReqWorkConn: TYPE_REQ_WORK_CONN,
  StartWorkConn: TYPE_START_WORK_CONN,
  NewVisitorConn: TYPE_NEW_VISITOR_CONN,
  NewVisitorConnResp: TYPE_NEW_VISITOR_CONN_RESP,
  Ping: TYPE_PING,
  Pong: TYPE_PONG,
  UDPPacket: TYPE_UDP_PACKET,
  NatHoleVisitor: TYPE_NAT_HOLE_VISITOR,
  NatHoleClient: TYPE_NAT_HOLE_CLIENT,
  NatHoleResp: TYPE_NAT_HOLE_RESP,
  NatHoleSid: TYPE_NAT_HOLE_SID,
  NatHoleReport: TYPE_NAT_HOLE_REPORT,
};

// Reverse map, built once; a plain array indexed by byte so lookup cannot hit prototype keys.
const NAME_BY_BYTE: (MessageName | undefined)[] = new Array<MessageName | undefined>(256).fill(undefined);
for (const [name, byte] of Object.entries(TYPE_BYTE) as [MessageName, number][]) NAME_BY_BYTE[byte] = name;

/** The message name of a type byte, or undefined when frp has no message with that byte. */
export function messageNameOf(typeByte: number): MessageName | undefined {
  return Number.isInteger(typeByte) ? NAME_BY_BYTE[typeByte] : undefined;
}

/** Build a message value with its body type checked against its name. */
export function makeMessage<K extends MessageName>(type: K, body: MessageBodies[K]): Message {
  return { type, body } as Message;
}
