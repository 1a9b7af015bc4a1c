// Binds a work connection to its control session's client certificate: the same certificate, or its renewal (same names, same issuer).
import { describeIdentity, type PeerIdentity } from '../tls/index.js';

/** The client identity of a connection as a log field: names and fingerprint (no secret), or "no client certificate". */
export function identityLogField(identity: PeerIdentity | undefined): string {
  return identity ? `${describeIdentity(identity)} ${identity.fingerprint}` : describeIdentity(undefined);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Whether a work connection presenting `work` may join a control session that logged in with
 * `control`. Both without a certificate: yes (nothing to bind; a plain or one-way TLS server).
 * One with and one without: no. Otherwise the same certificate (fingerprint), or a renewal of it
 * (a client renews its certificate while its session lives on; the new one has the same subject,
 * subject names and issuer) — anything else is another identity, and refused.
 */
export function workConnMatchesControl(control: PeerIdentity | undefined, work: PeerIdentity | undefined): boolean {
  if (!control || !work) return control === work;
  if (control.fingerprint === work.fingerprint) return true;
  return (
    control.subject === work.subject &&
    control.issuer === work.issuer &&
    sameList(control.dns, work.dns) &&
    sameList(control.ips, work.ips) &&
    sameList(control.uris, work.uris) &&
    sameList(control.emails, work.emails)
  );
}

/** The refusal a client is sent for a work connection from another certificate than its session's. */
export function otherIdentityRefusal(runId: string): string {
  return `work connection for run id [${runId}] presents another client certificate than the session it joins`;
}
