// Field order and JSON kind of every v1 message, as declared in frp's Go structs (pkg/msg/msg.go).
import type { MessageName } from './messages.js';

/**
 * How a field is checked on decode and written on encode.
 * - string / bool / int / uint16 / stringMap / stringList / udpAddr: Go `omitempty` fields of that type;
 * - clientSpec / struct: Go struct values, which `omitempty` never drops (written as `{}` when empty);
 * - any: an opaque value (xtcp messages), passed through.
 */
export type FieldKind =
  'string' | 'bool' | 'int' | 'uint16' | 'stringMap' | 'stringList' | 'udpAddr' | 'clientSpec' | 'struct' | 'any';

/** One field: its JSON name and its kind. */
export type FieldSpec = readonly [name: string, kind: FieldKind];

/** The fields of every message, in Go struct order (which is the key order Go writes). */
export const MESSAGE_FIELDS: Record<MessageName, readonly FieldSpec[]> = {
  Login: [
    ['version', 'string'],
    ['hostname', 'string'],
    ['os', 'string'],
    ['arch', 'string'],
    ['user', 'string'],
    ['privilege_key', 'string'],
    ['timestamp', 'int'],
    ['run_id', 'string'],
    ['client_id', 'string'],
    ['metas', 'stringMap'],
    ['client_spec', 'clientSpec'],
    ['pool_count', 'int'],
  ],
  LoginResp: [
    ['version', 'string'],
    ['run_id', 'string'],
    ['error', 'string'],
    // burrow's own (not in frp's struct): the login-proof nonce, sent only to clients that ask for it.
    ['burrow_nonce', 'string'],
  ],
  NewProxy: [
    ['proxy_name', 'string'],
    ['proxy_type', 'string'],
    ['use_encryption', 'bool'],
    ['use_compression', 'bool'],
    ['bandwidth_limit', 'string'],
    ['bandwidth_limit_mode', 'string'],
    ['group', 'string'],
    ['group_key', 'string'],
    ['metas', 'stringMap'],
    ['annotations', 'stringMap'],
    ['remote_port', 'int'],
    ['custom_domains', 'stringList'],
    ['subdomain', 'string'],
    ['locations', 'stringList'],
    ['http_user', 'string'],
    ['http_pwd', 'string'],
    ['host_header_rewrite', 'string'],
    ['headers', 'stringMap'],
    ['response_headers', 'stringMap'],
    ['route_by_http_user', 'string'],
    ['sk', 'string'],
    ['allow_users', 'stringList'],
    ['multiplexer', 'string'],
  ],
  NewProxyResp: [
    ['proxy_name', 'string'],
    ['remote_addr', 'string'],
    ['error', 'string'],
  ],
  CloseProxy: [['proxy_name', 'string']],
  NewWorkConn: [
    ['run_id', 'string'],
    ['privilege_key', 'string'],
    ['timestamp', 'int'],
  ],
  ReqWorkConn: [],
  StartWorkConn: [
    ['proxy_name', 'string'],
    ['src_addr', 'string'],
    ['dst_addr', 'string'],
    ['src_port', 'uint16'],
    ['dst_port', 'uint16'],
    ['error', 'string'],
  ],
  NewVisitorConn: [
    ['run_id', 'string'],
    ['proxy_name', 'string'],
    ['sign_key', 'string'],
    ['timestamp', 'int'],
    ['use_encryption', 'bool'],
    ['use_compression', 'bool'],
  ],
  NewVisitorConnResp: [
    ['proxy_name', 'string'],
    ['error', 'string'],
  ],
  Ping: [
    ['privilege_key', 'string'],
    ['timestamp', 'int'],
  ],
  Pong: [['error', 'string']],
  UDPPacket: [
    ['c', 'string'],
    ['l', 'udpAddr'],
    ['r', 'udpAddr'],
  ],
  NatHoleVisitor: [
    ['transaction_id', 'any'],
    ['proxy_name', 'any'],
    ['pre_check', 'any'],
    ['protocol', 'any'],
    ['sign_key', 'any'],
    ['timestamp', 'any'],
    ['mapped_addrs', 'any'],
    ['assisted_addrs', 'any'],
  ],
  NatHoleClient: [
    ['transaction_id', 'any'],
    ['proxy_name', 'any'],
    ['sid', 'any'],
    ['mapped_addrs', 'any'],
    ['assisted_addrs', 'any'],
  ],
  NatHoleResp: [
    ['transaction_id', 'any'],
    ['sid', 'any'],
    ['protocol', 'any'],
    ['candidate_addrs', 'any'],
    ['assisted_addrs', 'any'],
    ['detect_behavior', 'struct'],
    ['error', 'any'],
  ],
  NatHoleSid: [
    ['transaction_id', 'any'],
    ['sid', 'any'],
    ['response', 'any'],
    ['nonce', 'any'],
  ],
  NatHoleReport: [
    ['sid', 'any'],
    ['success', 'any'],
  ],
};
