// The host names an http/https proxy serves: customDomains plus subdomain.subDomainHost, checked as frps does.
import { BurrowError, ErrorCode } from '../../errors.js';
import type { NewProxy } from '../../wire/index.js';

/** The port a vhost URL leaves out (frp's CanonicalAddr drops :80 for http, :443 for https). */
export const DEFAULT_HTTP_PORT = 80;
export const DEFAULT_HTTPS_PORT = 443;

function refused(message: string): BurrowError {
  return new BurrowError(ErrorCode.PROXY_REFUSED, message);
}

/**
 * The domains of a proxy, lower-cased: every non-empty custom domain, then subdomain + "." +
 * subDomainHost. Refuses (frps's texts) a subdomain when the server has no subDomainHost, a
 * subdomain with "." or "*", a custom domain under subDomainHost, and a proxy with no domain.
 */
export function proxyDomains(request: NewProxy, subDomainHost: string): string[] {
  const domains: string[] = [];
  for (const domain of request.custom_domains ?? []) {
    if (domain === '') continue;
    const lower = domain.toLowerCase();
    if (
      subDomainHost !== '' &&
      subDomainHost.split('.').length < lower.split('.').length &&
      lower.endsWith(`.${subDomainHost.toLowerCase()}`)
    ) {
      throw refused(`custom domain [${domain}] should not belong to subdomain host [${subDomainHost}]`);
    }
    domains.push(lower);
  }
  const sub = request.subdomain ?? '';
  if (sub !== '') {
    if (subDomainHost === '') throw refused('subdomain is not supported because this feature is not enabled in server');
    if (sub.includes('.') || sub.includes('*')) throw refused("'.' and '*' are not supported in subdomain");
    domains.push(`${sub}.${subDomainHost}`.toLowerCase());
  }
  if (domains.length === 0) throw refused('subdomain and custom domains should not be both empty');
  return domains;
}

/** "domain" or "domain:port" as frp's CanonicalAddr writes remote_addr entries. */
export function canonicalAddr(domain: string, port: number, defaultPort: number): string {
  return port === defaultPort ? domain : `${domain}:${port}`;
}
