// Identity-based authorization: which client certificate may open which proxy ([[auth.clients]] and enrolled identities).
import type { ClientPolicy } from '../config/index.js';
import { describeIdentity, identityMatches, type PeerIdentity } from '../tls/index.js';
import type { NewProxy } from '../wire/index.js';

/** A glob with `*` (any run) and `?` (one character) as an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some((glob) => globToRegExp(glob).test(value));
}

/** What besides the rules decides whether the policy is in force, and who it shuts out. */
export interface IdentityPolicyOptions {
  /**
   * Enforce the policy even with no rule: enrollment records exist (revoked ones included), so a
   * client certificate without an entry may open nothing — revoking the last identity must not
   * open the server to every certificate.
   */
  enforce?: boolean;
  /** Revoked enrolled identities: they match no rule (not even one in frps.toml) and open nothing. */
  revoked?: Iterable<string>;
}

/**
 * The [[auth.clients]] rules of a server, plus the enrolled identities' rules. With no rule, no
 * revoked identity and no `enforce`, every proxy passes.
 */
export class IdentityPolicy {
  private readonly enforce: boolean;
  private readonly revoked: readonly string[];

  constructor(
    private readonly policies: readonly ClientPolicy[],
    options: IdentityPolicyOptions = {},
  ) {
    this.revoked = [...(options.revoked ?? [])];
    this.enforce = options.enforce === true || this.revoked.length > 0;
  }

  /** Whether the policy is in force: a rule is configured, or enforcement was asked for. */
  get enabled(): boolean {
    return this.enforce || this.policies.length > 0;
  }

  /** Whether the identity is one of the revoked enrolled identities (matched as a rule id would be). */
  isRevoked(identity: PeerIdentity | undefined): boolean {
    return identity !== undefined && this.revoked.some((id) => identityMatches(identity, id));
  }

  /** The rule for an identity: the first whose id names it; none for a revoked identity. */
  ruleFor(identity: PeerIdentity | undefined): ClientPolicy | undefined {
    if (!identity || this.isRevoked(identity)) return undefined;
    return this.policies.find((p) => identityMatches(identity, p.id));
  }

  /**
   * Why a Login's `user` may not be used with this client certificate, or undefined when it may.
   * frp prefixes proxy names with `user` ("alice.web") and stcp/xtcp visitors are allowed by it,
   * so with the policy in force it is bound to the certificate: empty (no prefix), or the id of the
   * certificate's [[auth.clients]] entry (without an entry: one of its names, as an id would match).
   */
  userRefusal(identity: PeerIdentity | undefined, user: string): string | undefined {
    if (!this.enabled || user === '') return undefined;
    if (!identity)
      return `login user "${user}" needs a client certificate of that identity: this server binds users to certificates ([[auth.clients]])`;
    const rule = this.ruleFor(identity);
    if (rule ? rule.id === user : !this.isRevoked(identity) && identityMatches(identity, user)) return undefined;
    const expected = rule ? `"${rule.id}"` : `a name of ${describeIdentity(identity)}`;
    return `login user "${user}" is not the identity of the client certificate (expected ${expected} or no user): this server binds users to certificates ([[auth.clients]])`;
  }

  /**
   * Why this proxy may not be opened by this identity, or undefined when it may. `name` is the
   * proxy's name without the user prefix.
   */
  refusal(
    identity: PeerIdentity | undefined,
    name: string,
    request: NewProxy,
    subDomainHost: string,
  ): string | undefined {
    if (!this.enabled) return undefined;
    if (!identity)
      return 'no client certificate: this server authorizes proxies by certificate identity ([[auth.clients]])';
    const who = describeIdentity(identity);
    if (this.isRevoked(identity))
      return `client identity ${who} was revoked (burrow server revoke): it may open no proxy`;
    const rule = this.ruleFor(identity);
    if (!rule) return `client identity ${who} has no [[auth.clients]] entry`;
    if (rule.allowProxies.length > 0 && !matchesAny(name, rule.allowProxies)) {
      return `proxy name "${name}" is not allowed for identity "${rule.id}" (allowProxies: ${rule.allowProxies.join(', ')})`;
    }
    const port = request.remote_port ?? 0;
    if (rule.allowPorts.length > 0 && (request.proxy_type === 'tcp' || request.proxy_type === 'udp')) {
      const ranges = rule.allowPorts.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(', ');
      if (port === 0) return `identity "${rule.id}" may only use ports ${ranges}: set remotePort`;
      if (!rule.allowPorts.some((r) => port >= r.start && port <= r.end)) {
        return `port ${port} is not allowed for identity "${rule.id}" (allowPorts: ${ranges})`;
      }
    }
    if (rule.allowDomains.length > 0) {
      const domains = [...(request.custom_domains ?? [])];
      if (request.subdomain) domains.push(subDomainHost ? `${request.subdomain}.${subDomainHost}` : request.subdomain);
      const denied = domains.find((d) => !matchesAny(d, rule.allowDomains));
      if (denied)
        return `domain "${denied}" is not allowed for identity "${rule.id}" (allowDomains: ${rule.allowDomains.join(', ')})`;
    }
    return undefined;
  }
}
