// frp's legacy [common] keys (pkg/config/legacy client.go, server.go, pkg/auth/legacy) and the v1 key each becomes
// (pkg/config/legacy/conversion.go).

/** How an INI value is read: as written, Go int, Go bool, comma list, or allow_ports ranges. */
export type Kind = 'str' | 'int' | 'bool' | 'list' | 'ports';

/**
 * One legacy key: `to` is the dotted v1 path it becomes; `scope` adds an auth.additionalScopes entry when true;
 * `ignored` is a key frp reads but no longer carries into its v1 config (why, for the docs and the warning);
 * `control` is read by the converter itself (no v1 key of its own).
 */
export type Spec =
  | { readonly to: string; readonly kind: Kind }
  | { readonly scope: 'HeartBeats' | 'NewWorkConns' }
  | { readonly ignored: string }
  | { readonly control: Kind };

/** A key family written with a prefix (meta_var1 → metadatas.var1). */
export interface PrefixSpec {
  readonly prefix: string;
  /** The dotted v1 table the rest of the key names a key of. */
  readonly to: string;
}

const str = (to: string): Spec => ({ to, kind: 'str' });
const int = (to: string): Spec => ({ to, kind: 'int' });
const bool = (to: string): Spec => ({ to, kind: 'bool' });

/** Keys both sides share (auth, logs, mux). */
const SHARED: Readonly<Record<string, Spec>> = {
  authentication_method: str('auth.method'),
  authenticate_heartbeats: { scope: 'HeartBeats' },
  authenticate_new_work_conns: { scope: 'NewWorkConns' },
  token: str('auth.token'),
  log_file: str('log.to'),
  // frp's v1 config writes logs wherever log_file says; log_way lost its meaning in the conversion.
  log_way: { ignored: 'frp no longer reads it: log_file alone says where logs go' },
  log_level: str('log.level'),
  log_max_days: int('log.maxDays'),
  disable_log_color: bool('log.disablePrintColor'),
  tcp_mux: bool('transport.tcpMux'),
  tcp_mux_keepalive_interval: int('transport.tcpMuxKeepaliveInterval'),
  heartbeat_timeout: int('transport.heartbeatTimeout'),
  quic_keepalive_period: int('transport.quic.keepalivePeriod'),
  quic_max_idle_timeout: int('transport.quic.maxIdleTimeout'),
  quic_max_incoming_streams: int('transport.quic.maxIncomingStreams'),
  tls_cert_file: str('transport.tls.certFile'),
  tls_key_file: str('transport.tls.keyFile'),
  tls_trusted_ca_file: str('transport.tls.trustedCaFile'),
  udp_packet_size: int('udpPacketSize'),
};

/** frpc.ini [common]. */
export const CLIENT_COMMON_KEYS: Readonly<Record<string, Spec>> = {
  ...SHARED,
  oidc_client_id: str('auth.oidc.clientID'),
  oidc_client_secret: str('auth.oidc.clientSecret'),
  oidc_audience: str('auth.oidc.audience'),
  oidc_scope: str('auth.oidc.scope'),
  oidc_token_endpoint_url: str('auth.oidc.tokenEndpointURL'),
  server_addr: str('serverAddr'),
  server_port: int('serverPort'),
  nat_hole_stun_server: str('natHoleStunServer'),
  dial_server_timeout: int('transport.dialServerTimeout'),
  dial_server_keepalive: int('transport.dialServerKeepalive'),
  connect_server_local_ip: str('transport.connectServerLocalIP'),
  http_proxy: str('transport.proxyURL'),
  admin_addr: str('webServer.addr'),
  admin_port: int('webServer.port'),
  admin_user: str('webServer.user'),
  admin_pwd: str('webServer.password'),
  assets_dir: str('webServer.assetsDir'),
  pprof_enable: bool('webServer.pprofEnable'),
  pool_count: int('transport.poolCount'),
  user: str('user'),
  dns_server: str('dnsServer'),
  login_fail_exit: bool('loginFailExit'),
  start: { to: 'start', kind: 'list' },
  protocol: str('transport.protocol'),
  tls_enable: bool('transport.tls.enable'),
  tls_server_name: str('transport.tls.serverName'),
  disable_custom_tls_first_byte: bool('transport.tls.disableCustomTLSFirstByte'),
  heartbeat_interval: int('transport.heartbeatInterval'),
  // Read by the converter: the proxy sections of the files it names join this file's (frp's getIncludeContents).
  includes: { control: 'list' },
};

/** frpc.ini [common] key families. */
export const CLIENT_COMMON_PREFIXES: readonly PrefixSpec[] = [
  { prefix: 'meta_', to: 'metadatas' },
  { prefix: 'oidc_additional_', to: 'auth.oidc.additionalEndpointParams' },
];

/** frps.ini [common]. */
export const SERVER_COMMON_KEYS: Readonly<Record<string, Spec>> = {
  ...SHARED,
  oidc_issuer: str('auth.oidc.issuer'),
  oidc_audience: str('auth.oidc.audience'),
  oidc_skip_expiry_check: bool('auth.oidc.skipExpiryCheck'),
  oidc_skip_issuer_check: bool('auth.oidc.skipIssuerCheck'),
  bind_addr: str('bindAddr'),
  bind_port: int('bindPort'),
  kcp_bind_port: int('kcpBindPort'),
  quic_bind_port: int('quicBindPort'),
  proxy_bind_addr: str('proxyBindAddr'),
  vhost_http_port: int('vhostHTTPPort'),
  vhost_https_port: int('vhostHTTPSPort'),
  tcpmux_httpconnect_port: int('tcpmuxHTTPConnectPort'),
  tcpmux_passthrough: bool('tcpmuxPassthrough'),
  vhost_http_timeout: int('vhostHTTPTimeout'),
  dashboard_addr: str('webServer.addr'),
  dashboard_port: int('webServer.port'),
  dashboard_user: str('webServer.user'),
  dashboard_pwd: str('webServer.password'),
  // frp carries the dashboard's TLS files (and pprof_enable) only when dashboard_tls_mode is true.
  dashboard_tls_mode: { control: 'bool' },
  dashboard_tls_cert_file: { control: 'str' },
  dashboard_tls_key_file: { control: 'str' },
  pprof_enable: { control: 'bool' },
  assets_dir: str('webServer.assetsDir'),
  enable_prometheus: bool('enablePrometheus'),
  detailed_errors_to_client: bool('detailedErrorsToClient'),
  subdomain_host: str('subDomainHost'),
  tcp_keepalive: int('transport.tcpKeepalive'),
  custom_404_page: str('custom404Page'),
  allow_ports: { to: 'allowPorts', kind: 'ports' },
  max_pool_count: int('transport.maxPoolCount'),
  max_ports_per_client: int('maxPortsPerClient'),
  tls_only: bool('transport.tls.force'),
  user_conn_timeout: int('userConnTimeout'),
  nat_hole_analysis_data_reserve_hours: int('natholeAnalysisDataReserveHours'),
};

/** The keys of a server [plugin.NAME] section (HTTPPluginOptions), each a key of one httpPlugins entry. */
export const SERVER_PLUGIN_KEYS: Readonly<Record<string, Spec>> = {
  addr: str('addr'),
  path: str('path'),
  ops: { to: 'ops', kind: 'list' },
  tlsVerify: bool('tlsVerify'),
};

/** legacy frps's dashboard_addr default; the v1 default is 127.0.0.1, so a converted file must say it. */
export const LEGACY_DASHBOARD_ADDR = '0.0.0.0';
