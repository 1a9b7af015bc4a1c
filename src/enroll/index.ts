// Public surface of enrollment: the server's endpoint service, offline administration, and the client's join and renew.
export {
  ENROLL_REQUEST_PREFIX,
  ENROLL_PATH,
  RENEW_PATH,
  TOKENS_FILE,
  CLIENTS_FILE,
  DEFAULT_TOKEN_TTL_MS,
  MAX_TOKEN_TTL_MS,
  DEFAULT_ENROLL_CERT_DAYS,
  RENEWAL_FRACTION,
} from './constants.js';
export { EnrollService, type EnrollServiceOptions, type EnrollTlsFacts } from './service.js';
export { createEnrollService, type CreateEnrollServiceOptions } from './create-service.js';
export { findCaDir, inspectServerSetup, type ServerSetup } from './server-setup.js';
export {
  createEnrollToken,
  listEnrolledClients,
  revokeIdentity,
  type CreatedToken,
  type EnrolledClientRow,
  type RevokeIdentityResult,
} from './admin.js';
export { parseAllowances, describeAllowances, noAllowances, type Allowances } from './allowances.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseToken, type ParsedToken } from './token.js';
export { clientsFile, readClients, policyEntries, policyEnforced, revokedIdentities } from './clients-store.js';
export { tokensFile } from './token-store.js';
export { joinServer, parseServerAddress, JOIN_FILES, type JoinOptions, type JoinResult } from './join.js';
export { renewCertificate, renewalDue, renewalTime, type RenewResult } from './renew.js';
export { RequestRateLimiter } from './rate-limit.js';
export { startAutoRenewal, AUTO_RENEW_CHECK_MS, AUTO_RENEW_RETRY_MS, type AutoRenewal } from './auto-renew.js';
