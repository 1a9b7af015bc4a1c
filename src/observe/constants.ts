// Fixed names and label caps of the metrics registry (observe layer: below server, client and admin).

/** Prefix of every metric name. */
export const METRIC_PREFIX = 'burrow_';
/** Label value for a client that presented no certificate. */
export const NO_IDENTITY = 'none';
/** Label value used once a label has reached its cap of distinct values. */
export const OVERFLOW_LABEL = 'other';
/** Most distinct proxy names kept as label values; more are counted under "other". */
export const MAX_PROXY_LABELS = 1000;
/** Most distinct client identities kept as label values; more are counted under "other". */
export const MAX_IDENTITY_LABELS = 1000;
/** Most distinct failure reasons kept as label values; more are counted under "other". */
export const MAX_REASON_LABELS = 32;
/** Longest label value kept; longer ones are cut (names and reasons are meant to be short). */
export const MAX_LABEL_LENGTH = 64;
