// Observe layer's public surface (below server, client and admin; imports none of them): views, metrics, redaction.
export { BurrowMetrics, MetricName, reasonCode } from './metrics.js';
export { isSecretKey, isValueMapKey, looksLikeKeyMaterial, REDACTED, redactConf, redactJson } from './redact.js';
export { isServerView } from './views.js';
export type {
  AdminView,
  CertificateInfo,
  ClientIdentityInfo,
  ClientInfo,
  ClientProxyStatus,
  ClientStoreView,
  ClientTlsInfo,
  ClientView,
  ProxyInfo,
  ProxyTraffic,
  ReloadResult,
  ServerInfo,
  ServerView,
  StoreKind,
} from './views.js';
