// Enrollment constants: endpoint paths, file names, token format, and every limit and timeout of the enroll layer.

/** Prefix every enrollment request starts with; the tunnel acceptor routes on it (inside TLS). */
export const ENROLL_REQUEST_PREFIX = 'POST /~!burrow/';

/** Path of the first enrollment (token + CSR). */
export const ENROLL_PATH = '/~!burrow/enroll';

/** Path of a renewal (current client certificate over mTLS + CSR). */
export const RENEW_PATH = '/~!burrow/renew';

/** Token store in the CA directory (0600): hashed one-time tokens. */
export const TOKENS_FILE = 'enroll-tokens.json';

/** Enrolled identities in the CA directory (0600): allowances, certificates, revocation, last seen. */
export const CLIENTS_FILE = 'enroll-clients.json';

/** Mode of the enrollment files: they say who may do what; only the server's owner reads them. */
export const ENROLL_FILE_MODE = 0o600;

/** Version tag at the start of every token; a future format gets the next one. */
export const TOKEN_PREFIX = 'brw1';

/** Random bytes of a token id (public handle, shown in logs). */
export const TOKEN_ID_BYTES = 8;

/** Random bytes of a token secret (only its SHA-256 is stored). */
export const TOKEN_SECRET_BYTES = 32;

/** Longest token text we parse (identity ≤ 64 chars base64url-encoded, id, secret, dots). */
export const MAX_TOKEN_LENGTH = 256;

/** Default lifetime of a token. */
export const DEFAULT_TOKEN_TTL_MS = 15 * 60 * 1000;

/** Longest lifetime a token may be given: a week (a one-time secret should not linger). */
export const MAX_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Used or expired tokens are kept this long for the record, then pruned at the next write. */
export const TOKEN_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Most tokens a store keeps (pending + recent); creating more is refused until some expire. */
export const MAX_TOKENS = 1_000;

/** Most entries in one allowance list (allowProxies, allowPorts, allowDomains) of a token. */
export const MAX_ALLOWANCE_ENTRIES = 32;

/** Longest glob in allowProxies / allowDomains (a DNS name is at most 253). */
export const MAX_GLOB_LENGTH = 255;

/** Most identities enroll-clients.json holds; enrolling more is refused (revoke or remove some). */
export const MAX_ENROLLED_CLIENTS = 5_000;

/** Default validity of an enrolled client's certificate; renewed after two thirds of it. */
export const DEFAULT_ENROLL_CERT_DAYS = 90;

/** Share of a certificate's lifetime after which renewal is due. */
export const RENEWAL_FRACTION = 2 / 3;

/** Certificates kept per identity in enroll-clients.json (older ones are dropped; the CA index keeps all). */
export const MAX_CERTS_PER_IDENTITY = 20;

/** Largest request body (the head is bounded by the server's HttpEngine, MAX_HTTP_HEAD_BYTES): a CSR with an RSA-4096 key is about 2 KiB of PEM. */
export const MAX_REQUEST_BODY_BYTES = 32 * 1024;

/** Whole-request deadline on the server (head and body). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Largest response head the client reads. */
export const MAX_RESPONSE_HEAD_BYTES = 8 * 1024;

/** Largest response body: certificate + chain + CA, well under this. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

/** Client deadline for the whole exchange after the TLS handshake. */
export const RESPONSE_TIMEOUT_MS = 20_000;

/** Attempts one remote IP may make per window (enroll and renew together). */
export const RATE_LIMIT_ATTEMPTS = 10;

/** Length of a rate-limit window. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Most IPs tracked at once; beyond it, finished windows are pruned and then new IPs share one bucket. */
export const RATE_LIMIT_MAX_TRACKED = 10_000;

/** lastSeen is written at most this often per identity (logins can be frequent). */
export const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;

/** Longest identity (the certificate CN; X.509's ub-common-name). */
export const MAX_IDENTITY_LENGTH = 64;

/** How often a server that does not use enrollment yet looks for the enrollment files (per new connection, at most). */
export const ACCEPTING_PROBE_MS = 200;
