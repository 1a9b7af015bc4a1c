// The admin layer's public surface: the admin server, the metrics, and the views it reads.
export { startAdminServer, webServerListenOptions, type AdminServer, type AdminServerOptions } from './server.js';
export { BurrowMetrics, MetricName, reasonCode } from './metrics.js';
export { isServerView } from './types.js';
export type {
  AdminView,
  CertificateInfo,
  ClientIdentityInfo,
  ClientInfo,
  ClientProxyStatus,
  ClientTlsInfo,
  ClientView,
  ProxyInfo,
  ProxyTraffic,
  ReloadResult,
  ServerInfo,
  ServerView,
} from './types.js';
