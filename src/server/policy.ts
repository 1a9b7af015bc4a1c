// Identity-based authorization: which client certificate may open which proxy ([[auth.clients]]).
import type { ClientPolicy } from '../config/index.js';
import { describeIdentity, identityMatches, type PeerIdentity } from '../tls/index.js';
import type { NewProxy } from '../wire/index.js';

/** A glob with `*` (any run) and `?` (one character) as an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some((glob) => globToRegExp(glob).test(value));
}

/** The [[auth.clients]] rules of a server; with none configured every proxy passes. */
export class IdentityPolicy {
  constructor(private readonly policies: readonly ClientPolicy[]) {}

  /** Whether any rule is configured. */
  get enabled(): boolean {
    return this.policies.length > 0;
  }

  /** The rule for an identity: the first whose id names it. */
  ruleFor(identity: PeerIdentity | undefined): ClientPolicy | undefined {
    if (!identity) return undefined;
    return this.policies.find((p) => identityMatches(identity, p.id));
  }

  /**
   * Why this proxy may not be opened by this identity, or undefined when it may. `name` is the
   * proxy's name without the user prefix.
   */
  refusal(identity: PeerIdentity | undefined, name: string, request: NewProxy, subDomainHost: string): string | undefined {
    if (!this.enabled) return undefined;
    if (!identity) return 'no client certificate: this server authorizes proxies by certificate identity ([[auth.clients]])';
    const rule = this.ruleFor(identity);
    const who = describeIdentity(identity);
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
      if (denied) return `domain "${denied}" is not allowed for identity "${rule.id}" (allowDomains: ${rule.allowDomains.join(', ')})`;
    }
    return undefined;
  }
}
